"""Mexico (ODD 7.8–7.10): enforcement and asylum.

Interdiction at crossings and checkpoints, humanitarian visas, turn-backs, detention and
deportation, and asylum claims with COMAR.
"""

from __future__ import annotations

import mesa
import numpy as np

from migsim.corridor import Kind
from migsim.families import FamilyState, ServiceQueue, WaitReason, plain

S, KIND, WAIT = (plain(codes) for codes in (FamilyState, Kind, WaitReason))


class Mexico:
    """Mexican enforcement and asylum.

    Args:
        model: The model (its corridor, policy, behaviour, families, rng, ledger, information,
            and the journey and departures submodels families go on to).

    Attributes:
        detention: Detained families waiting to be deported, first in first out.
        formal_crossing: Whether each place is a formal Guatemala–Mexico crossing (visas).
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        c = model.corridor
        self.formal_crossing = (c.kind == KIND.CROSSING) & (c.group == "formal")
        self.detention = ServiceQueue()

    def interdict(self, rows: np.ndarray, places: np.ndarray, t: int) -> np.ndarray:
        """Mexican officers stop some families passing crossings and checkpoints.

        Returns:
            The rows of families who passed.
        """
        if len(rows) == 0:
            return rows
        m = self.model
        fam, c, pol, rng, b = m.families, m.corridor, m.policy, m.rng, m.behaviour
        # Humanitarian visas are handed out at formal crossings, first come first served.
        formal = np.flatnonzero(self.formal_crossing[places])
        u_visa = rng.random(len(formal))
        quota = int(pol.visa_quota)
        if quota > 0 and len(formal):
            chosen = formal[np.argsort(u_visa)[:quota]]
            fam.visa_until[rows[chosen]] = t + pol.visa_validity_days
            m.ledger.add("humanitarian_visas", len(chosen))
        mode = fam.mode[rows]
        mult = np.array([1.0, pol.smuggled_interdiction, b.caravan_interdiction]).take(mode)
        p = pol.interdiction[places] * mult * (fam.visa_until[rows] < t)
        u = rng.random((3, len(rows)))
        stopped = u[0] < p
        # Each place processes at most its capacity a day; the rest get through.
        cap = pol.enforcement_capacity[places]
        idx = np.flatnonzero(stopped)
        if len(idx) and np.isfinite(cap[idx]).any():
            order = idx[np.lexsort((u[1][idx], places[idx]))]
            at = places[order]  # sorted: a family's rank is its distance from its place's first
            rank = np.arange(len(order)) - np.searchsorted(at, at)
            stopped[order[rank >= cap[order]]] = False
        m.information.observe_interdiction(places, stopped)
        caught, caught_at = rows[stopped], places[stopped]
        back = (c.kind[caught_at] == KIND.CROSSING) & (u[2][stopped] < pol.turned_back_share)
        self.turn_back(caught[back], t)
        self.detain(caught[~back], caught_at[~back], t)
        return rows[~stopped]

    def turn_back(self, rows: np.ndarray, t: int) -> None:
        """Families turned back at the southern border go home."""
        self.model.departures.back_home(rows, t)
        self.model.ledger.add("turned_back", len(rows))

    def detain(self, rows: np.ndarray, places: np.ndarray, t: int) -> None:
        """Stopped families are detained while there is room, else get an exit permit."""
        m = self.model
        fam, pol, ledger = m.families, m.policy, m.ledger
        occupied = fam.counts[S.DETAINED_MX]
        room = max(0, int(min(pol.detention_places, 1e12) - occupied))
        permits = rows[room:]  # no room: released with an exit permit, they go on
        rows = rows[:room]
        fam.set_state(rows, S.DETAINED_MX)
        self.detention.join(rows)
        ledger.add("mx_apprehensions", len(rows) + len(permits))
        ledger.add("mx_apprehensions_people", fam.size[rows].sum() + fam.size[permits].sum())
        ledger.add("exit_permits", len(permits))
        ledger.count_places("mx_apprehensions", places)
        if len(permits):
            fam.set_state(permits, S.AT_PLACE)
            fam.schedule(permits, t + 1)

    def deport(self, t: int) -> None:
        """Mexico deports up to its daily capacity of detained families, first in first out."""
        m = self.model
        fam = m.families
        out = self.detention.take(
            m.policy.deportations_per_day, lambda r: fam.state[r] == S.DETAINED_MX
        )
        m.ledger.add("deportations", len(out))
        m.ledger.add("deportations_people", fam.size[out].sum())
        m.journey.go_home(out, t, S.DEPORTED, days=2)

    def claim_asylum(self, rows: np.ndarray) -> None:
        """Families claim asylum in Mexico (COMAR) and settle there."""
        fam = self.model.families
        fam.set_state(rows, S.ASYLUM_MX)
        fam.wait_reason[rows] = WAIT.NONE
        self.model.ledger.add("asylum_claims_mx", len(rows))
