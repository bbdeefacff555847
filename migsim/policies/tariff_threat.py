"""The US tariff threat and Mexico's response: the trigger of the June 2019 agreement."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_validator

from migsim.policies.base import Lever, param, parse_lever


class TariffThreat(Lever):
    """A dated tariff threat on Mexican imports and the response Mexico makes to it.

    In the model: while the threat stands, the tariff rises from ``tariff_start_pct`` to
    ``tariff_max_pct``; ``response_lag_days`` after the threat, each lever in ``response``
    comes into force (its own dates, if given, take precedence), ramping up over
    ``response_ramp_days``, and stays in force (to its own end date) even if the threat is
    withdrawn. The chain tariff → enforcement → routes is then visible in a run.
    """

    name = "tariff_threat"
    summary = "A tariff threat makes Mexico switch on other levers after a lag."
    lever: Literal["tariff_threat"] = "tariff_threat"
    tariff_start_pct: float = param(5.0, "percent", "threat of 30 May 2019: 5% from 10 June")
    tariff_max_pct: float = param(25.0, "percent", "rising to 25% unless Mexico acted")
    response_lag_days: int = param(8, "days", "threat 30 May, joint declaration 7 June 2019")
    response_ramp_days: int = param(14, "days", "6,000 Guard in place by 21 June 2019")
    response: list[Any] = Field(default_factory=list, description="levers Mexico switches on")

    @field_validator("response", mode="before")
    @classmethod
    def _parse_response(cls, value: Any) -> list[Lever]:
        return [v if isinstance(v, Lever) else parse_lever(v) for v in value or []]

    def responses(self) -> list[Lever]:
        """Return the response levers with their dates filled in from the threat's date."""
        start = (self.start or dt.date.min) + dt.timedelta(days=self.response_lag_days)
        full = start + dt.timedelta(days=self.response_ramp_days)
        out = []
        for lever in self.response:
            own_start = lever.start or start
            own_full = lever.full or max(full, own_start)
            dates = {"start": own_start, "full": own_full}
            out.append(lever.model_copy(update=dates))
        return out

    def tariff_pct(self, today: dt.date) -> float:
        """The tariff threatened on a date, in percent (0 when no threat stands)."""
        started = self.start is None or today >= self.start
        ended = self.end is not None and today >= self.end
        if not started or ended:
            return 0.0
        level = self.intensity(today)
        return self.tariff_start_pct + (self.tariff_max_pct - self.tariff_start_pct) * level

    def apply(self, policy, corridor, today, level):  # noqa: D102
        # The threat itself changes no setting; the model runs its response levers (see
        # :meth:`responses`) as levers of their own, so they outlive a withdrawn threat.
        return None
