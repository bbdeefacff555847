"""The family table: states, every family's hot state as numpy columns, and their verbs.

The states a family can be in are declared here; the table's verbs change them in batches.

All state changes go through :meth:`FamilyTable.set_state`, which keeps a running count per
state, so the counts always sum to the families created; :meth:`FamilyTable.schedule` gives
families their next event day; a :class:`ServiceQueue` serves queued families first in, first
out, at a daily capacity (metering at a port, Mexico's deportations).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import IntEnum
from types import SimpleNamespace

import numba
import numpy as np


class FamilyState(IntEnum):
    """Every family is in exactly one of these states (see docs/odd.md for the transitions)."""

    AT_ORIGIN = 0
    TRAVELLING = 1
    AT_PLACE = 2
    WAITING = 3
    DETAINED_MX = 4
    DEPORTED = 5
    ASYLUM_MX = 6
    CROSSED_US = 7
    APPREHENDED_US = 8
    RELEASED_US = 9
    RETURNED_MPP = 10
    REMOVED = 11
    EVADED_US = 12
    GAVE_UP = 13
    DIED = 14
    SETTLED_MX = 15

    @property
    def label(self) -> str:
        """The state's name in lower case, as used in output columns."""
        return self.name.lower()


class TravelMode(IntEnum):
    """How a family travels."""

    ALONE = 0
    SMUGGLER = 1
    CARAVAN = 2
    EXPRESS = 3  # a smuggler's express bus from a staging place to a drop-off crossing


class WaitReason(IntEnum):
    """Why a family in state ``waiting`` waits."""

    NONE = 0
    METERING = 1
    SHELTER = 2


N_STATES = len(FamilyState)

COLUMNS: dict[str, tuple[type, int]] = {
    # name: (dtype, fill value)
    "origin": (np.int16, -1),
    "size": (np.int8, 0),
    "children": (np.bool_, False),
    "adults": (np.int8, 1),  # who pay a smuggler's fare (children travel free)
    "money": (np.float32, 0),
    "risk_class": (np.int8, 1),
    "claim": (np.float32, 0),
    "contacts": (np.int8, 0),
    "informed": (np.bool_, False),
    "mode": (np.int8, 0),
    "state": (np.int8, FamilyState.AT_ORIGIN),
    "place": (np.int16, -1),  # where it is, or the place it last left
    "border_city": (np.int16, -1),  # last Mexican border city (for returns to Mexico)
    "link": (np.int32, -1),  # the link being travelled
    "wake": (np.int32, -1),  # the day of its next scheduled event
    "wait_reason": (np.int8, 0),
    "attempts": (np.int16, 0),
    "departed": (np.int32, -1),  # day of the latest departure
    "journey_days": (np.int32, -1),  # days from setting off to first reaching the US side
    "visa_until": (np.int32, -1),
    "evading": (np.bool_, False),
    "weighed_mx": (np.bool_, False),  # has weighed asylum in Mexico on this journey
    "incidents": (np.int16, 0),
    "express_to": (np.int16, -1),  # the drop-off crossing of an express bus being ridden
    "boarded": (np.int32, -1),  # the day its express bus left the staging place
    "comar_until": (np.int32, -1),  # the day COMAR decides a claim of asylum in Mexico
}


class FamilyTable:
    """Columns of family attributes, grown as families are created.

    Attributes:
        n: Families created so far; rows ``0..n-1`` are live.
        counts: Families in each state (indexed by :class:`FamilyState`).
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self.counts = np.zeros(N_STATES, dtype=np.int64)
        self._capacity = 0
        for name, (dtype, fill) in COLUMNS.items():
            setattr(self, name, np.full(0, fill, dtype=dtype))
        self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        for name, (dtype, fill) in COLUMNS.items():
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        self._capacity = capacity

    def add(self, count: int, **values: np.ndarray) -> np.ndarray:
        """Append ``count`` families in state ``at_origin`` and return their rows.

        Args:
            count: Number of families.
            **values: Column values (arrays of length ``count`` or scalars).
        """
        if self.n + count > self._capacity:
            self._grow(max(2 * self._capacity, self.n + count))
        new = slice(self.n, self.n + count)
        for name, value in values.items():
            getattr(self, name)[new] = value
        self.n += count
        self.counts[FamilyState.AT_ORIGIN] += count
        return np.arange(new.start, new.stop)

    def set_state(self, rows: np.ndarray, state: int) -> None:
        """Move families to a state, keeping the per-state counts consistent."""
        if len(rows) == 0:
            return
        _set_state(self.state, self.counts, rows, state)

    def schedule(self, rows: np.ndarray, days: np.ndarray | int) -> None:
        """Give families their next event day (a later call replaces an earlier one)."""
        self.wake[rows] = days

    def in_state(self, state: FamilyState, *others: FamilyState) -> np.ndarray:
        """Rows of families currently in any of the given states."""
        wanted = np.zeros(N_STATES, dtype=np.bool_)
        wanted[[int(s) for s in (state, *others)]] = True
        return _rows_in(self.state, self.n, wanted)

    def due(self, day: int) -> np.ndarray:
        """Rows of families whose event falls on ``day``, in row order."""
        return _rows_due(self.wake, self.n, day)

    def state_counts(self) -> dict[str, int]:
        """Families per state, by state label."""
        return {s.label: int(self.counts[s]) for s in FamilyState}


class ServiceQueue:
    """Families queued for a service with a daily capacity, served first in, first out.

    Families join in batches (one array of rows a day); a fractional capacity carries over
    (0.5 a day serves one family every other day) while families are queued, and unused
    capacity does not build up.
    """

    def __init__(self) -> None:
        self.batches: deque[np.ndarray] = deque()
        self.credit = 0.0

    def __bool__(self) -> bool:
        return bool(self.batches)

    def join(self, rows: np.ndarray) -> None:
        """Queue families at the back."""
        self.batches.append(rows)

    def take(self, capacity: float, still: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Take up to a day's capacity of rows, of those ``still`` queued, in queue order."""
        credit = self.credit + min(capacity, 1e12)
        need = int(credit)
        taken: list[np.ndarray] = []
        queue = self.batches
        while queue and need > 0:
            chunk = queue.popleft()
            chunk = chunk[still(chunk)]
            if len(chunk) > need:
                queue.appendleft(chunk[need:])
                chunk = chunk[:need]
            taken.append(chunk)
            need -= len(chunk)
        served = sum(len(c) for c in taken)
        self.credit = min(credit - served, 1.0) if queue else 0.0
        return np.concatenate(taken) if taken else np.zeros(0, dtype=np.int64)


@numba.njit(cache=True)
def _rows_in(state: np.ndarray, n: int, wanted: np.ndarray) -> np.ndarray:
    # One pass over the state column (numpy made a mask, then a second pass to find it).
    count = 0
    for i in range(n):
        if wanted[state[i]]:
            count += 1
    out = np.empty(count, dtype=np.intp)
    k = 0
    for i in range(n):
        if wanted[state[i]]:
            out[k] = i
            k += 1
    return out


@numba.njit(cache=True)
def _set_state(column: np.ndarray, counts: np.ndarray, rows: np.ndarray, state: int) -> None:
    # One compiled pass instead of four numpy calls (a count, two updates, a scatter), several
    # times a day; counted first and set after, as numpy did, should a row come twice.
    for r in rows:
        counts[column[r]] -= 1
    counts[state] += len(rows)
    for r in rows:
        column[r] = state


@numba.njit(cache=True)
def _rows_due(wake: np.ndarray, n: int, day: int) -> np.ndarray:
    count = 0
    for i in range(n):
        if wake[i] == day:
            count += 1
    out = np.empty(count, dtype=np.intp)
    k = 0
    for i in range(n):
        if wake[i] == day:
            out[k] = i
            k += 1
    return out


def by_group(group: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, slice]]:
    """Positions of items sorted by their group, and where each group lies in that order.

    Args:
        group: Each item's group, an index into ``names``.
        names: The groups' names.

    Returns:
        The positions (a stable sort: items keep their order within a group), and each
        group's slice of them by name.
    """
    order = np.empty(len(group), dtype=np.intp)
    bounds = np.zeros(len(names) + 1, dtype=np.int64)
    _by_group(group, order, bounds)
    edges = bounds.tolist()
    return order, {name: slice(edges[k], edges[k + 1]) for k, name in enumerate(names)}


@numba.njit(cache=True)
def _by_group(group: np.ndarray, order: np.ndarray, bounds: np.ndarray) -> None:
    # A counting sort: one pass where numpy would need a mask and a selection per group.
    for g in group:
        bounds[g + 1] += 1
    for k in range(1, len(bounds)):
        bounds[k] += bounds[k - 1]
    filled = bounds[:-1].copy()
    for i in range(len(group)):
        order[filled[group[i]]] = i
        filled[group[i]] += 1


def plain(codes: type[IntEnum]) -> SimpleNamespace:
    """An IntEnum's members as plain ints, by name (``plain(FamilyState).WAITING == 3``).

    numpy compares a column of small ints with a plain int in the column's own type, but with
    an IntEnum member only after casting the column to int64, several times slower.
    """
    return SimpleNamespace(**{member.name: int(member) for member in codes})
