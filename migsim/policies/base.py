"""The lever base class, its dated schedule, and the policy state that levers write each day.

A lever never edits outcome counts. Each day the model resets a :class:`PolicyState` to the
corridor's ordinary conditions and asks every lever, in turn, to adjust it by how strongly the
lever is in force that day (its schedule's intensity, 0 to 1). The model's decisions and
capacities then read the policy state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from migsim.errors import did_you_mean
from migsim.limits import MAX_NUMBER

if TYPE_CHECKING:
    from migsim.corridor import Corridor


@dataclass
class PolicyState:
    """The day's policy settings as the model reads them (arrays are indexed by place id).

    Attributes:
        interdiction: Probability that a lone family passing a place is stopped by Mexican
            authorities (crossings and checkpoints).
        enforcement_capacity: Families a day each place's officers can process.
        turned_back_share: Share of stopped families at a crossing that are turned back to
            Guatemala rather than detained.
        smuggled_interdiction: Multiplier on interdiction for families with a smuggler.
        smuggling_fee_multiplier: Multiplier on smugglers' fees.
        smuggling_capacity: Families a day smuggling networks can take on.
        visa_quota: Humanitarian visas Mexico issues a day at the southern crossings.
        visa_validity_days: Days a humanitarian visa lets its holder pass checkpoints.
        detention_places: Families Mexico's migration stations can hold.
        deportations_per_day: Families Mexico can deport a day.
        released_share: Share of stopped families Mexico releases with an exit permit
            rather than detaining them for deportation.
        metering_cap: Families a day each US port processes from its asylum queue.
        mpp_share: Share of asylum-seeking families that each port or sector returns to Mexico.
        mpp_mean_wait_days: Mean wait for a remain-in-Mexico hearing.
        holding_capacity: Families each Border Patrol sector or port station can hold.
        processing_days: Days a family spends in US holding before its outcome.
        safe_third_country: Share of families who transited Mexico and are barred from US
            asylum (removed instead of released).
        departure_multiplier: Multiplier on each origin's daily departure hazard.
    """

    interdiction: np.ndarray
    enforcement_capacity: np.ndarray
    turned_back_share: float = 0.2
    smuggled_interdiction: float = 0.35
    smuggling_fee_multiplier: float = 1.0
    smuggling_capacity: float = np.inf
    visa_quota: float = 0.0
    visa_validity_days: int = 0
    detention_places: float = np.inf
    deportations_per_day: float = np.inf
    released_share: float = 0.0
    metering_cap: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mpp_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mpp_mean_wait_days: float = 120.0
    holding_capacity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    processing_days: float = 3.0
    safe_third_country: float = 0.0
    departure_multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def announced_cut(self) -> float:
        """The cut in the chance of staying in the US that today's levers announce (0–1).

        Families barred by the safe-third-country rule, and the largest share any crossing
        returns to Mexico to wait: what the news says, not what families will meet.
        """
        mpp = float(self.mpp_share.max()) if len(self.mpp_share) else 0.0
        return 1.0 - (1.0 - float(self.safe_third_country)) * (1.0 - mpp)

    @classmethod
    def ordinary(cls, corridor: Corridor) -> PolicyState:
        """Return the corridor's conditions with every lever off."""
        n = len(corridor.places)
        return cls(
            interdiction=corridor.base_interdiction.copy(),
            enforcement_capacity=corridor.capacity_per_day.copy(),
            metering_cap=np.full(n, np.inf),
            mpp_share=np.zeros(n),
            holding_capacity=np.full(n, np.inf),
            departure_multiplier=np.ones(n),
        )


# Every lever class by name, filled as each lever module defines its class.
LEVER_CLASSES: dict[str, type[Lever]] = {}


def parse_lever(spec: Any) -> Lever:
    """Build a lever from a scenario entry such as ``{"lever": "metering", ...}``.

    Raises:
        ValueError: For a missing or unknown lever name (naming the nearest valid one).
        pydantic.ValidationError: For bad parameters.
    """
    if not isinstance(spec, dict) or "lever" not in spec:
        raise ValueError("each lever entry needs a 'lever' key naming the lever")
    name = spec["lever"]
    if name not in LEVER_CLASSES:
        raise ValueError(f"unknown lever '{name}'{did_you_mean(name, list(LEVER_CLASSES))}")
    return LEVER_CLASSES[name].model_validate(spec)


def not_huge(value: Any) -> Any:
    """A pydantic check for every field: numbers (and tuples of them) at most ``MAX_NUMBER``."""
    numbers = value if isinstance(value, tuple) else (value,)
    if any(isinstance(v, float) and abs(v) > MAX_NUMBER for v in numbers):
        raise ValueError(f"must be at most {MAX_NUMBER:,.0f} (got {value!r})")
    return value


def param(default: float, units: str, source: str, *, ge: float | None = 0.0, le=None) -> Field:
    """Declare a lever parameter with its units and the public fact behind its default.

    Args:
        default: The default value.
        units: Units, e.g. ``"families/day"``.
        source: The public fact or reasoning behind the default.
        ge: Lower bound (inclusive).
        le: Upper bound (inclusive).

    Returns:
        A pydantic field carrying the metadata ``migsim levers`` prints.
    """
    return Field(default, ge=ge, le=le, json_schema_extra={"units": units, "source": source})


class Lever(BaseModel):
    """A policy lever: named parameters and a dated schedule.

    Schedule: off before ``start``; ramps linearly from ``start`` to ``full``; fully on from
    ``full`` (``start`` if not given) until ``end`` (never off if not given). A lever without
    ``start`` is on from the first day.

    Subclasses set ``name`` and ``summary`` and implement :meth:`apply`.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    lever: str
    start: dt.date | None = None
    full: dt.date | None = None
    end: dt.date | None = None
    note: str = ""

    _not_huge = field_validator("*", mode="after")(not_huge)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.name:  # every lever class is known by its name (see parse_lever)
            LEVER_CLASSES[cls.name] = cls

    @model_validator(mode="after")
    def _check_dates(self) -> Lever:
        if self.start and self.full and self.full < self.start:
            raise ValueError(f"'full' ({self.full}) is before 'start' ({self.start})")
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"'end' ({self.end}) must be after 'start' ({self.start})")
        return self

    def intensity(self, today: dt.date) -> float:
        """How strongly the lever is in force on a date, from 0 (off) to 1 (fully on)."""
        if self.end is not None and today >= self.end:
            return 0.0
        if self.start is None:
            return 1.0
        if today < self.start:
            return 0.0
        if self.full is None or self.full <= self.start or today >= self.full:
            return 1.0
        return (today - self.start).days / (self.full - self.start).days

    def steady_until(self, today: dt.date) -> dt.date | None:
        """The first date after ``today`` whose intensity may differ from today's (None: none).

        The intensity changes only at ``start``, ``full`` and ``end`` and daily in between
        ``start`` and ``full``, so the model need not ask for it again before this date.
        """
        if self.end is not None and today >= self.end:
            return None
        if self.start is not None and self.full is not None and self.start <= today < self.full:
            return today + dt.timedelta(days=1)
        later = [d for d in (self.start, self.full, self.end) if d is not None and d > today]
        return min(later, default=None)

    def apply(self, policy: PolicyState, corridor: Corridor, today: dt.date, level: float) -> None:
        """Adjust the day's policy state; ``level`` is the schedule's intensity (> 0).

        The effect must depend on the date only through ``level``: the model keeps the
        previous day's policy state while every lever's intensity is unchanged.
        """
        raise NotImplementedError


def places_named(corridor: Corridor, names: list[str], what: str) -> np.ndarray:
    """Return place ids for names, raising ``ValueError`` naming an unknown place."""
    from migsim.errors import did_you_mean

    ids = []
    for name in names:
        if name not in corridor.index:
            hint = did_you_mean(name, corridor.places)
            raise ValueError(f"{what}: unknown place '{name}'{hint}; use a name from places.csv")
        ids.append(corridor.index[name])
    return np.array(ids, dtype=int)
