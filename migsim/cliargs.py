"""Argument types shared by every ``migsim`` command: numbers checked with a clear message.

argparse turns the ``ArgumentTypeError`` these raise into ``argument --days: -3 must be
above 0`` and exit status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def whole(low: int) -> Callable[[str], int]:
    """An argument type for whole numbers of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < low:
            bound = "above 0" if low == 1 else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{value} must be {bound}")
        return value

    return parse


positive_int = whole(1)
non_negative_int = whole(0)


def positive_float(text: str) -> float:
    """An argument type for finite numbers above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text} must be a number above 0")
    return value
