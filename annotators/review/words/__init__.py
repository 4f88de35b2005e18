"""The word layer of the review tool: segmentation, PKU tags and PER/LOC/ORG entities.

notation (People's Daily 1998 style lines), analysis (the value and its changes, the
edit-to-decisions diff), state (proposals plus replayed decisions), session (the API the
screen and the line mode share), line (line mode), commands (export, diff, summary) and
cli (the `--layer words` branch of the review commands).
"""

from .analysis import Analysis, Entity, Word
from .notation import NotationError, format_analysis, parse_notation
from .session import WordSession
from .tags import LABELS, TAG_MEANINGS, TAGS

__all__ = ["LABELS", "TAGS", "TAG_MEANINGS", "Analysis", "Entity", "NotationError", "Word", "WordSession",
           "format_analysis", "parse_notation"]
