"""The US border (ODD 7.12–7.18): what families do there and what happens to them.

The border decision (including moving along the border to another border city), metering
queues, crossing between ports, US holding and its outcomes, remain-in-Mexico hearings, and
waiting in Mexican border cities.
"""

from __future__ import annotations

from collections import defaultdict

import mesa
import numpy as np

from migsim import decisions
from migsim.corridor import Kind
from migsim.decisions import ASYLUM_MX, EVADE, HOME, MOVE, QUEUE, SHELTER, SURRENDER
from migsim.families import FamilyState, ServiceQueue, TravelMode, WaitReason, plain

S, KIND, MODE, WAIT = (plain(codes) for codes in (FamilyState, Kind, TravelMode, WaitReason))


def links_along_border(corridor) -> np.ndarray:
    """Each place's links to other border cities, padded with -1, shape (N, K)."""
    c = corridor
    is_border = c.kind == KIND.BORDER_CITY
    lists = [
        [e for e in c.out_links[i] if e >= 0 and is_border[c.link_dst[e]]] if is_border[i] else []
        for i in range(len(c.places))
    ]
    width = max([len(x) for x in lists] + [1])
    out = np.full((len(c.places), width), -1, dtype=np.int64)
    for i, links in enumerate(lists):
        out[i, : len(links)] = links
    return out


class Border:
    """Families at the US border, in US custody, and waiting in Mexican border cities.

    Args:
        model: The model (its corridor, costs, policy, behaviour, families, rng, ledger,
            information, and the journey and Mexico submodels families go on to).

    Attributes:
        metering: Each port's metering queue.
        port_wait: Expected metering wait (days) at each port, from yesterday's queues.
        holding: Families in custody at each place.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        n = len(model.corridor.places)
        self.metering: dict[int, ServiceQueue] = defaultdict(ServiceQueue)
        self.port_wait = np.zeros(n)
        self.holding = np.zeros(n)
        self.waiting_scan: np.ndarray | None = None  # today's waiting families, once found
        self.along = links_along_border(model.corridor)

    # --------------------------------------------------------- the decision
    def crossing_options(
        self, rows: np.ndarray, city: np.ndarray, asylum: np.ndarray, rw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What queueing at a city's port and crossing into its sector are worth to families.

        Informed families know the expected metering wait at the port and where the US
        returns families to Mexico to wait (remain in Mexico): there the value of asylum is
        that of waiting months in Mexico, a share ``mpp_value_share`` of it.

        Returns:
            The asylum value at the port, the cost of its expected wait, and the risk-weighted
            harm of crossing into the sector (``-inf``/``inf`` where the city has none).
        """
        m = self.model
        fam, c, b, costs, pol = m.families, m.corridor, m.behaviour, m.costs, m.policy
        informed = fam.informed[rows]
        port_link, sector_link = costs.port_link[city], costs.sector_link[city]
        port_at = c.link_dst[np.maximum(port_link, 0)]
        sector_at = c.link_dst[np.maximum(sector_link, 0)]
        returned = 1 - b.mpp_value_share
        at_port = asylum * (1 - informed * pol.mpp_share[port_at] * returned)
        at_sector = asylum * (1 - informed * pol.mpp_share[sector_at] * returned)
        wait = np.where(informed, self.port_wait[port_at], 0.0)
        wait_cost = wait * (b.value_of_time_usd + rw * b.harm_usd * b.waiting_victimisation)
        vic = costs.victimisation_by_mode.take(fam.mode[rows])
        sector = np.maximum(sector_link, 0)
        harm = rw * (
            b.harm_usd * c.link_victimisation[sector] * vic + b.death_usd * c.link_death[sector]
        )
        at_port = np.where(port_link >= 0, at_port, -np.inf)
        at_sector = np.where(sector_link >= 0, at_sector, -np.inf)
        return at_port - wait_cost, at_sector - harm, harm

    def move_along(self, rows: np.ndarray, asylum: np.ndarray, rw: np.ndarray):
        """The best move along the border to another border city, and what it is worth.

        Its value is the better of queueing or surrendering there, less the trip's time,
        fare and risk-weighted harm.

        Returns:
            The link to take (-1: none) and its value (``-inf``: none).
        """
        m = self.model
        fam, c, b, costs = m.families, m.corridor, m.behaviour, m.costs
        along = self.along[fam.place[rows]]  # (n, K) links to other border cities, -1 padded
        best = np.full(len(rows), -np.inf)
        link = np.full(len(rows), -1, dtype=np.int64)
        vic = costs.victimisation_by_mode.take(fam.mode[rows])
        for k in range(along.shape[1]):
            e = along[:, k]
            ok = e >= 0
            if not ok.any():
                continue
            safe = np.maximum(e, 0)
            there = c.link_dst[safe]
            queue, surrender, _ = self.crossing_options(rows, there, asylum, rw)
            trip = (
                b.value_of_time_usd * c.link_days[safe]
                + c.link_cost[safe]
                + rw * b.harm_usd * c.link_victimisation[safe] * vic
            )
            value = np.where(ok, np.maximum(queue, surrender) - trip, -np.inf)
            better = value > best
            best[better], link[better] = value[better], e[better]
        return link, best

    def decide(self, rows: np.ndarray, t: int) -> None:
        """The border decision: queue, surrender, evade, claim in Mexico, wait, home, or move.

        Moving takes the family along the border to another border city, where it decides
        again on arrival.
        """
        if len(rows) == 0:
            return
        m = self.model
        fam, b, rng, costs = m.families, m.behaviour, m.rng, m.costs
        m.decisions_taken += len(rows)
        city = fam.place[rows]
        port_link, sector_link = costs.port_link[city], costs.sector_link[city]
        rw = costs.risk_weight.take(fam.risk_class[rows])
        claim = b.claim_floor + fam.claim[rows]
        asylum = b.value_in_us_usd * m.journey.believed_release(rows) * claim
        queue, surrender, harm = self.crossing_options(rows, city, asylum, rw)
        move_link, move_value = self.move_along(rows, asylum, rw)
        utility = decisions.border_utilities(
            queue_value=queue,
            surrender_value=surrender,
            crossing_harm=harm,
            evade_value=b.value_in_us_usd * b.evade_success,
            evade_harm_factor=b.evade_harm_factor,
            evade_fee=np.where(fam.mode[rows] == MODE.SMUGGLER, b.smuggler_evade_fee_usd, 0.0),
            asylum_mx_value=b.value_asylum_mx_usd * claim,
            shelter_value=b.shelter_share * asylum - b.shelter_days * b.value_of_time_usd,
            move_value=move_value,
        )
        choice = decisions.logit_choice(rng, utility, costs.asylum_scale)
        self.queue_at_ports(rows[choice == QUEUE], port_link[choice == QUEUE])
        cross = (choice == SURRENDER) | (choice == EVADE)
        fam.evading[rows[cross]] = choice[cross] == EVADE
        payers = rows[(choice == EVADE) & (fam.mode[rows] == MODE.SMUGGLER)]
        fam.money[payers] -= b.smuggler_evade_fee_usd
        m.ledger.add("smuggler_revenue_usd", b.smuggler_evade_fee_usd * len(payers))
        m.journey.start_links(rows[cross], sector_link[cross], t)
        m.mexico.claim_asylum(rows[choice == ASYLUM_MX], t)
        # Wait in a shelter and think again in a week.
        w = rows[choice == SHELTER]
        fam.set_state(w, S.WAITING)
        fam.wait_reason[w] = WAIT.SHELTER
        fam.schedule(w, t + b.shelter_days)
        m.journey.go_home(rows[choice == HOME], t, S.GAVE_UP)
        movers = choice == MOVE
        m.ledger.add("border_moves", int(movers.sum()))
        m.journey.start_links(rows[movers], move_link[movers], t)

    # ------------------------------------------------------------- metering
    def queue_at_ports(self, rows: np.ndarray, port_links: np.ndarray) -> None:
        """Families join their port's metering queue (in the order they decided)."""
        fam, c = self.model.families, self.model.corridor
        fam.set_state(rows, S.WAITING)
        fam.wait_reason[rows] = WAIT.METERING
        fam.link[rows] = port_links
        fam.wake[rows] = -1
        if len(rows):
            ports = c.link_dst[port_links]
            order = np.argsort(ports, kind="stable")  # each port's families in their order here
            found, first = np.unique(ports[order], return_index=True)
            for p, chunk in zip(found.tolist(), np.split(rows[order], first[1:]), strict=True):
                self.metering[p].join(chunk)

    def in_queue(self, rows: np.ndarray, port: int) -> np.ndarray:
        """Whether families are still in a port's metering queue."""
        fam = self.model.families
        return (
            (fam.state[rows] == S.WAITING)
            & (fam.wait_reason[rows] == WAIT.METERING)
            & (self.model.corridor.link_dst[np.maximum(fam.link[rows], 0)] == port)
        )

    def serve_metering(self, t: int) -> None:
        """Each port processes up to its daily cap of queued families."""
        m = self.model
        fam = m.families
        served = [np.zeros(0, dtype=np.int64)]
        for port, queue in self.metering.items():
            if not queue:  # nobody queued (its credit was reset when the queue emptied)
                continue
            cap = min(m.policy.metering_cap[port], m.behaviour.us_port_capacity)
            out = queue.take(cap, lambda r, p=port: self.in_queue(r, p))
            fam.place[out] = port
            served.append(out)
        if len(served) == 1:  # no port served anyone
            return
        out = np.concatenate(served)  # all ports' arrivals in one batch
        fam.wait_reason[out] = WAIT.NONE
        self.apprehend(out, t, at_port=True)

    # ------------------------------------------------------------ the US side
    def reach_sector(self, rows: np.ndarray, t: int) -> None:
        """Families who crossed between ports surrender, or try to evade Border Patrol."""
        if len(rows) == 0:
            return
        m = self.model
        fam = m.families
        fam.set_state(rows, S.CROSSED_US)
        u = m.rng.random(len(rows))
        away = fam.evading[rows] & (u < m.behaviour.evade_success)
        gone = rows[away]
        fam.set_state(gone, S.EVADED_US)
        self.reached_us(gone, t)
        m.ledger.add("evaded", len(gone))
        m.information.observe_outcomes(fam.origin[gone], success=True, people=fam.size[gone])
        self.apprehend(rows[~away], t, at_port=False)

    def apprehend(self, rows: np.ndarray, t: int, *, at_port: bool) -> None:
        """Border Patrol (between ports) or port officers (at ports) take families into holding."""
        if len(rows) == 0:
            return
        m = self.model
        fam, pol, ledger = m.families, m.policy, m.ledger
        places = fam.place[rows]
        fam.set_state(rows, S.APPREHENDED_US)
        self.reached_us(rows, t)
        people = fam.size[rows]
        if at_port:
            ledger.add("us_port_arrivals_families", len(rows))
            ledger.add("us_port_arrivals_people", people.sum())
            ledger.count_places("us_port_arrivals_families", places)
        else:
            ledger.add("us_apprehensions_families", len(rows))
            ledger.add("us_apprehensions_people", people.sum())
            ledger.count_places("us_apprehensions_families", places)
            ledger.count_places("us_apprehensions_people", places, people)
        self.holding += np.bincount(places, minlength=len(self.holding))
        # Overcrowded stations release faster, in proportion to how full they are.
        crowding = np.maximum(1.0, self.holding[places] / pol.holding_capacity[places])
        mean = pol.processing_days / crowding
        days = 1 + m.rng.poisson(np.maximum(mean - 1, 0))
        fam.schedule(rows, t + days)

    def reached_us(self, rows: np.ndarray, t: int) -> None:
        """Record the journey's length the first time a family reaches the US side."""
        fam = self.model.families
        first = rows[fam.journey_days[rows] < 0]
        fam.journey_days[first] = t - fam.departed[first]

    def us_outcome(self, rows: np.ndarray, t: int) -> None:
        """End of holding: removed, returned to Mexico to wait, or released into the US."""
        if len(rows) == 0:
            return
        m = self.model
        fam, b, pol, rng = m.families, m.behaviour, m.policy, m.rng
        places = fam.place[rows]
        self.holding -= np.bincount(places, minlength=len(self.holding))
        u = rng.random((3, len(rows)))
        barred = u[0] < pol.safe_third_country
        mpp = ~barred & (u[1] < pol.mpp_share[places]) & (fam.border_city[rows] >= 0)
        weak = 2 * b.removal_base * (1 - fam.claim[rows])
        removed = barred | (~mpp & (u[2] < weak))
        released = ~removed & ~mpp
        self.remove(rows[removed])
        r = rows[released]
        fam.set_state(r, S.RELEASED_US)
        m.ledger.add("us_releases", len(r))
        m.information.observe_outcomes(fam.origin[r], success=True, people=fam.size[r])
        mp = rows[mpp]
        fam.set_state(mp, S.RETURNED_MPP)
        fam.place[mp] = fam.border_city[mp]
        m.ledger.add("mpp_returns", len(mp))
        m.ledger.add("mpp_returns_people", fam.size[mp].sum())
        m.information.observe_outcomes(fam.origin[mp], success=False)
        wait = 1 + rng.exponential(pol.mpp_mean_wait_days, len(mp)).astype(np.int64)
        fam.schedule(mp, t + wait)

    def remove(self, rows: np.ndarray) -> None:
        """Families removed from the US."""
        if len(rows) == 0:
            return
        m = self.model
        m.families.set_state(rows, S.REMOVED)
        m.ledger.add("us_removals", len(rows))
        m.information.observe_outcomes(m.families.origin[rows], success=False)

    def mpp_hearing(self, rows: np.ndarray, t: int) -> None:
        """Remain-in-Mexico hearings: asylum granted (released) or removal."""
        if len(rows) == 0:
            return
        m = self.model
        fam, b = m.families, m.behaviour
        granted = m.rng.random(len(rows)) < b.mpp_grant * (b.claim_floor + fam.claim[rows])
        g = rows[granted]
        fam.set_state(g, S.RELEASED_US)
        m.ledger.add("us_releases", len(g))
        m.information.observe_outcomes(fam.origin[g], success=True, people=fam.size[g])
        self.remove(rows[~granted])

    # -------------------------------------------------------------- waiting
    def waiting_day(self, t: int, rows: np.ndarray | None = None) -> None:
        """Daily risks and choices of families waiting in Mexican border cities."""
        m = self.model
        fam, b, rng, c, journey = m.families, m.behaviour, m.rng, m.corridor, m.journey
        sector_links = m.costs.sector_link
        if rows is None:
            rows = self.waiting_scan = fam.in_state(S.WAITING, S.RETURNED_MPP)
        if len(rows) == 0:
            return
        u = rng.random((4, len(rows)))
        incident = u[0] < b.waiting_victimisation
        fam.incidents[rows[incident]] += 1
        m.ledger.add("victimisation_incidents", incident.sum())
        died = u[1] < b.waiting_death + incident * b.death_per_incident
        journey.die(rows[died])
        rows, u = rows[~died], u.compress(~died, axis=1)
        give_up = u[2] < b.waiting_give_up
        # MPP families who give up go home, evade, or claim asylum in Mexico (equal odds).
        mpp = fam.state[rows] == S.RETURNED_MPP
        quit_mpp = rows[give_up & mpp]
        how = (u[3][give_up & mpp] * 3).astype(int)
        journey.go_home(quit_mpp[how == 0], t, S.GAVE_UP)
        m.mexico.claim_asylum(quit_mpp[how == 1], t)
        evade = quit_mpp[how == 2]
        sector_link = sector_links[fam.place[evade]]
        fam.evading[evade] = True
        journey.start_links(evade[sector_link >= 0], sector_link[sector_link >= 0], t)
        journey.go_home(evade[sector_link < 0], t, S.GAVE_UP)
        # Queued families go home, or cross between ports the longer the expected wait.
        in_queue = ~mpp & (fam.wait_reason[rows] == WAIT.METERING)
        queued, uq = rows[in_queue], u.compress(in_queue, axis=1)
        stays = uq[2] >= b.waiting_give_up
        journey.go_home(queued[~stays], t, S.GAVE_UP)
        queued, uq = queued[stays], uq.compress(stays, axis=1)
        port = c.link_dst[fam.link[queued]]
        wait = self.port_wait[port]
        switch = uq[3] < b.queue_switch_ceiling * wait / (wait + b.queue_switch_days)
        movers = queued[switch]
        sector_link = sector_links[fam.place[movers]]
        ok = sector_link >= 0
        fam.wait_reason[movers[ok]] = WAIT.NONE
        fam.evading[movers[ok]] = False
        journey.start_links(movers[ok], sector_link[ok], t)

    def record_day(self) -> None:
        """The day's waiting and custody figures, and tomorrow's expected metering waits."""
        m = self.model
        fam, c, ledger, pol = m.families, m.corridor, m.ledger, m.policy
        if self.waiting_scan is None:
            waiting = fam.in_state(S.WAITING, S.RETURNED_MPP)
        else:  # families only leave waiting after the day's scan: keep those still waiting
            waiting = self.waiting_scan
            state = fam.state[waiting]
            waiting = waiting[(state == S.WAITING) | (state == S.RETURNED_MPP)]
            self.waiting_scan = None
        n = len(c.places)
        reason = fam.wait_reason[waiting]
        metering = waiting[reason == WAIT.METERING]
        ledger.set("metering_queue", len(metering))
        ledger.set("metering_queue_people", fam.size[metering].sum())
        ledger.set("shelter_waiting", int((reason == WAIT.SHELTER).sum()))
        cap = pol.holding_capacity[m.costs.us_side].sum()
        ledger.set("us_holding_capacity", cap if np.isfinite(cap) else np.nan)
        ledger.add_places("waiting", np.bincount(fam.place[waiting], minlength=n))
        ledger.add_places("metering_queue", np.bincount(fam.place[metering], minlength=n))
        mpp = waiting[fam.state[waiting] == S.RETURNED_MPP]
        ledger.add_places("mpp_waiting", np.bincount(fam.place[mpp], minlength=n))
        ledger.add_places("us_holding", self.holding)
        # Expected metering wait at each port (queued families over the day's cap), for
        # tomorrow's decisions.
        queued = np.bincount(c.link_dst[fam.link[metering]], minlength=n)
        cap = np.minimum(pol.metering_cap, m.behaviour.us_port_capacity)
        self.port_wait = queued / np.maximum(cap, 1e-9)
