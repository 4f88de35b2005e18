"""Review tool for span layers: decision log, state replay, TUI and line mode.

See annotators.review.cli for the commands and annotators.review.commands for the
functions behind them.
"""

from .commands import diff, export, review_summary, run_review, sample, status
from .errors import Problem, ReviewError
from .state import LAYERS, NUMERIC, Layer

__all__ = ["LAYERS", "NUMERIC", "Layer", "Problem", "ReviewError", "diff", "export", "review_summary", "run_review", "sample", "status"]
