"""Remain in Mexico (Migrant Protection Protocols): asylum seekers wait in Mexico for hearings."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from migsim.policies.base import Lever, param, places_named


class RemainInMexico(Lever):
    """A share of asylum-seeking families at named ports and sectors is returned to Mexico.

    In the model: after US holding, a family processed at one of ``ports`` (a US port or a
    Border Patrol sector; a port brings its sector with it) is returned with probability
    ``share × intensity`` to the Mexican border city it crossed from, to wait a drawn time
    (exponential, mean ``mean_wait_days``) for its hearing. Waiting families face the border
    city's daily victimisation risk and may give up, evade, or claim asylum in Mexico.
    """

    name = "remain_in_mexico"
    summary = "Asylum-seeking families are returned to Mexican border cities to await hearings."
    lever: Literal["remain_in_mexico"] = "remain_in_mexico"
    share: float = param(
        0.3,
        "share of families",
        "MPP court cases reached 5,161 new in May 2019 (TRAC), about a quarter of family "
        "apprehensions at the ports and sectors where it ran",
        le=1.0,
    )
    mean_wait_days: float = param(
        120.0, "days", "MPP hearings were set about three to four months out (TRAC)", ge=1.0
    )
    ports: list[str] = Field(
        default_factory=list,
        description="US ports or Border Patrol sectors where it applies (empty: all)",
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        if self.ports:
            ids = places_named(corridor, self.ports, "remain_in_mexico.ports")
            sectors = [corridor.sector_of.get(corridor.places[i]) for i in ids]
            extra = [corridor.index[s] for s in sectors if s in corridor.index]
            ids = list(ids) + extra
        else:
            ids = corridor.of_kind("us_port", "us_sector")
        policy.mpp_share[ids] = np.maximum(policy.mpp_share[ids], self.share * level)
        policy.mpp_mean_wait_days = self.mean_wait_days
