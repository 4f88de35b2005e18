"""Sentence splitting rules for the clean report text.

Rules (tested on the hard cases of this report in tests/test_sentences.py):
1. A sentence ends after a run of sentence-final marks `。！？` (`！？` counts as one run).
2. Closing quotes and brackets right after the marks (`”’」』）》`) stay with the sentence.
3. No split inside a quotation “…” or a book title 《…》: a final mark there is part of
   the quoted text, unless a quotation (not a title) closes right after it (`。”`): then
   the sentence ends after the closing quote (rule 2).
4. `；` does not end a sentence. In this report it joins coordinated clauses under one
   topic (`主要預期目標是：地區生產總值增長6%左右；…；…`); a split would strand clauses
   without their subject.
5. `：` does not end a sentence; a paragraph that ends without a final mark (a heading,
   `各位代表：`) is one sentence up to its end.
"""

from __future__ import annotations

FINAL_MARKS = "。！？"
CLOSERS = "”’」』）》"
OPENERS = {"“": "”", "《": "》", "「": "」", "『": "』"}


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split one paragraph `text` into sentences; return their [start, end) offsets.

    The spans are contiguous and cover `text` exactly (leading whitespace of a sentence is
    kept with it; an empty text gives no sentences).
    """
    spans: list[tuple[int, int]] = []
    stack: list[str] = []
    start, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch in OPENERS:
            stack.append(OPENERS[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        if ch in FINAL_MARKS:
            j = i + 1
            while j < n and text[j] in FINAL_MARKS:
                j += 1
            # Closers that end every open quotation right after the marks end the sentence too.
            pending = list(stack)
            k = j
            while k < n and pending and text[k] == pending[-1] != "》":  # a title never ends one
                pending.pop()
                k += 1
            if not pending:
                while k < n and text[k] in CLOSERS:
                    k += 1
                spans.append((start, k))
                stack.clear()
                start = i = k
                continue
            i = j
            continue
        i += 1
    if start < n and text[start:].strip():
        spans.append((start, n))
    elif start < n and spans:
        # Trailing whitespace belongs to the last sentence rather than being dropped.
        spans[-1] = (spans[-1][0], n)
    return spans
