"""Officers at Mexico's southern border with Guatemala (e.g. the National Guard from June 2019)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from migsim.corridor import Kind
from migsim.policies.base import Lever, param


class SouthernBorderEnforcement(Lever):
    """Officers at the Guatemala–Mexico crossings and river fords.

    In the model: each 1,000 officers add ``interdiction_per_1000`` to the interdiction
    probability at formal crossings (``ford_factor`` times that at fords) and
    ``capacity_per_1000`` families a day to what the crossings can process (shared equally
    among the crossings); a share
    ``turned_back_share`` of stopped families is turned back into Guatemala, the rest detained.
    """

    name = "southern_border_enforcement"
    summary = "Officers at the Guatemala crossings and fords turn back or detain families."
    lever: Literal["southern_border_enforcement"] = "southern_border_enforcement"
    officers: float = param(
        6000.0, "officers", "about 6,000 National Guard at the southern border by 21 June 2019"
    )
    interdiction_per_1000: float = param(
        0.04, "probability per family per 1,000 officers", "assumed; a calibration target"
    )
    ford_factor: float = param(
        0.6, "ratio", "fords are harder to watch (a shallow river, jungle lowlands)", le=1.0
    )
    capacity_per_1000: float = param(60.0, "families/day per 1,000 officers", "assumed")
    turned_back_share: float = param(
        0.4, "share of stopped families", "assumed: many are sent back across the river", le=1.0
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        ids = np.flatnonzero(corridor.kind == Kind.CROSSING)
        per_place = self.officers / 1000 * level / max(1, len(ids))
        factor = np.where(corridor.group[ids] == "ford", self.ford_factor, 1.0)
        add = self.interdiction_per_1000 * self.officers / 1000 * level * factor
        policy.interdiction[ids] = np.minimum(1.0, policy.interdiction[ids] + add)
        cap = self.capacity_per_1000 * per_place
        policy.enforcement_capacity[ids] += cap  # unlimited stays unlimited
        policy.turned_back_share = self.turned_back_share
