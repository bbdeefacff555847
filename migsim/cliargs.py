"""Argument types shared by every ``migsim`` command: numbers checked with a clear message.

argparse turns the ``ArgumentTypeError`` these raise into ``argument --days: -3 must be
above 0`` and exit status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from migsim.limits import MAX_DAYS, MAX_FAMILIES_PER_YEAR, MAX_FLEE_DAYS, MAX_RUNS


def whole(low: int, high: int | None = None, what: str = "") -> Callable[[str], int]:
    """An argument type for whole numbers of at least ``low`` and at most ``high``.

    Args:
        low: The smallest value accepted.
        high: The largest value accepted (None: no limit).
        what: What the number counts, for the message when it is too large (e.g. "days").
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < low:
            bound = "above 0" if low == 1 else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{value} must be {bound}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{text} is too many; give at most {high:,} {what}")
        return value

    return parse


positive_int = whole(1)
non_negative_int = whole(0)
days = whole(1, MAX_DAYS, "days (10 years)")
flee_days = whole(1, MAX_FLEE_DAYS, "days (100 years)")
replicates = whole(1, MAX_RUNS, "replicates")


def positive_float(text: str) -> float:
    """An argument type for finite numbers above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text} must be a number above 0")
    return value


def families_per_year(text: str) -> float:
    """An argument type for first departures a year: above 0, at most the largest accepted."""
    value = positive_float(text)
    if value > MAX_FAMILIES_PER_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text} families a year is too many; give at most {MAX_FAMILIES_PER_YEAR:,}"
        )
    return value
