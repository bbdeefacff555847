"""US aid to Guatemala, Honduras and El Salvador: halted, or a development plan."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from migsim.policies.base import Lever, param, places_named


class NorthernTriangleAid(Lever):
    """A change in aid changes each origin's daily departure hazard, after a lag.

    In the model: from ``lag_days`` after the schedule, the departure hazard of the named
    origins (all if empty) is multiplied by ``1 + hazard_change × intensity``. A halt in aid
    raises departures (positive change); a development plan lowers them (negative change).
    """

    name = "northern_triangle_aid"
    summary = "Cutting aid raises departures after a lag; a development plan lowers them."
    lever: Literal["northern_triangle_aid"] = "northern_triangle_aid"
    hazard_change: float = param(
        0.1,
        "fraction of the departure hazard",
        "assumed; the US halted aid to the three countries in March 2019",
        ge=-1.0,
    )
    lag_days: int = param(180, "days", "assumed: aid programmes act over months", ge=0)
    origins: list[str] = Field(default_factory=list, description="origin places (empty: all)")

    def intensity(self, today: dt.date) -> float:  # noqa: D102
        return super().intensity(today - dt.timedelta(days=self.lag_days))

    def steady_until(self, today: dt.date) -> dt.date | None:  # noqa: D102
        lag = dt.timedelta(days=self.lag_days)
        until = super().steady_until(today - lag)
        return None if until is None else until + lag

    def apply(self, policy, corridor, today, level):  # noqa: D102
        ids = (
            places_named(corridor, self.origins, "northern_triangle_aid.origins")
            if self.origins
            else corridor.of_kind("origin")
        )
        policy.departure_multiplier[ids] *= 1 + self.hazard_change * level
