"""nmg-corpus: an annotated teaching corpus of Chinese built from the 2025 Inner Mongolia
government work report.

One module per pipeline stage:
raw (`source`) → errata (`errata`) → clean text with raw offsets (`clean`) → document
structure and sentences (`structure`, `sentences`, `simplify`) → HanLP layer
(`hanlp_layer`) → numeric entities (`numeric`, `review`) → dataset and exports.
"""

__version__ = "0.1.0"

# The document id used in sentence ids and dataset metadata.
DOC_ID = "nmg2025"
