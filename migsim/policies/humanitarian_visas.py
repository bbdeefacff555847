"""Mexico's humanitarian visas (TVRH) issued at the Suchiate crossing."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class HumanitarianVisas(Lever):
    """Transit visas issued at the southern crossings; holders pass Mexican checkpoints.

    In the model: up to ``visas_per_month × intensity / 30`` families a day, drawn at random
    among those entering Mexico at a formal crossing that day, receive a visa; for
    ``validity_days`` they cannot be interdicted at crossings or checkpoints.
    """

    name = "humanitarian_visas"
    summary = "Families with a transit visa pass Mexican checkpoints while it is valid."
    lever: Literal["humanitarian_visas"] = "humanitarian_visas"
    visas_per_month: float = param(
        4200.0,
        "families/month",
        "10,850 visas (people) granted in January 2019, about 4,200 families of 2.6",
    )
    validity_days: int = param(365, "days", "the TVRH was valid for one year", ge=1)

    def apply(self, policy, corridor, today, level):  # noqa: D102
        policy.visa_quota += self.visas_per_month * level / 30.0
        policy.visa_validity_days = max(policy.visa_validity_days, self.validity_days)
