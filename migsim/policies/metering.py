"""Metering: a daily cap on asylum claims processed at each US port of entry."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from migsim.policies.base import Lever, param, places_named


class Metering(Lever):
    """A daily cap on families each US port processes; the rest queue in the border city.

    In the model: families who choose to present at a port join its queue (state ``waiting``
    in the border city); each day the port processes the first ``families_per_day`` of them.
    Waiting families face the city's daily victimisation risk and, the longer the expected
    wait, the likelier they cross between ports instead.
    """

    name = "metering"
    summary = "Ports process a few asylum families a day; the rest wait in Mexican border cities."
    lever: Literal["metering"] = "metering"
    families_per_day: float = param(
        30.0, "families/day per port", "San Ysidro processed up to 80 asylum seekers a day (2019)"
    )
    ports: list[str] = Field(default_factory=list, description="US ports (empty: all)")

    def apply(self, policy, corridor, today, level):  # noqa: D102
        ids = (
            places_named(corridor, self.ports, "metering.ports")
            if self.ports
            else corridor.of_kind("us_port")
        )
        # Ramping a cap in means lowering it from no limit: at intensity 0.5 the cap is twice.
        policy.metering_cap[ids] = self.families_per_day / max(level, 1e-9)
