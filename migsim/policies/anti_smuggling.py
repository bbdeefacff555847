"""Operations against smuggling networks."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class AntiSmuggling(Lever):
    """Operations against smuggling networks raise fees and cut how many families they take.

    In the model: smugglers' fees are multiplied by ``1 + fee_increase × intensity`` and at most
    ``capacity_per_day`` families a day can hire one; families who cannot pay or find a smuggler
    travel alone, on routes with more checkpoints and more crime.
    """

    name = "anti_smuggling"
    summary = "Smuggling fees rise and fewer families can hire a smuggler."
    lever: Literal["anti_smuggling"] = "anti_smuggling"
    fee_increase: float = param(
        0.5, "fraction of the fee", "assumed: fees rise with risk (fees $7,000–10,000 in 2019)"
    )
    capacity_per_day: float = param(
        150.0, "families/day", "assumed: a fraction of spring-2019 smuggled departures"
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        policy.smuggling_fee_multiplier *= 1 + self.fee_increase * level
        cap = self.capacity_per_day / max(level, 1e-9)
        policy.smuggling_capacity = min(policy.smuggling_capacity, cap)
