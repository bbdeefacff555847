"""Mexico (ODD 7.8–7.10): enforcement and asylum.

Interdiction at crossings and checkpoints, humanitarian visas, turn-backs, releases, detention
and deportation, and asylum claims with COMAR.
"""

from __future__ import annotations

import mesa
import numba
import numpy as np

from migsim import decisions
from migsim.corridor import Kind
from migsim.families import FamilyState, ServiceQueue, TravelMode, WaitReason, by_group, plain

S, KIND, WAIT, MODE = (plain(codes) for codes in (FamilyState, Kind, WaitReason, TravelMode))
NOT_WAITING = WAIT.NONE  # a plain int, which compiled code can read
FATES = ("passed", "turned back", "detained")  # of families at crossings and checkpoints


class Mexico:
    """Mexican enforcement and asylum.

    Args:
        model: The model (its corridor, policy, behaviour, families, rng, ledger, information,
            and the journey and departures submodels families go on to).

    Attributes:
        detention: Detained families waiting to be deported, first in first out.
        formal_crossing: Whether each place is a formal Guatemala–Mexico crossing (visas).
        at_crossing: Whether each place is a Guatemala–Mexico crossing.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        c = model.corridor
        self.formal_crossing = (c.kind == KIND.CROSSING) & (c.group == "formal")
        self.at_crossing = c.kind == KIND.CROSSING
        self.detention = ServiceQueue()
        self.visa_credit = 0.0  # visas of today's quota not yet handed out

    def interdict(self, rows: np.ndarray, places: np.ndarray, t: int) -> np.ndarray:
        """Mexican officers stop some families passing crossings and checkpoints.

        Returns:
            The rows of families who passed.
        """
        if len(rows) == 0:
            return rows
        m = self.model
        fam, pol, rng = m.families, m.policy, m.rng
        # Humanitarian visas are handed out at formal crossings, first come first served.
        formal = np.flatnonzero(self.formal_crossing[places])
        u_visa = rng.random(len(formal))
        # A fractional daily quota (a small run's share of the visas) carries over to the
        # next families at a formal crossing, so no visa is lost to rounding.
        self.visa_credit = min(self.visa_credit + pol.visa_quota, pol.visa_quota * 30)
        quota = int(self.visa_credit) if len(formal) else 0
        if quota > 0:
            chosen = formal[np.argsort(u_visa)[:quota]]
            fam.visa_until[rows[chosen]] = t + pol.visa_validity_days
            self.visa_credit -= len(chosen)
            m.ledger.add("humanitarian_visas", len(chosen))
        u = rng.random((3, len(rows)))
        stopped = _stopped(
            rows, places, fam.mode, fam.visa_until, t, pol.interdiction,
            m.costs.stop_by_mode(pol), u,
        )  # fmt: skip
        # Each place processes at most its capacity a day; the rest get through.
        cap = pol.enforcement_capacity[places]
        idx = np.flatnonzero(stopped)
        if len(idx) and np.isfinite(cap[idx]).any():
            order = idx[np.lexsort((u[1][idx], places[idx]))]
            at = places[order]  # sorted: a family's rank is its distance from its place's first
            rank = np.arange(len(order)) - np.searchsorted(at, at)
            stopped[order[rank >= cap[order]]] = False
        info = m.information
        fate = _fates(
            places, stopped, u, self.at_crossing, float(pol.turned_back_share), info.passed,
            info.stopped,
        )  # fmt: skip
        by_fate, group = by_group(fate, FATES)
        rows, places = rows[by_fate], places[by_fate]
        self.turn_back(rows[group["turned back"]], t)
        detained = group["detained"]
        self.detain(rows[detained], places[detained], t)
        return rows[group["passed"]]

    def turn_back(self, rows: np.ndarray, t: int) -> None:
        """Families turned back at the southern border go home."""
        self.model.departures.back_home(rows, t)
        self.model.ledger.add("turned_back", len(rows))

    def detain(self, rows: np.ndarray, places: np.ndarray, t: int) -> None:
        """Stopped families are detained while there is room, else get an exit permit.

        Mexico releases a share of them at once (``released_share``: exit permits, visas,
        asylum claims from detention); the others are detained while there is room.
        """
        if len(rows) == 0:
            return
        m = self.model
        fam, pol, ledger = m.families, m.policy, m.ledger
        released = np.zeros(len(rows), dtype=bool)
        if pol.released_share > 0:  # no draw when nobody is released: same stream as before
            released = m.rng.random(len(rows)) < pol.released_share
        held = rows[~released]
        occupied = fam.counts[S.DETAINED_MX]
        room = max(0, int(min(pol.detention_places, 1e12) - occupied))
        # No room: released with an exit permit too; either way they go on.
        permits = np.concatenate([rows[released], held[room:]])
        rows = held[:room]
        fam.set_state(rows, S.DETAINED_MX)
        self.detention.join(rows)
        ledger.add("mx_apprehensions", len(rows) + len(permits))
        ledger.add("mx_apprehensions_people", fam.size[rows].sum() + fam.size[permits].sum())
        ledger.add("exit_permits", len(permits))
        ledger.count_places("mx_apprehensions", places)
        if len(permits):
            fam.set_state(permits, S.AT_PLACE)
            # An express family stopped on its bus waits at the staging place for the next.
            rebook = (fam.mode[permits] == MODE.EXPRESS) & m.smuggling.at_staging(
                fam.place[permits]
            )
            fam.schedule(permits, np.where(rebook, m.smuggling.next_dispatch(t), t + 1))

    def deport(self, t: int) -> None:
        """Mexico deports up to its daily capacity of detained families, first in first out."""
        if not self.detention:  # nobody detained (the queue's credit is 0 when it is empty)
            return
        m = self.model
        fam = m.families
        out = self.detention.take(
            m.policy.deportations_per_day, lambda r: fam.state[r] == S.DETAINED_MX
        )
        m.ledger.add("deportations", len(out))
        m.ledger.add("deportations_people", fam.size[out].sum())
        m.journey.go_home(out, t, S.DEPORTED, days=2)

    def claim_asylum(self, rows: np.ndarray, t: int) -> None:
        """Families claim asylum in Mexico (COMAR) and wait where they are for the decision.

        COMAR decides after ``1 + Exponential(comar_decision_days)`` days; while they wait,
        families move on north with daily hazard ``comar_move_on`` (drawn once, as a
        memoryless wait), and a family's event is whichever comes first.
        """
        if len(rows) == 0:
            return
        m = self.model
        fam, b, rng = m.families, m.behaviour, m.rng
        fam.set_state(rows, S.ASYLUM_MX)
        decision = rng.exponential(b.comar_decision_days, len(rows))
        mean_stay = np.full(len(rows), 1 / max(b.comar_move_on, 1e-12) - 1)
        move_on = decisions.geometric_days(rng, mean_stay)
        people = _claimed(
            rows, decision, move_on, t, b.comar_move_on > 0, fam.wait_reason, fam.weighed_mx,
            fam.comar_until, fam.wake, fam.size,
        )  # fmt: skip
        m.ledger.add("asylum_claims_mx", len(rows))
        m.ledger.add("asylum_claims_mx_people", people)

    def asylum_event(self, rows: np.ndarray, t: int) -> np.ndarray:
        """Claimants whose decision came, or who move on first; returns those moving on.

        A granted family settles in Mexico for good, though a share ``comar_granted_move_on``
        still moves on north; a refused family moves on north.
        """
        if len(rows) == 0:
            return rows
        m = self.model
        fam, b = m.families, m.behaviour
        decided = np.flatnonzero(fam.comar_until[rows] <= t)  # positions in rows
        granted = decided[m.rng.random(len(decided)) < b.comar_grant]
        stays = granted[m.rng.random(len(granted)) >= b.comar_granted_move_on]
        fam.set_state(rows[stays], S.SETTLED_MX)
        fam.comar_until[rows] = -1
        m.ledger.add("comar_grants", len(granted))
        going = np.delete(rows, stays)  # the others, in their order
        m.ledger.add("asylum_mx_moved_on", len(going))
        return going


@numba.njit(cache=True)
def _stopped(rows, places, mode, visa_until, t, interdiction, stop_by_mode, u):
    # Mexico.interdict's stops before capacity, with the arithmetic of the numpy expression
    # it replaced: a place's interdiction times the travel mode's multiplier, 0 with a visa.
    stopped = np.empty(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        r = rows[i]
        no_visa = 1.0 if visa_until[r] < t else 0.0
        stopped[i] = u[0, i] < interdiction[places[i]] * stop_by_mode[mode[r]] * no_visa
    return stopped


@numba.njit(cache=True)
def _fates(places, stopped, u, at_crossing, turned_back_share, passed, stopped_at):
    # Mexico.interdict after capacity: what officers' stops are heard as (the passing and
    # stopped families at each place, as Information.observe_interdiction records them),
    # and each family's fate, an index into FATES: families stopped at a crossing are turned
    # back with the share ``turned_back_share``, the other stopped families detained.
    fate = np.empty(len(places), dtype=np.int64)
    for i in range(len(places)):
        p = places[i]
        passed[p] += 1
        fate[i] = 0
        if stopped[i]:
            stopped_at[p] += 1
            fate[i] = 1 if at_crossing[p] and u[2, i] < turned_back_share else 2
    return fate


@numba.njit(cache=True)
def _claimed(
    rows, decision, move_on, t, moves_on, wait_reason, weighed_mx, comar_until, wake, size
):  # fmt: skip
    # Mexico.claim_asylum after its draws, in one pass: one claim a journey; COMAR decides
    # ``1 + decision`` days on (whole days); the family's event is the decision or, sooner,
    # moving on north. Returns the people claiming.
    people = 0
    for i in range(len(rows)):
        r = rows[i]
        wait_reason[r] = NOT_WAITING
        weighed_mx[r] = True
        decided = t + 1 + np.int64(decision[i])
        comar_until[r] = decided
        wake[r] = min(decided, t + 1 + move_on[i]) if moves_on else decided
        people += size[r]
    return people
