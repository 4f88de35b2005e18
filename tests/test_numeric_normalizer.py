"""Table tests for the numeric normalizer and proposer, every case taken from the 2025 report.

Each case is a stretch of a real sentence, the span the proposer must find in it, and
that span's fields per the contract (shared/spec/numeric-entities.md and
corpus/ANNOTATION_GUIDELINES.md).
"""

from __future__ import annotations

import json

import pytest

from annotators.numeric import (
    PROPOSER,
    parse_number,
    propose,
    propose_file,
    propose_records,
    qualifier_from_context,
    quoted_ranges,
)

# (context from the report, span text, label, value, timex, unit, qualifier)
CASES: list[tuple[str, str, str, float | None, str | None, str | None, str]] = [
    # PERCENT
    ("預計地區生產總值增長6%左右、突破2.6萬億元", "6%", "PERCENT", 6.0, None, "%", "approx"),
    ("全區地表水國考斷面水質優良比例81.4%、空氣質量優良天數比例90.6%", "81.4%", "PERCENT", 81.4, None, "%", "exact"),
    ("全區地表水國考斷面水質優良比例81.4%、空氣質量優良天數比例90.6%", "90.6%", "PERCENT", 90.6, None, "%", "exact"),
    ("包鋼集團利潤增速高于行業平均水平33個百分點", "33個百分點", "PERCENT", 33.0, None, "百分點", "exact"),
    ("我區近萬億元的重大項目投資中，產業投資占比近七成", "七成", "PERCENT", 70.0, None, "成", "approx"),
    ("稀土永磁材料產量增長30%以上，稀土產業產值超過千億元", "30%", "PERCENT", 30.0, None, "%", "over"),
    ("天然草原草畜平衡指數由23.9%降至10%以下", "23.9%", "PERCENT", 23.9, None, "%", "exact"),
    ("天然草原草畜平衡指數由23.9%降至10%以下", "10%", "PERCENT", 10.0, None, "%", "under"),
    ("新建數據中心綠電比例不低于80%", "80%", "PERCENT", 80.0, None, "%", "over"),
    ("全區在線監測室溫達標率99%以上", "99%", "PERCENT", 99.0, None, "%", "over"),
    ("城鎮調查失業率5.5%左右", "5.5%", "PERCENT", 5.5, None, "%", "approx"),
    ("執行好20%的剛性增長機制", "20%", "PERCENT", 20.0, None, "%", "exact"),
    ("治沙、造林、種草分別完成年度目標任務的113%、220%和148%", "220%", "PERCENT", 220.0, None, "%", "exact"),
    ("一般公共預算收入同口徑增長4%以上", "4%", "PERCENT", 4.0, None, "%", "over"),
    # MONEY
    ("預計地區生產總值增長6%左右、突破2.6萬億元", "2.6萬億元", "MONEY", 2.6e12, None, "元", "over"),
    ("工業增加值跨過萬億元大關", "萬億元", "MONEY", 1e12, None, "元", "over"),
    ("稀土產業產值超過千億元", "千億元", "MONEY", 1e11, None, "元", "over"),
    ("要整合設立百億產業基金", "百億", "MONEY", 1e10, None, None, "exact"),
    ("但還有34個旗縣經濟總量不足百億", "百億", "MONEY", 1e10, None, None, "under"),
    ("力爭技術合同交易額突破百億", "百億", "MONEY", 1e10, None, None, "over"),
    ("拿出120.6億元支持基層化債", "120.6億元", "MONEY", 1.206e10, None, "元", "exact"),
    ("汽車、家電等以舊換新帶動消費300多億元", "300多億元", "MONEY", 3e10, None, "元", "approx"),
    ("引進到位資金超5300億元", "5300億元", "MONEY", 5.3e11, None, "元", "over"),
    ("提前一年實現三年引資1萬億元目標", "1萬億元", "MONEY", 1e12, None, "元", "exact"),
    ("溫暖工程年度任務全面完成，投入近200億元", "200億元", "MONEY", 2e10, None, "元", "approx"),
    ("工業投資達到4900億元左右、增長10%以上", "4900億元", "MONEY", 4.9e11, None, "元", "approx"),
    ("我區近萬億元的重大項目投資中", "萬億元", "MONEY", 1e12, None, "元", "approx"),
    ("力爭煤化工產業鏈產值穩定在千億元以上", "千億元", "MONEY", 1e11, None, "元", "over"),
    # QUANTITY
    ("糧食總產量達到820.1億斤", "820.1億斤", "QUANTITY", 8.201e10, None, "斤", "exact"),
    ("新能源裝機在全國率先破億、達到1.35億千瓦", "億", "QUANTITY", 1e8, None, None, "over"),
    ("新能源裝機在全國率先破億、達到1.35億千瓦", "1.35億千瓦", "QUANTITY", 1.35e8, None, "千瓦", "exact"),
    ("算力總規模達到9.4萬P", "9.4萬P", "QUANTITY", 9.4e4, None, "P", "exact"),
    ("發電超8000億度", "8000億度", "QUANTITY", 8e11, None, "度", "over"),
    ("新增設施農業26萬畝、舍飼棚圈300萬平方米", "300萬平方米", "QUANTITY", 3e6, None, "平方米", "exact"),
    ("全面建成“四橫六縱”500千伏主干網架", "500千伏", "QUANTITY", 500.0, None, "千伏", "exact"),
    ("時速120公里路段占比由18%增至71%", "120公里", "QUANTITY", 120.0, None, "公里", "exact"),
    ("改造供熱管網近1萬公里", "1萬公里", "QUANTITY", 1e4, None, "公里", "approx"),
    ("新增農業節水3.8億立方米", "3.8億立方米", "QUANTITY", 3.8e8, None, "立方米", "exact"),
    ("糧肉奶產量分別穩定在800億斤、60億斤、160億斤以上", "800億斤", "QUANTITY", 8e10, None, "斤", "over"),
    ("糧肉奶產量分別穩定在800億斤、60億斤、160億斤以上", "60億斤", "QUANTITY", 6e9, None, "斤", "over"),
    ("糧肉奶產量分別穩定在800億斤、60億斤、160億斤以上", "160億斤", "QUANTITY", 1.6e10, None, "斤", "over"),
    ("預計全區陸路口岸貨運量超1.2億噸", "1.2億噸", "QUANTITY", 1.2e8, None, "噸", "over"),
    # CARDINAL
    ("86個重大項目已開工74個", "86個", "CARDINAL", 86.0, None, "個", "exact"),
    ("86個重大項目已開工74個", "74個", "CARDINAL", 74.0, None, "個", "exact"),
    ("5個點位36項重點任務全面推進", "5個", "CARDINAL", 5.0, None, "個", "exact"),
    ("5個點位36項重點任務全面推進", "36項", "CARDINAL", 36.0, None, "項", "exact"),
    ("完成清潔取暖改造19.3萬戶", "19.3萬戶", "CARDINAL", 1.93e5, None, "戶", "exact"),
    ("全區接待游客2.73億人次", "2.73億人次", "CARDINAL", 2.73e8, None, "人次", "exact"),
    ("78萬農牧戶發展庭院經濟", "78萬", "CARDINAL", 7.8e5, None, None, "exact"),
    ("今年我區有17萬應屆大學生畢業", "17萬", "CARDINAL", 1.7e5, None, None, "exact"),
    ("交通集團、文旅集團營收分別增長1.1倍和4.3倍", "1.1倍", "CARDINAL", 1.1, None, "倍", "exact"),
    ("全國排名有望上升3位、居第14位", "3位", "CARDINAL", 3.0, None, "位", "exact"),
    ("帶動7萬多名農村牧區勞動力就業，1000余名京師京醫專家", "7萬多名", "CARDINAL", 7e4, None, "名", "approx"),
    ("帶動7萬多名農村牧區勞動力就業，1000余名京師京醫專家", "1000余名", "CARDINAL", 1000.0, None, "名", "approx"),
    ("烏蘭牧騎在北上廣等25個省市巡演760多場", "760多場", "CARDINAL", 760.0, None, "場", "approx"),
    ("精心打造十大產業集群", "十大", "CARDINAL", 10.0, None, "大", "exact"),
    ("我區是國家八大算力樞紐節點和十大數據中心集群之一", "八大", "CARDINAL", 8.0, None, "大", "exact"),
    ("支持伊利、蒙牛兩大乳企推進全球化戰略", "兩大", "CARDINAL", 2.0, None, "大", "exact"),
    ("城鎮新增就業18萬人以上", "18萬人", "CARDINAL", 1.8e5, None, "人", "over"),
    ("對已經謀劃的近1400個重點工業項目", "1400個", "CARDINAL", 1400.0, None, "個", "approx"),
    ("低空多元應用三個關鍵領域", "三個", "CARDINAL", 3.0, None, "個", "exact"),
    ("重點抓好五件事", "五件", "CARDINAL", 5.0, None, "件", "exact"),
    ("東部五盟市要鼓起“重振雄風”的壯志", "五", "CARDINAL", 5.0, None, None, "exact"),
    ("今年要重點做好以下11個方面工作。", "11個", "CARDINAL", 11.0, None, "個", "exact"),
    ("我區運動員在巴黎奧運會上取得1金1銀的歷史最好成績", "1銀", "CARDINAL", 1.0, None, "銀", "exact"),
    ("力爭到發中歐班列突破500列", "500列", "CARDINAL", 500.0, None, "列", "over"),
    # ORDINAL
    ("總量在全國排名有望上升至第20位", "第20位", "ORDINAL", 20.0, None, "位", "exact"),
    ("提前一年實現自治區第十一次黨代會確定目標", "第十一次", "ORDINAL", 11.0, None, "次", "exact"),
    ("成功舉辦第十四屆全國冬季運動會", "第十四屆", "ORDINAL", 14.0, None, "屆", "exact"),
    ("穩妥推進第二輪土地承包到期后再延長30年試點", "第二輪", "ORDINAL", 2.0, None, "輪", "exact"),
    ("二連浩特公路口岸第二通道", "第二", "ORDINAL", 2.0, None, None, "exact"),
    ("要扎實做好第四次全國文物普查工作", "第四次", "ORDINAL", 4.0, None, "次", "exact"),
    # DATE
    ("一、2024年工作回顧", "2024年", "DATE", None, "2024", None, "exact"),
    ("二、2025年工作安排", "2025年", "DATE", None, "2025", None, "exact"),
    ("時隔5年重回全國中游", "5年", "DATE", None, "P5Y", None, "exact"),
    ("過去一年，在自治區黨委帶領下", "一年", "DATE", None, "P1Y", None, "exact"),
    ("一年來，我們牢記習近平總書記殷殷囑托", "一年", "DATE", None, "P1Y", None, "exact"),
    ("回顧過去這一年，盡管面臨的困難比年初預料的多", "一年", "DATE", None, "P1Y", None, "exact"),
    ("提前一年實現三年引資1萬億元目標", "三年", "DATE", None, "P3Y", None, "exact"),
    ("固定資產投資已連續3年實現高增長", "3年", "DATE", None, "P3Y", None, "exact"),
    ("穩妥推進第二輪土地承包到期后再延長30年試點", "30年", "DATE", None, "P30Y", None, "exact"),
    ("我區60歲以上老年人平均每年新增30萬", "60歲", "DATE", None, "P60Y", None, "over"),
    ("還有63萬失能老人、158萬殘疾人、40萬3歲以下嬰幼兒", "3歲", "DATE", None, "P3Y", None, "under"),
    ("——2025年1月14日在內蒙古自治區", "2025年1月14日", "DATE", None, "2025-01-14", None, "exact"),
]


def _find(spans: list[dict], text: str) -> dict:
    """The single proposed span with this surface text."""
    hits = [s for s in spans if s["text"] == text]
    assert len(hits) == 1, f"expected one span {text!r}, got {[s['text'] for s in spans]}"
    return hits[0]


@pytest.mark.parametrize("context,span_text,label,value,timex,unit,qualifier", CASES,
                         ids=[f"{c[1]}@{i}" for i, c in enumerate(CASES)])
def test_report_case(context: str, span_text: str, label: str, value: float | None,
                     timex: str | None, unit: str | None, qualifier: str) -> None:
    span = _find(propose({"text": context}), span_text)
    assert span["label"] == label
    if value is None:
        assert span["value"] is None
    else:
        assert span["value"] == pytest.approx(value, rel=1e-12)
    assert span["timex"] == timex
    assert span["unit"] == unit
    assert span["qualifier"] == qualifier
    assert span["status"] == "auto"
    assert context[span["start"]:span["end"]] == span_text


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 60


def test_coordinated_list_gives_separate_spans() -> None:
    spans = propose({"text": "治沙、造林、種草分別完成年度目標任務的113%、220%和148%；"})
    assert [s["text"] for s in spans] == ["113%", "220%", "148%"]


def test_move_between_two_values_is_two_spans() -> None:
    spans = propose({"text": "天然草原草畜平衡指數由23.9%降至10%以下。"})
    assert [s["text"] for s in spans] == ["23.9%", "10%"]


def test_closing_qualifier_does_not_cross_a_clause() -> None:
    spans = propose({"text": "預計地區生產總值增長6%左右、突破2.6萬億元，總量在全國排名有望上升至第20位"})
    assert _find(spans, "第20位")["qualifier"] == "exact"


def test_two_adjacent_numbers_are_split() -> None:
    spans = propose({"text": "還有63萬失能老人、158萬殘疾人、40萬3歲以下嬰幼兒"})
    assert [s["text"] for s in spans] == ["63萬", "158萬", "40萬", "3歲"]


def test_range_is_one_span_without_value() -> None:
    # Illustration (†): the report has no range.
    spans = propose({"text": "用3—5年時間完成改造"})
    assert len(spans) == 1
    assert spans[0]["text"] == "3—5年"
    assert spans[0]["label"] == "DATE" and spans[0]["value"] is None and spans[0]["timex"] is None


# --------------------------------------------------------------------------- parse_number

@pytest.mark.parametrize("numeral,expected", [
    ("2.6萬億", 2.6e12), ("1.35億", 1.35e8), ("19.3萬", 1.93e5), ("萬億", 1e12), ("千億", 1e11),
    ("百億", 1e10), ("億", 1e8), ("300多億", 3e10), ("1000余", 1000.0), ("7萬多", 7e4),
    ("十一", 11.0), ("二十", 20.0), ("兩", 2.0), ("十四", 14.0), ("二〇二五", 2025.0),
    ("一億二千萬", 1.2e8), ("三萬億", 3e12), ("3.14159萬", 31415.9), ("0.0001萬", 1.0),
])
def test_parse_number(numeral: str, expected: float) -> None:
    assert parse_number(numeral) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", ["", "abc", "第", "元", "2.6元"])
def test_parse_number_rejects_non_numerals(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_number(bad)


@pytest.mark.parametrize("before,after,expected", [
    ("增長", "左右", "approx"), ("突破", "", "over"), ("跨過", "大關", "over"), ("率先破", "", "over"),
    ("超", "", "over"), ("不低于", "", "over"), ("不足", "", "under"), ("", "以下", "under"),
    ("近", "", "approx"), ("約", "", "approx"), ("逾", "", "over"), ("不到", "", "under"),
    ("做好以下", "", "exact"), ("高于行業平均水平", "", "exact"), ("不超過", "", "under"),
])
def test_qualifier_words(before: str, after: str, expected: str) -> None:
    assert qualifier_from_context(before, after) == expected


def test_quoted_ranges_handle_unclosed_quotes() -> None:
    assert quoted_ranges("抓好“六個工程”，") == [(2, 8)]
    assert quoted_ranges("工程”取得") == [(0, 3)]
    assert quoted_ranges("“五大任務") == [(0, 5)]


# --------------------------------------------------------------------------- file wrapper

def test_propose_file_writes_one_line_per_sentence(tmp_path) -> None:
    sentences = [
        {"id": "t-1", "text_hash": "h1", "text": "糧食總產量達到820.1億斤。"},
        {"id": "t-2", "text_hash": "h2", "text": "各位代表："},
    ]
    src = tmp_path / "sentences.jsonl"
    src.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in sentences), encoding="utf-8")
    out = tmp_path / "out" / "numeric_proposals.jsonl"
    assert propose_file(src, out) == 1
    first = out.read_bytes()
    lines = [json.loads(x) for x in first.decode("utf-8").splitlines()]
    assert [r["id"] for r in lines] == ["t-1", "t-2"]
    assert lines[0]["text_hash"] == "h1" and lines[0]["proposer"] == PROPOSER
    assert lines[0]["spans"][0]["text"] == "820.1億斤" and lines[1]["spans"] == []
    propose_file(src, out)
    assert out.read_bytes() == first


def test_propose_records_is_lazy_and_ordered() -> None:
    records = propose_records(iter([{"id": "a", "text": "新增45個", "text_hash": None}]))
    rec = next(records)
    assert rec["id"] == "a" and rec["spans"][0]["text"] == "45個"


# --------------------------------------------------------------------------- beyond this report (†)

@pytest.mark.parametrize("text,expected", [
    ("新增30萬天然氣用戶", [("30萬", "CARDINAL", None)]),
    ("成交3億成交額", [("3億", "CARDINAL", None)]),
    ("達到3萬人民幣", [("3萬人民幣", "MONEY", "人民幣")]),
    ("三分之一的項目", [("三分之一", "CARDINAL", None)]),
    ("增長百分之二十", [("百分之二十", "PERCENT", "百分之")]),
    ("提高兩個百分點", [("兩個百分點", "PERCENT", "百分點")]),
    ("建設10萬千瓦級項目", []),
    ("一成不變", []),
    ("3個月內完成", [("3個月", "DATE", None)]),
])
def test_unit_guards_and_other_forms(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert [(s["text"], s["label"], s["unit"]) for s in propose({"text": text})] == expected


def test_dates_and_months_get_timex() -> None:
    spans = propose({"text": "2025年1月14日召開，3月底前完成，用3個月"})
    assert [(s["text"], s["timex"]) for s in spans] == [
        ("2025年1月14日", "2025-01-14"), ("3月", "XXXX-03"), ("3個月", "P3M")]
