"""Federal checkpoints across the Isthmus of Tehuantepec."""

from __future__ import annotations

from typing import Literal

import numpy as np

from migsim.corridor import Kind
from migsim.policies.base import Lever, param


class IsthmusCheckpoints(Lever):
    """Federal checkpoints on the roads across the Isthmus of Tehuantepec.

    In the model: at each place of kind ``checkpoint`` in group ``isthmus`` the interdiction
    probability rises by ``interdiction × intensity`` (smuggled families are stopped less
    often), and each checkpoint can process ``capacity_per_day`` more families a day (a
    checkpoint the corridor leaves unlimited stays unlimited). Families who hear of the
    checkpoints see them as costlier and reroute: Pacific coast, freight train, foot paths.
    """

    name = "isthmus_checkpoints"
    summary = "Checkpoints across the Isthmus stop families; families reroute around them."
    lever: Literal["isthmus_checkpoints"] = "isthmus_checkpoints"
    interdiction: float = param(
        0.3,
        "probability per family passing",
        "March 2019 plan for federal police checkpoints across the Isthmus; interior Guard "
        "deployment of 8,500 by 24 June 2019",
        le=1.0,
    )
    capacity_per_day: float = param(
        200.0, "families/day per checkpoint", "assumed processing of a highway checkpoint team"
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        ids = np.flatnonzero((corridor.kind == Kind.CHECKPOINT) & (corridor.group == "isthmus"))
        policy.interdiction[ids] = np.minimum(
            1.0, policy.interdiction[ids] + self.interdiction * level
        )
        policy.enforcement_capacity[ids] += self.capacity_per_day * level
