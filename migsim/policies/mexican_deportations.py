"""Mexico's detention places and deportation capacity."""

from __future__ import annotations

from typing import Literal

from migsim.policies.base import Lever, param


class MexicanDeportations(Lever):
    """Detention places and a daily deportation capacity for Mexico's migration stations.

    In the model: detained families wait in detention and are deported first-in first-out,
    ``deportations_per_day`` families a day; when detention is full, new detainees are released
    with an exit permit and go on. With the lever off, everyone detained is deported the same
    day. Ramping the lever in lowers both limits from unlimited to their values (at
    intensity 0.5 they are twice the values).
    """

    name = "mexican_deportations"
    summary = "Detention places and daily deportations bound what Mexico can do with detainees."
    lever: Literal["mexican_deportations"] = "mexican_deportations"
    detention_places: float = param(
        2500.0, "families", "assumed: Siglo XXI (Tapachula) alone holds about 960 people"
    )
    deportations_per_day: float = param(
        200.0, "families/day", "about 15,000 people deported in April 2019, ~190 families/day"
    )

    def apply(self, policy, corridor, today, level):  # noqa: D102
        policy.detention_places = min(policy.detention_places, self.detention_places / level)
        policy.deportations_per_day = min(
            policy.deportations_per_day, self.deportations_per_day / level
        )
