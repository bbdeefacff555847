"""US Border Patrol station capacity and how fast families are released."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class USHoldingCapacity(Lever):
    """Border Patrol holding capacity per sector and the days families are held.

    In the model: apprehended families are held ``processing_days`` on average before release,
    return to Mexico or removal; when a station (each Border Patrol sector and each port)
    holds more than ``families_per_sector``, families are processed faster (held days shrink
    in proportion to the overcrowding), as stations released families to make room in spring
    2019. The ``us_holding`` and ``us_holding_capacity`` series show occupancy against
    capacity.
    """

    name = "us_holding_capacity"
    summary = "Border Patrol stations hold a limited number of families; overcrowding is reported."
    lever: Literal["us_holding_capacity"] = "us_holding_capacity"
    families_per_sector: float = param(
        400.0, "families", "assumed; El Paso held up to 900 people in a station built for 125"
    )
    processing_days: float = param(3.0, "days", "72-hour custody standard", ge=1.0)

    def apply(self, policy, corridor, today, level):  # noqa: D102
        ids = corridor.of_kind("us_port", "us_sector")
        policy.holding_capacity[ids] = self.families_per_sector / max(level, 1e-9)
        policy.processing_days = self.processing_days
