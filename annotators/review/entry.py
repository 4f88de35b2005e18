"""How a review log was entered: when its decisions were written and how far apart.

The dataset card must say how each review was made; a log whose decisions were written
milliseconds apart was entered in batch (from reading notes or by a script), and the card
says so. The figures come from the logs' own time stamps, so the same logs give the same
figures.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import median
from typing import Any

from .log import Decision


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def entry_timing(decisions: Sequence[Decision]) -> dict[str, Any]:
    """Takes a log's decisions; returns the first and last time stamps, the seconds between them
    and the median gap between consecutive decisions in milliseconds (None for fewer than two)."""
    times = [_when(d.time) for d in decisions]
    if not times:
        return {"first": None, "last": None, "seconds": None, "median_gap_ms": None}
    gaps = [(b - a).total_seconds() * 1000 for a, b in zip(times, times[1:])]
    return {"first": decisions[0].time, "last": decisions[-1].time,
            "seconds": round((times[-1] - times[0]).total_seconds(), 1),
            "median_gap_ms": round(median(gaps), 1) if gaps else None}
