"""How a review log was made: on the proposals, or from scratch (no proposal shown).

A from-scratch review (`review --from-scratch`) records `"mode": "scratch"` on every
decision; a review of the proposals writes "proposals" (word layer) or nothing (numeric
lines, as they always were). Replaying a log needs the base it was made on, so one log
never mixes the two, and a session refuses to continue a log in the other mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import ReviewError
from .log import Decision, DecisionLog

SCRATCH, PROPOSALS = "scratch", "proposals"


def log_mode(decisions: Iterable[Decision], path: Path | str) -> str | None:
    """The mode (scratch or proposals) of a log's decisions, None when there are none.

    Raises ReviewError when the log mixes both (it cannot be replayed on one base).
    """
    modes = {d.mode or PROPOSALS for d in decisions}
    if len(modes) > 1:
        raise ReviewError(f"{path}: the log mixes from-scratch and on-proposals decisions; it cannot be replayed",
                          "E-REVIEW-LOG")
    return modes.pop() if modes else None


def logs_mode(paths: Sequence[Path | str], *, must_exist: bool = True) -> str | None:
    """The common mode of logs replayed together; raises ReviewError when they differ (or one is missing)."""
    found: dict[str, str] = {}
    for path in paths:
        decisions, _ = DecisionLog(path).read(must_exist=must_exist)
        mode = log_mode(decisions, path)
        if mode is not None:
            found[str(path)] = mode
    if len(set(found.values())) > 1:
        raise ReviewError(" + ".join(map(str, paths)) + ": these logs mix a from-scratch review and a review of "
                          "the proposals; they cannot be replayed together", "E-REVIEW-LOG")
    return next(iter(found.values()), None)


def mode_words(mode: str | None) -> str:
    """How a log's review was made, in words."""
    return "from scratch (no proposals shown)" if mode == SCRATCH else "corrected from the proposals"


def check_session_mode(log_path: Path | str, base_logs: Sequence[Path | str], scratch: bool) -> None:
    """Refuse to start a session whose log (or --base logs) was made in the other mode."""
    wanted = SCRATCH if scratch else PROPOSALS
    for path in [Path(log_path), *map(Path, base_logs)]:
        decisions, _ = DecisionLog(path).read()
        mode = log_mode(decisions, path)
        if mode is not None and mode != wanted:
            if mode == SCRATCH:
                raise ReviewError(f"{path} was made from scratch (--from-scratch): review it with --from-scratch, "
                                  "or use another log for a review of the proposals")
            raise ReviewError(f"{path} was made on the proposals: a from-scratch review needs a log of its own "
                              "(another --log or reviewer name)")
