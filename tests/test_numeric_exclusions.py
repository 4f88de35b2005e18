"""One test per exclusion class of the contract: numerals that are not numeric entities.

Every context is taken from the 2025 report; the marked string must not be covered by
any proposed span, while the real numbers in the same context still are.
"""

from __future__ import annotations

import pytest

from annotators.numeric import propose


def _covered(context: str, needle: str) -> bool:
    """True if any proposed span overlaps the first occurrence of needle."""
    i = context.index(needle)
    j = i + len(needle)
    return any(s["start"] < j and i < s["end"] for s in propose({"text": context}))


def _texts(context: str) -> list[str]:
    """Surface strings of the proposed spans."""
    return [s["text"] for s in propose({"text": context})]


# (exclusion class, context from the report, numeral that must stay out, spans that must remain)
EXCLUSIONS: list[tuple[str, str, str, list[str]]] = [
    # names of plans, meetings, laws, projects, places; slogans and fixed expressions
    ("name", "持續打好“三北”工程攻堅戰，蒙古馬精神是跑出來的，三北精神是拼出來的", "三北精神", []),
    ("name", "提前一年達到“十四五”規劃控制目標", "十四五", ["一年"]),
    ("name", "今年是“十四五”規劃收官之年，也是“十五五”規劃謀篇之年", "十五五", []),
    ("name", "認真貫徹黨的二十屆三中全會精神，緊扣自治區黨委確定的276項改革任務", "二十屆三中全會", ["276項"]),
    ("name", "深入貫徹黨的二十大和二十屆二中、三中全會精神", "二十大", []),
    ("name", "自治區黨委召開十一屆九次全會暨全區經濟工作會議", "十一屆九次", []),
    ("name", "國務院16號文件加快實施，86個重大項目已開工74個", "16號", ["86個", "74個"]),
    ("name", "進一步密切同京津冀、長三角、粵港澳大灣區和東三省等地區的合作", "三", []),
    ("name", "新締結3對國際友城，中蒙二連浩特—扎門烏德經濟合作區", "二連浩特", ["3對"]),
    ("name", "嚴格執行中央八項規定精神", "八項", []),
    ("name", "中小學三科統編教材實現全覆蓋", "三科", []),
    ("name", "烏達二疊紀植被化石產地保護取得積極進展", "二疊紀", []),
    ("name", "擴能改造臨哈線、集二線，爭取包鄂榆高鐵開工", "集二線", []),
    ("name", "擴大二手車、“新三樣”、中間品、農食產品出口規模", "二手車", []),
    # quotations
    ("quote", "凝心聚力辦好“兩件大事”、抓好“六個工程”", "兩件", []),
    ("quote", "凝心聚力辦好“兩件大事”、抓好“六個工程”", "六個", []),
    ("quote", "糧食總產量達到820.1億斤、實現“二十一連豐”，增量居全國第3位", "二十一", ["820.1億斤", "第3位"]),
    ("quote", "推動全方位建設模范自治區和“五大任務”取得新成效", "五大", []),
    ("quote", "全面建成“四橫六縱”500千伏主干網架", "四橫六縱", ["500千伏"]),
    ("quote", "今年再推出30個“高效辦成一件事”、150項“全區通辦”事項", "一件", ["30個", "150項"]),
    ("quote", "加快向資產、營收“雙千億”目標邁進", "千億", []),
    # codes, identifiers, versions, grades, size classes, list names
    ("code", "建成S22白永段、S29呼涼高速，開工建設G0616海烏段、G1817烏巴段", "G0616", []),
    ("code", "建成S22白永段、S29呼涼高速", "S22", []),
    ("code", "莫爾格勒河5A級景區獲批，全區接待游客2.73億人次", "5A級", ["2.73億人次"]),
    ("code", "推動2.0版零碳園區建設", "2.0版", []),
    ("code", "電力集團全國500強排名上升11位", "500強", ["11位"]),
    ("code", "2個項目獲國家科技進步二等獎", "二等獎", ["2個"]),
    ("code", "雖然全國百強縣中我區有4個", "百強", ["4個"]),
    ("code", "黃河干流水質連續5年保持Ⅱ類以上", "Ⅱ類", ["5年"]),
    ("code", "加快推進中石化煤制烯烴等一批百億級項目", "百億級", []),
    ("code", "推動肉羊、玉米2個千億級產業鏈提質增效", "千億級", ["2個"]),
    ("code", "冰雪經濟是萬億級新賽道", "萬億級", []),
    ("code", "打造中國最美邊疆路331，把沿途的一顆顆“珍珠”串成“項鏈”", "331", []),
    ("code", "全面推廣“兩代表一委員”12345熱線疑難工單督辦回訪機制", "12345", []),
    ("code", "加快引黃入呼三期工程，實現引綽濟遼一期、二期工程全線通水", "三期", []),
    ("code", "加快引黃入呼三期工程，實現引綽濟遼一期、二期工程全線通水", "二期", []),
    # list enumerators and heading numbers
    ("enumerator", "一、2024年工作回顧", "一、", ["2024年"]),
    ("enumerator", "（三）持續推進科技“突圍”工程，加快培育發展新質生產力。", "三", []),
    ("enumerator", "（十一）更好統籌發展和安全，堅決筑牢祖國北疆安全穩定屏障。", "十一", []),
    ("enumerator", "重點抓好五件事：一是加快發展新型儲能，開工建設阿拉善新遠景等35個新型儲能項目", "一是", ["五件", "35個"]),
    ("enumerator", "五是做好新能源運維服務業", "五是", []),
    # indicator names built on a unit
    ("indicator", "確保萬元GDP用水量、萬元工業增加值用水量完成“十四五”控制目標", "萬元GDP", []),
    ("indicator", "確保萬元GDP用水量、萬元工業增加值用水量完成“十四五”控制目標", "萬元工業", []),
    # vague, generic, idiomatic uses
    ("vague", "遠景、明陽、隆基、龍馬等一批企業總部注冊落地", "一批", []),
    ("vague", "我們一手抓經濟發展、一手抓民生改善", "一手抓", []),
    ("vague", "要一體推進冰雪運動、冰雪文化", "一體", []),
    ("vague", "金融機構要在放貸條件和利息水平上“一碗水端平”", "一碗水", []),
    ("vague", "一家一家地對接，一個項目一個項目地抓落地", "一家一家", []),
    ("vague", "要一個一個盯前期、盯要素、盯落地", "一個一個", []),
    ("vague", "北疆文化是一座“精神富礦”", "一座", []),
    ("vague", "一個地方經濟發展，歸根結底要靠企業唱主角", "一個地方", []),
    ("vague", "讓每一位游客都能帶走一份稱心如意的“伴手禮”", "每一位", []),
    ("vague", "讓每一位游客都能帶走一份稱心如意的“伴手禮”", "一份", []),
    ("vague", "我區是國家八大算力樞紐節點和十大數據中心集群之一", "之一", ["八大", "十大"]),
    ("vague", "要進一步改善居民生活環境", "進一步", []),
    ("vague", "堅持黨中央集中統一領導", "統一", []),
    ("vague", "確保早一天開工、早一天達產", "一天", []),
    ("vague", "一張藍圖繪到底", "一張", []),
    ("vague", "要實施好新一輪農牧業轉移人口市民化行動", "一輪", []),
    ("vague", "首要的一條就是旗幟鮮明講政治", "一條", []),
    ("vague", "對趨利性執法發現一起、嚴查一起", "一起", []),
    ("vague", "堅持供需兩端協同發力", "兩端", []),
    ("vague", "要做好關心下一代工作", "一代", []),
    ("zero-in-word", "出臺節能降碳、零基預算、低空經濟", "零基", []),
    ("zero-in-word", "遠景零碳電池等", "零碳", []),
    ("zero-in-word", "8個旗縣隱性債務清零", "清零", ["8個"]),
    ("zero-in-word", "預計社會消費品零售總額增長4%", "零售", ["4%"]),
    ("no-numeral", "特別是在下半年市場預期不振", "下半年", []),
    ("no-numeral", "發行全國首張綠電國際碳足跡證書", "首張", []),
    ("word", "守好老百姓的看病錢", "百", []),
]


@pytest.mark.parametrize("klass,context,needle,kept", EXCLUSIONS,
                         ids=[f"{e[0]}:{e[2]}" for e in EXCLUSIONS])
def test_exclusion(klass: str, context: str, needle: str, kept: list[str]) -> None:
    assert not _covered(context, needle), (klass, needle, _texts(context))
    assert _texts(context) == kept


def test_every_exclusion_class_is_tested() -> None:
    classes = {e[0] for e in EXCLUSIONS}
    assert {"name", "quote", "code", "enumerator", "indicator", "vague", "zero-in-word"} <= classes


def test_following_is_no_qualifier() -> None:
    (span,) = propose({"text": "今年要重點做好以下11個方面工作。"})
    assert span["qualifier"] == "exact"


def test_move_of_ranks_is_cardinal_and_rank_is_ordinal() -> None:
    spans = propose({"text": "全國排名有望上升3位、居第14位"})
    assert [(s["text"], s["label"]) for s in spans] == [("3位", "CARDINAL"), ("第14位", "ORDINAL")]


def test_word_in_latin_letters_before_a_number_is_no_code() -> None:
    # † GDP is a word, not a road code like G0616.
    assert [s["text"] for s in propose({"text": "單位GDP2.6萬億元"})] == ["2.6萬億元"]
