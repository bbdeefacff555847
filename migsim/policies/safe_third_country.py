"""Safe third country: families who transited Mexico cannot win asylum in the United States."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class SafeThirdCountry(Lever):
    """Families who transited Mexico are barred from US asylum and removed after holding.

    In the model: at the end of US holding, a share ``barred_share × intensity`` of families is
    removed instead of released or returned to Mexico; families who hear of it lower their
    perceived chance of staying in the US, so fewer leave and more claim asylum in Mexico,
    evade Border Patrol or go home.
    """

    name = "safe_third_country"
    summary = "Transit through Mexico bars US asylum: families are removed, not released."
    lever: Literal["safe_third_country"] = "safe_third_country"
    barred_share: float = param(
        1.0,
        "share of families",
        "US third-country transit rule of 16 July 2019 bars all who transited a third country",
        le=1.0,
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        policy.safe_third_country = max(policy.safe_third_country, self.barred_share * level)
