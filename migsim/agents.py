"""Families as Mesa agents: each a read-only view of one row of the family table.

A family's hot state lives in the model's :class:`~migsim.families.FamilyTable` (numpy arrays,
so that decisions are taken for many families at once); a :class:`Family` agent is the Mesa
view of one row of that table, so ``model.agents`` can be filtered and inspected as usual.
"""

from __future__ import annotations

import mesa
import numpy as np

from migsim.families import FamilyState, TravelMode, WaitReason

__all__ = ["Family", "FamilyState", "TravelMode", "WaitReason", "RISK_ATTITUDES"]


RISK_ATTITUDES = ("bold", "moderate", "cautious")


class Family(mesa.Agent):
    """One family: a Mesa agent whose attributes read the model's family table.

    Attributes are read-only views; the model changes them in batches. ``state`` is a
    :class:`FamilyState`; ``place`` is the name of the place it is at, or last left.
    """

    def __init__(self, model: mesa.Model, row: int) -> None:
        super().__init__(model)
        self.row = row

    def _get(self, column: str):
        return getattr(self.model.families, column)[self.row]

    @property
    def state(self) -> FamilyState:
        """The family's current state."""
        return FamilyState(self._get("state"))

    @property
    def origin(self) -> str:
        """Where the family comes from."""
        return self.model.corridor.places[self._get("origin")]

    @property
    def place(self) -> str:
        """The place the family is at, or the last place it left."""
        return self.model.corridor.places[self._get("place")]

    @property
    def size(self) -> int:
        """People in the family."""
        return int(self._get("size"))

    @property
    def children(self) -> bool:
        """Whether the family travels with children."""
        return bool(self._get("children"))

    @property
    def money(self) -> float:
        """Money (USD) the family has left."""
        return float(self._get("money"))

    @property
    def risk_attitude(self) -> str:
        """``bold``, ``moderate`` or ``cautious``: how heavily the family weighs risk."""
        return RISK_ATTITUDES[self._get("risk_class")]

    @property
    def claim_strength(self) -> float:
        """Strength of the family's asylum claim, 0 to 1."""
        return float(self._get("claim"))

    @property
    def contacts(self) -> int:
        """Relatives and friends who relay news to the family."""
        return int(self._get("contacts"))

    @property
    def informed(self) -> bool:
        """Whether the family hears current rumours (else it knows only ordinary conditions)."""
        return bool(self._get("informed"))

    @property
    def mode(self) -> str:
        """``alone``, ``smuggler`` or ``caravan``."""
        return TravelMode(self._get("mode")).name.lower()

    @property
    def attempts(self) -> int:
        """How many times the family has set off."""
        return int(self._get("attempts"))

    @property
    def knows(self) -> dict[str, float]:
        """What the family believes: interdiction at each enforcement place, release odds."""
        fam = self.model.families
        return self.model.information.beliefs(bool(fam.informed[self.row]), fam.origin[self.row])

    def step(self) -> None:
        """Take this family's day on its own, the plain per-agent way.

        The model normally handles families in batches (one numpy operation per decision for
        all families due that day); this method drives the same decision functions for one
        family, and is what the per-agent reference in ``benchmarks/`` calls via
        ``model.agents.shuffle_do("step")``.
        """
        model, row = self.model, np.array([self.row])
        fam = model.families
        if fam.wake[self.row] == model.clock:
            model.journey.handle(row, model.clock)
        if fam.state[self.row] in (FamilyState.WAITING, FamilyState.RETURNED_MPP):
            model.border.waiting_day(model.clock, row)

    def __repr__(self) -> str:
        return f"<Family {self.unique_id} {self.state.label} at {self.place} from {self.origin}>"
