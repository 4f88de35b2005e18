"""Answer checks for the notebooks' exercises (see notebooks/src/*.nbsrc).

Each ``check_NN_K(answer, ...)`` takes the student's answer and the notebook's own data, computes
the expected result from that data (never from figures copied from a run), prints one verdict line
and returns True when the answer is right. A check never raises: an unfilled stub (``...``), an
answer of the wrong shape or an answer whose code raises all print "not yet" with what is off.
"""
from __future__ import annotations

import collections
import math
import random
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .teaching import bio_to_spans, entity_spans, prf, word_layer, word_spans

#: the start of the verdict line of a right answer (the tests look for it)
PASS = "✅ 正確 · Correct"
#: the start of the verdict line of a missing or wrong answer
NOT_YET = "❌ 還沒 · Not yet"


class NotDone(Exception):
    """The answer still holds the stub's ``...``."""


class Wrong(Exception):
    """The answer is off; the message says how."""


def _holds_ellipsis(value: Any) -> bool:
    """True when ``...`` is the value or sits anywhere inside its tuples, lists and dicts."""
    if value is Ellipsis:
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds_ellipsis(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_ellipsis(k) or _holds_ellipsis(v) for k, v in value.items())
    return False


def _is_stub(value: Any) -> bool:
    """True for None (a stub function's result) or a value that still holds the stub's ``...``."""
    return value is None or _holds_ellipsis(value)


def _need(value: Any) -> Any:
    """Raises :class:`NotDone` for a stub value; returns the value otherwise."""
    if _is_stub(value):
        raise NotDone()
    return value


def _call(fn: Any, *args: Any) -> Any:
    """Calls the student's function; a stub function (body ``...``) returns None, which counts as not done."""
    if not callable(fn):
        raise Wrong(f"expected a function, got {type(fn).__name__}")
    return _need(fn(*args))


class Verdict:
    """The outcome of a check: true when the answer is right. Shows nothing as a cell's last value
    (the check has already printed its line)."""

    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"Verdict({self.ok})"

    def _ipython_display_(self) -> None:
        """Nothing to display: the verdict line was printed."""


def verdict(exercise: str, check: Callable[[], str]) -> Verdict:
    """Runs ``check`` (which returns a success message or raises NotDone/Wrong/anything); prints one
    verdict line for ``exercise``; returns a true Verdict when the check passed."""
    try:
        message = check()
    except NotDone:
        print(f"{NOT_YET} ({exercise}): the answer is still the stub: replace each `...` and run the cell again")
        return Verdict(False)
    except Wrong as err:
        print(f"{NOT_YET} ({exercise}): {err}")
        return Verdict(False)
    except Exception as err:  # the student's code raised: show it, do not stop the notebook
        print(f"{NOT_YET} ({exercise}): your answer raised {type(err).__name__}: {err}")
        return Verdict(False)
    print(f"{PASS} ({exercise}): {message}")
    return Verdict(True)


def _close(a: Any, b: float, tol: float = 1e-6) -> bool:
    """True when ``a`` is a number within ``tol`` of ``b``."""
    try:
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------
# 01 corpus tour

def expected_01_1(rows: Sequence[dict]) -> Tuple[collections.Counter, int]:
    """Sentences per paragraph and the largest count."""
    per = collections.Counter(r["paragraph"] for r in rows)
    return per, max(per.values())


def check_01_1(answer: Any, rows: Sequence[dict]) -> Verdict:
    """Exercise 01.1: ``answer = (paragraph, sentences)`` for a paragraph with the most sentences."""
    def run() -> str:
        a = _need(answer)
        if not (isinstance(a, tuple) and len(a) == 2):
            raise Wrong("give a pair (paragraph number, number of sentences)")
        para, n = a
        per, best = expected_01_1(rows)
        if para not in per:
            raise Wrong(f"there is no paragraph {para!r}: paragraph numbers run from {min(per)} to {max(per)}")
        if per[para] != n:
            raise Wrong(f"paragraph {para} has {per[para]} sentences, not {n}")
        if n != best:
            raise Wrong(f"paragraph {para} has {n} sentences, but another paragraph has more")
        ties = sorted(p for p, c in per.items() if c == best)
        return f"paragraph {para}, {n} sentences" + (f" (tied with {ties})" if len(ties) > 1 else "")
    return verdict("01.1", run)


def expected_01_2(rows: Sequence[dict], upos_names: Sequence[str]) -> Dict[Optional[str], Tuple[float, float]]:
    """Per part: mean reviewed words per sentence and the share of PUNCT words."""
    by_part: Dict[Optional[str], List[dict]] = collections.defaultdict(list)
    for r in rows:
        by_part[r["part"]].append(r)
    punct = upos_names.index("PUNCT")
    out = {}
    for part, rs in by_part.items():
        words = sum(len(r["tokens"]) for r in rs)
        out[part] = (words / len(rs), sum(u == punct for r in rs for u in r["upos"]) / words)
    return out


def check_01_2(answer: Any, rows: Sequence[dict], upos_names: Sequence[str]) -> Verdict:
    """Exercise 01.2: ``answer = {part: (words per sentence, punctuation share)}`` over the reviewed words."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, dict) or not a:
            raise Wrong("give a dict {part: (words per sentence, share of punctuation)}")
        want = expected_01_2(rows, upos_names)
        missing = [p for p in want if p not in a]
        if missing:
            raise Wrong(f"missing part(s) {missing} (the sentences before part 一 have part None)")
        extra = [p for p in a if p not in want]
        if extra:
            raise Wrong(f"no part is called {extra[0]!r}")
        for part, (avg, share) in want.items():
            got = a[part]
            if not (isinstance(got, (tuple, list)) and len(got) == 2):
                raise Wrong(f"{part}: give a pair (words per sentence, share), got {got!r}")
            if not _close(got[0], avg):
                raise Wrong(f"{part}: words per sentence is off ({got[0]!r}); divide the number of words by "
                            f"the number of sentences of that part")
            if not _close(got[1], share):
                hint = " (a share is between 0 and 1, not a percentage)" if _close(got[1], share * 100) else ""
                raise Wrong(f"{part}: the punctuation share is off ({got[1]!r}){hint}")
        return f"{len(want)} parts"
    return verdict("01.2", run)


def expected_01_3(rows: Sequence[dict], ner_names: Sequence[str]) -> collections.Counter:
    """Entities (spans, not tags) per label over the reviewed word layer."""
    return collections.Counter(lab for r in rows for *_, lab in bio_to_spans([ner_names[t] for t in r["ner_tags"]]))


def check_01_3(answer: Any, rows: Sequence[dict], ner_names: Sequence[str]) -> Verdict:
    """Exercise 01.3: ``answer = {label: number of entities}`` for PER, LOC and ORG."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, dict):
            raise Wrong("give a dict {label: number of entities}")
        want = expected_01_3(rows, ner_names)
        labels = sorted({n[2:] for n in ner_names if n != "O"})
        tags = collections.Counter(ner_names[t] for r in rows for t in r["ner_tags"])
        got = {k: a.get(k, 0) for k in labels}
        if any(k.startswith(("B-", "I-")) for k in a):
            raise Wrong("key the counts by entity label (PER, LOC, ORG), not by tag")
        if got == {k: want.get(k, 0) for k in labels}:
            return ", ".join(f"{k} {want.get(k, 0)}" for k in labels)
        if got == {k: tags.get("B-" + k, 0) + tags.get("I-" + k, 0) for k in labels}:
            raise Wrong("these are the numbers of B- and I- tags: an entity of three words has three tags; "
                        "count spans (bio_to_spans) instead")
        bad = next(k for k in labels if got[k] != want.get(k, 0))
        raise Wrong(f"{bad}: {got[bad]} is off")
    return verdict("01.3", run)


# ---------------------------------------------------------------------------------------------
# 02 segmentation and POS

def check_02_1(answer: Any, rows: Sequence[dict], pos_names: Sequence[str], pku_to_upos: Dict[str, str]) -> Verdict:
    """Exercise 02.1: ``answer = {PKU tag: reviewed tokens}`` for every PKU tag that maps to PROPN."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, dict):
            raise Wrong("give a dict {PKU tag: number of tokens}")
        propn = sorted(t for t, u in pku_to_upos.items() if u == "PROPN")
        counts = collections.Counter(pos_names[p] for r in rows for p in r["pos_tags"])
        missing = [t for t in propn if t not in a]
        if missing:
            raise Wrong(f"tag(s) {missing} also map to PROPN (list them even with 0 tokens)")
        extra = [t for t in a if t not in propn]
        if extra:
            raise Wrong(f"{extra[0]!r} does not map to PROPN in PKU_TO_UPOS")
        bad = [t for t in propn if a[t] != counts.get(t, 0)]
        if bad:
            raise Wrong(f"{bad[0]}: {a[bad[0]]!r} tokens is off (count the `pos_tags` column, the reviewed layer)")
        return ", ".join(f"{t} {counts.get(t, 0)}" for t in propn)
    return verdict("02.1", run)


def jieba_spans(tokenizer: Any, text: str) -> List[Tuple[int, int]]:
    """Takes a jieba tokenizer (the module or a ``jieba.Tokenizer``) and a text; returns its words as spans."""
    from .teaching import token_spans
    return token_spans(text, tokenizer.lcut(text))


def _word_f1(rows: Sequence[dict], tokenizer: Any, column: str) -> float:
    """Word F1 of a jieba tokenizer on ``column`` against the reviewed words of ``rows``."""
    gold = {(r["id"], s, e) for r in rows for s, e in word_spans(word_layer(r))}
    pred = {(r["id"], s, e) for r in rows for s, e in jieba_spans(tokenizer, r[column])}
    return prf(gold, pred)[2]


def check_02_2(answer: Any, rows: Sequence[dict]) -> Verdict:
    """Exercise 02.2: ``answer = {"simplified": F1, "traditional": F1}``, jieba's word F1 against the reviewed words."""
    def run() -> str:
        import jieba
        a = _need(answer)
        if not isinstance(a, dict) or set(a) != {"simplified", "traditional"}:
            raise Wrong('give a dict with the keys "simplified" and "traditional"')
        plain = jieba.Tokenizer()  # a fresh dictionary: words the notebook added must not count
        for key, column in (("simplified", "text_simplified"), ("traditional", "text")):
            want = _word_f1(rows, plain, column)
            if not _close(a[key], want, 1e-4):
                raise Wrong(f"{key}: F1 {a[key]!r} is off; score jieba's spans on `{column}` against the "
                            f"reviewed word spans (token_starts, token_ends) of every sentence")
        return f"simplified {a['simplified']:.3f}, traditional {a['traditional']:.3f}"
    return verdict("02.2", run)


def expected_02_3(train: Sequence[dict], heldout: Sequence[dict]) -> Tuple[List[str], float, float]:
    """The words exercise 02.3 adds (simplified, sorted) and jieba's held-out word F1 before and after."""
    import re

    import jieba
    han = re.compile(r"[\u4e00-\u9fff]{2,}")
    plain = jieba.Tokenizer()  # a fresh dictionary: words the notebook added must not count
    words = set()
    for r in train:
        found = set(jieba_spans(plain, r["text_simplified"]))
        for s, e in word_spans(word_layer(r)):
            w = r["text_simplified"][s:e]
            if han.fullmatch(w) and (s, e) not in found:
                words.add(w)
    taught = jieba.Tokenizer()
    for w in sorted(words):
        taught.add_word(w)
    return sorted(words), _word_f1(heldout, plain, "text_simplified"), _word_f1(heldout, taught, "text_simplified")


def check_02_3(answer: Any, train: Sequence[dict], heldout: Sequence[dict]) -> Verdict:
    """Exercise 02.3: ``answer = (words added, F1 before, F1 after)`` on the held-out sentences."""
    def run() -> str:
        a = _need(answer)
        if not (isinstance(a, tuple) and len(a) == 3):
            raise Wrong("give a triple (the words you added, F1 before, F1 after)")
        words, before, after = a
        want_words, want_before, want_after = expected_02_3(train, heldout)
        got = set(words)
        if got != set(want_words):
            more, fewer = sorted(got - set(want_words))[:3], sorted(set(want_words) - got)[:3]
            raise Wrong(f"the word list differs: {len(got)} words, expected {len(want_words)} "
                        f"(extra e.g. {more}, missing e.g. {fewer}); take reviewed train words of two or more Han "
                        f"characters, in simplified characters, that jieba does not produce at that place")
        if not _close(before, want_before, 1e-4):
            raise Wrong(f"F1 before is off ({before!r}): score plain jieba on the held-out sentences only")
        if not _close(after, want_after, 1e-4):
            raise Wrong(f"F1 after is off ({after!r}): add the words to a fresh jieba.Tokenizer() and score it "
                        f"on the held-out sentences")
        return f"{len(got)} words; held-out F1 {before:.4f} -> {after:.4f}"
    return verdict("02.3", run)


# ---------------------------------------------------------------------------------------------
# 03 named and numeric entities

def _quoted(text: str) -> set:
    """Character offsets inside a “…” quotation (the marks included)."""
    import re
    inside: set = set()
    for m in re.finditer(r"“[^”]*”", text):
        inside |= set(range(m.start(), m.end()))
    return inside


def _no_quotes(extract: Callable[[str], list], text: str) -> list:
    """The reference answer of 03.1 for one text."""
    quoted = _quoted(text)
    return sorted((s, e, lab) for s, e, lab in extract(text) if not set(range(s, e)) & quoted)


def _compare_extractor(fn: Any, reference: Callable[[str], list], rows: Sequence[dict], what: str) -> str:
    """Runs the student's extractor on every sentence and compares with the reference; returns a summary."""
    n = 0
    for r in rows:
        got = sorted(tuple(x) for x in _call(fn, r["text"]))
        want = reference(r["text"])
        if got != want:
            extra = [x for x in got if x not in want][:2]
            missing = [x for x in want if x not in got][:2]
            raise Wrong(f"sentence {r['id']}: {what}; your extractor also returns {extra} and misses {missing} "
                        f"(text: {r['text'][:40]}…)")
        n += len(got)
    return f"same spans as the reference on all {len(rows)} sentences ({n} spans)"


def check_03_1(fn: Any, rows: Sequence[dict], extract: Callable[[str], list]) -> Verdict:
    """Exercise 03.1: ``extract_no_quotes(text)`` drops the rule matches that touch a “…” quotation."""
    return verdict("03.1", lambda: _compare_extractor(
        fn, lambda t: _no_quotes(extract, t), rows, "drop exactly the matches that overlap a “…” quotation"))


def check_03_2(fn: Any, rows: Sequence[dict], extract: Callable[[str], list]) -> Verdict:
    """Exercise 03.2: ``extract_better(text)``: 03.1's output without CARDINAL 一 + one character."""
    def reference(text: str) -> list:
        return [(s, e, lab) for s, e, lab in _no_quotes(extract, text)
                if not (lab == "CARDINAL" and text[s] == "一" and e - s <= 2)]
    return verdict("03.2", lambda: _compare_extractor(
        fn, reference, rows, "start from extract_no_quotes and drop only CARDINAL matches of 一 plus at most one character"))


def check_03_3(answer: Any, rows: Sequence[dict], num_names: Sequence[str], qual_names: Sequence[str]) -> Verdict:
    """Exercise 03.3: ``answer = (value, text, qualifier, sentence id)`` of the largest reviewed MONEY entity."""
    def run() -> str:
        a = _need(answer)
        if not (isinstance(a, tuple) and len(a) == 4):
            raise Wrong("give a 4-tuple (value, entity text, qualifier name, sentence id)")
        money = [(e["value"], e["text"], qual_names[e["qualifier"]], r["id"]) for r in rows
                 for e in r["numeric_entities"] if num_names[e["label"]] == "MONEY" and e["value"] is not None]
        if not money:
            raise Wrong("this release has no MONEY entity with a value")
        best = max(m[0] for m in money)
        winners = [m for m in money if m[0] == best]
        if not _close(a[0], best):
            raise Wrong(f"{a[0]!r} is not the largest value: compare e['value'], not e['text']")
        if tuple(a[1:]) not in [m[1:] for m in winners]:
            raise Wrong(f"the value is right, but the text/qualifier/sentence {a[1:]!r} do not belong to it "
                        f"(qualifier: a name such as 'over', not its id)")
        return f"{a[1]} = {best:,.0f} ({a[2]}) in {a[3]}"
    return verdict("03.3", run)


# ---------------------------------------------------------------------------------------------
# 04 train a tagger

def _fold_f1(fit_score: Callable[..., float], *args: Any) -> float:
    """One refit through the notebook's own function (deterministic: crfsuite's L-BFGS has no randomness)."""
    return float(fit_score(*args))


def check_04_1(answer: Any, windows: Sequence[int], n_folds: int, fit_score: Callable[[int, int], float]) -> Verdict:
    """Exercise 04.1: ``answer = {window: [F1 of each fold]}``; two of the cells are refitted with the
    notebook's ``fit_score(window, fold)`` and must match."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, dict) or sorted(a) != sorted(windows):
            raise Wrong(f"give a dict keyed by the windows {list(windows)}")
        for w in windows:
            if not (isinstance(a[w], (list, tuple)) and len(a[w]) == n_folds):
                raise Wrong(f"window {w}: give one F1 per fold ({n_folds} values)")
            if any(_is_stub(x) or not 0.0 <= float(x) <= 1.0 for x in a[w]):
                raise Wrong(f"window {w}: every F1 is a number between 0 and 1")
        for w, k in ((windows[0], 0), (windows[-1], n_folds - 1)):
            want = _fold_f1(fit_score, w, k)
            if not _close(a[w][k], want, 1e-9):
                raise Wrong(f"window {w}, fold {k}: {a[w][k]!r}, but refitting gives {want:.4f}; train on the other "
                            f"folds, score strict IOB2 micro F1 on fold {k}")
        return "; ".join(f"window {w}: mean {sum(a[w]) / n_folds:.3f}" for w in windows)
    return verdict("04.1", run)


def subset(n: int, share: float, seed: int) -> List[int]:
    """The training sentences of exercise 04.2: ``round(share * n)`` indices drawn with ``random.Random(seed)``,
    in increasing order."""
    return sorted(random.Random(seed).sample(range(n), max(1, round(share * n))))


def check_04_2(answer: Any, shares: Sequence[float], seeds: Sequence[int],
               fit_score: Callable[[List[int]], float], n_train: int) -> Verdict:
    """Exercise 04.2: ``answer = {share: [test F1 of each seed]}``; one cell is refitted and must match."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, dict) or sorted(a) != sorted(shares):
            raise Wrong(f"give a dict keyed by the shares {list(shares)}")
        for s in shares:
            if not (isinstance(a[s], (list, tuple)) and len(a[s]) == len(seeds)):
                raise Wrong(f"share {s}: give one F1 per seed ({len(seeds)} values)")
            if any(_is_stub(x) or not 0.0 <= float(x) <= 1.0 for x in a[s]):
                raise Wrong(f"share {s}: every F1 is a number between 0 and 1")
        s, k = shares[0], len(seeds) - 1
        want = float(fit_score(subset(n_train, s, seeds[k])))
        if not _close(a[s][k], want, 1e-9):
            raise Wrong(f"share {s}, seed {seeds[k]}: {a[s][k]!r}, but refitting on check.subset(n, {s}, {seeds[k]}) "
                        f"gives {want:.4f}")
        top = a[shares[-1]]
        if shares[-1] == 1.0 and len(set(top)) > 1:
            raise Wrong("at share 1.0 every seed draws all sentences, so the F1 values must be equal")
        return "; ".join(f"{s:.0%}: {sum(a[s]) / len(seeds):.3f}" for s in shares)
    return verdict("04.2", run)


def check_04_3(answer: Any, crf: Any) -> Verdict:
    """Exercise 04.3: ``answer`` = the five most negative transitions of ``crf`` as (from, to) pairs."""
    def run() -> str:
        a = _need(answer)
        if not isinstance(a, (list, tuple)) or len(a) != 5:
            raise Wrong("give a list of five (from tag, to tag) pairs")
        weights = crf.transition_features_
        ranked = sorted(weights.items(), key=lambda kv: kv[1])
        cutoff = ranked[4][1]
        allowed = {pair for pair, w in ranked if w <= cutoff}  # ties at the fifth place count as right
        got = [tuple(p) for p in a]
        bad = [p for p in got if p not in allowed]
        if bad:
            w = weights.get(bad[0])
            raise Wrong(f"{bad[0]} has weight {w!r}, not among the five most negative"
                        + ("" if w is not None else " (is it a pair of tag names, e.g. ('O', 'I-LOC')?)"))
        if len(set(got)) != 5:
            raise Wrong("the five pairs must differ")
        return ", ".join(f"{x}→{y} {weights[(x, y)]:.2f}" for x, y in got)
    return verdict("04.3", run)


# ---------------------------------------------------------------------------------------------
# 05 fine-tune a transformer

def check_05_1(answer: Any, vocab: Dict[str, int], rows: Sequence[dict], names: Sequence[str]) -> Verdict:
    """Exercise 05.1: ``answer = (share of test characters not in the vocabulary, same share inside entities)``."""
    def run() -> str:
        a = _need(answer)
        if not (isinstance(a, tuple) and len(a) == 2):
            raise Wrong("give a pair (share over all test characters, share over the characters inside entities)")
        chars = [c for r in rows for c in r["tokens"]]
        inside = [c for r in rows for c, t in zip(r["tokens"], r["ner_tags"]) if names[t] != "O"]
        want = (sum(c not in vocab for c in chars) / len(chars),
                sum(c not in vocab for c in inside) / len(inside) if inside else 0.0)
        for got, exp, what in ((a[0], want[0], "all test characters"), (a[1], want[1], "characters inside entities")):
            if not _close(got, exp):
                if _close(got, exp * 100):
                    raise Wrong(f"{what}: give a share between 0 and 1, not a percentage")
                raise Wrong(f"{what}: {got!r} is off; count the characters that are not keys of `vocab`")
        return f"{want[0]:.1%} of all test characters, {want[1]:.1%} of the characters inside entities"
    return verdict("05.1", run)


def _reference_metrics(logits: Any, labels: Any, names: Sequence[str]) -> Dict[str, float]:
    """Strict IOB2 micro scores of token-classification logits, positions labelled -100 left out."""
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    pred = logits.argmax(-1)
    gold_seqs, pred_seqs = [], []
    for p_row, l_row in zip(pred, labels):
        keep = [(names[int(p)], names[int(lab)]) for p, lab in zip(p_row, l_row) if lab != -100]
        pred_seqs.append([p for p, _ in keep])
        gold_seqs.append([g for _, g in keep])
    kw = dict(mode="strict", scheme=IOB2, zero_division=0)
    return {"precision": float(precision_score(gold_seqs, pred_seqs, **kw)),
            "recall": float(recall_score(gold_seqs, pred_seqs, **kw)),
            "f1": float(f1_score(gold_seqs, pred_seqs, **kw))}


def check_05_2(fn: Any, names: Sequence[str], seed: int = 0) -> Verdict:
    """Exercise 05.2: ``compute_metrics((logits, labels))`` returns strict IOB2 micro precision, recall, f1,
    ignoring -100. Tried on made-up batches (special tokens, padding, a wrong and an ill-formed span)."""
    def run() -> str:
        import numpy as np

        rng = np.random.default_rng(seed)
        ids = {n: i for i, n in enumerate(names)}
        entity = next(n[2:] for n in names if n.startswith("B-"))
        b, i_ = ids["B-" + entity], ids["I-" + entity]
        # two sentences: -100 at [CLS], [SEP] and padding; the second has an entity starting with I- in the prediction
        labels = np.array([[-100, b, i_, 0, 0, b, -100, -100],
                           [-100, 0, b, i_, i_, 0, 0, -100]])
        predicted = np.array([[0, b, i_, 0, 0, 0, b, b],
                              [i_, 0, i_, i_, i_, 0, b, i_]])
        logits = rng.normal(size=(*labels.shape, len(names))) * 0.1
        for idx, p in np.ndenumerate(predicted):
            logits[idx + (p,)] += 5.0
        want = _reference_metrics(logits, labels, names)
        got = _call(fn, (logits, labels))
        if not isinstance(got, dict):
            raise Wrong("return a dict with the keys precision, recall and f1")
        for key in ("precision", "recall", "f1"):
            if key not in got:
                raise Wrong(f"the dict has no {key!r}")
            if not _close(got[key], want[key], 1e-9):
                hint = ("" if key != "precision" else
                        " (strict IOB2: a span that starts with I- is wrong; and leave out every position labelled -100)")
                raise Wrong(f"{key} = {got[key]!r} on a test batch, expected {want[key]:.4f}{hint}")
        return f"precision {want['precision']:.3f}, recall {want['recall']:.3f}, f1 {want['f1']:.3f} on the test batch"
    return verdict("05.2", run)


def _reference_spans(text: str, model: Any, tokenizer: Any) -> List[Tuple[int, int, str]]:
    """The model's entities of a raw text: one word per character, the first piece's label, as spans."""
    import torch

    chars = list(text)
    enc = tokenizer(chars, is_split_into_words=True, return_tensors="pt", truncation=True)
    with torch.no_grad():
        logits = model(**enc).logits[0]
    tags = ["O"] * len(chars)
    seen = set()
    for pos, w in enumerate(enc.word_ids(0)):
        if w is not None and w not in seen:
            seen.add(w)
            tags[w] = model.config.id2label[int(logits[pos].argmax())]
    return bio_to_spans(tags)


def check_05_3(fn: Any, model: Any, tokenizer: Any, texts: Sequence[str]) -> Verdict:
    """Exercise 05.3: ``predict_spans(text)`` gives the trained model's (start, end, label) spans of any text."""
    def run() -> str:
        n = 0
        for text in texts:
            got = sorted(tuple(x) for x in _call(fn, text))
            want = _reference_spans(text, model, tokenizer)
            if got != want:
                raise Wrong(f"on {text[:30]}… you give {got[:3]}, the model gives {want[:3]} (one word per character, "
                            f"the label of each word's first piece, then bio_to_spans)")
            n += len(got)
        return f"same spans as the model on {len(texts)} sentences ({n} spans)"
    return verdict("05.3", run)
