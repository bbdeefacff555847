"""The US border (ODD 7.12–7.18): what families do there and what happens to them.

The border decision (including moving along the border to another border city), metering
queues, crossing between ports, US holding and its outcomes, remain-in-Mexico hearings, and
waiting in Mexican border cities.
"""

from __future__ import annotations

from collections import defaultdict

import mesa
import numba
import numpy as np

from migsim import decisions
from migsim.corridor import Kind
from migsim.decisions import ASYLUM_MX, EVADE, HOME, MOVE, QUEUE, SHELTER, SURRENDER
from migsim.families import FamilyState, ServiceQueue, TravelMode, WaitReason, by_group, plain

S, KIND, MODE, WAIT = (plain(codes) for codes in (FamilyState, Kind, TravelMode, WaitReason))
SMUGGLER, WAITING, RETURNED_MPP = MODE.SMUGGLER, S.WAITING, S.RETURNED_MPP  # plain ints
METERING, SHELTER_WAIT, NOT_WAITING = WAIT.METERING, WAIT.SHELTER, WAIT.NONE  # for numba
# The border decision's options, grouped by what follows: crossing between ports is the
# same trip whether the family surrenders or evades.
DECISION_GROUPS = ("queue", "cross", "asylum_mx", "shelter", "home", "move")
DECISION_GROUP = np.empty(len(decisions.BORDER_OPTIONS), dtype=np.int64)
for _option, _group in (
    (QUEUE, "queue"), (SURRENDER, "cross"), (EVADE, "cross"), (ASYLUM_MX, "asylum_mx"),
    (SHELTER, "shelter"), (HOME, "home"), (MOVE, "move"),
):  # fmt: skip
    DECISION_GROUP[_option] = DECISION_GROUPS.index(_group)


# What happens to a waiting family today, as :func:`_waiting_fates` codes it.
WAITING_FATES = (
    "died", "mpp home", "mpp claim", "mpp evade", "mpp evade, no way", "queue home",
    "queue cross", "waits",
)  # fmt: skip
# Outcomes at the end of US holding, as :func:`_leave_holding` codes them.
OUTCOMES = ("removed", "released", "returned to Mexico")


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
    def utilities(self, rows: np.ndarray, asylum: np.ndarray, claim: np.ndarray):
        """Utilities (USD) of the border options of families at border cities.

        Queueing at the city's port is worth the asylum value there less the cost of its
        expected wait, crossing between ports into its sector the asylum value there less the
        risk-weighted harm; informed families know the expected metering wait and where the US
        returns families to Mexico to wait (remain in Mexico), where the value of asylum is
        that of waiting months in Mexico, a share ``mpp_value_share`` of it. Evading Border
        Patrol is worth its chance of success less its harm and a smuggler's extra fee; moving
        along the border to another border city is worth the better of queueing or surrendering
        there less the trip's time, fare and risk-weighted harm.

        Args:
            rows: The families deciding.
            asylum: Each family's value of asylum in the US (believed release × claim).
            claim: Each family's strength of claim.

        Returns:
            Shape (families, 7), columns in :data:`~migsim.decisions.BORDER_OPTIONS` order
            (``-inf``: no such option), and the link of each family's best move along the
            border (-1: none).
        """
        m = self.model
        fam, c, b, costs = m.families, m.corridor, m.behaviour, m.costs
        utility = np.empty((len(rows), len(decisions.BORDER_OPTIONS)))
        move_link = np.empty(len(rows), dtype=np.int64)
        scalars = tuple(float(x) for x in (
            1 - b.mpp_value_share, b.value_of_time_usd, b.harm_usd, b.waiting_victimisation,
            b.death_usd, b.value_in_us_usd * b.evade_success, b.evade_harm_factor,
            b.smuggler_evade_fee_usd, b.shelter_share, b.shelter_days * b.value_of_time_usd,
        ))  # fmt: skip
        _border_utilities(
            fam.place[rows], fam.informed[rows], fam.mode[rows],
            costs.risk_weight.take(fam.risk_class[rows]), asylum,
            b.value_asylum_mx_usd * claim, costs.port_link, costs.sector_link, c.link_dst,
            m.policy.mpp_share, self.port_wait, c.link_victimisation, c.link_death,
            c.link_days, c.link_cost, costs.victimisation_by_mode, self.along, scalars,
            utility, move_link,
        )  # fmt: skip
        return utility, move_link

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
        claim = b.claim_floor + fam.claim[rows]
        asylum = b.value_in_us_usd * m.journey.believed_release(rows) * claim
        utility, move_link = self.utilities(rows, asylum, claim)
        choice = decisions.logit_choice(rng, utility, costs.asylum_scale)
        # The families by what they chose (in row order), each with the link it takes;
        # those crossing to evade Border Patrol pay a smuggler's extra fee if they have one.
        links = np.empty(len(rows), dtype=np.int64)
        payers = _choices(
            rows, choice, move_link, fam.place, costs.port_link, costs.sector_link, fam.mode,
            fam.evading, fam.money, np.float32(b.smuggler_evade_fee_usd), links,
        )  # fmt: skip
        order, group = by_group(DECISION_GROUP.take(choice), DECISION_GROUPS)
        grouped, links = rows[order], links[order]
        self.queue_at_ports(grouped[group["queue"]], links[group["queue"]])
        m.ledger.add("smuggler_revenue_usd", b.smuggler_evade_fee_usd * payers)
        m.journey.start_links(grouped[group["cross"]], links[group["cross"]], t)
        m.mexico.claim_asylum(grouped[group["asylum_mx"]], t)
        # Wait in a shelter and think again in a week.
        w = grouped[group["shelter"]]
        fam.set_state(w, S.WAITING)
        fam.wait_reason[w] = WAIT.SHELTER
        fam.schedule(w, t + b.shelter_days)
        m.journey.go_home(grouped[group["home"]], t, S.GAVE_UP)
        movers = group["move"]
        m.ledger.add("border_moves", movers.stop - movers.start)
        m.journey.start_links(grouped[movers], links[movers], t)

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
            # Each port's families in their order here; ports in increasing order (a port's
            # queue is made when first joined, and ports serve in the order their queues were
            # made). A mask per port: a day's queueing families go to one or a few ports.
            for p in sorted(set(ports.tolist())):
                self.metering[p].join(rows[ports == p])

    def in_queue(self, rows: np.ndarray, port: int) -> np.ndarray:
        """Whether families are still in a port's metering queue."""
        fam = self.model.families
        link_dst = self.model.corridor.link_dst
        return _in_queue(rows, port, fam.state, fam.wait_reason, fam.link, link_dst)

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
        info = m.information
        away = _evaded(
            rows, u, float(m.behaviour.evade_success), t, fam.evading, fam.journey_days,
            fam.departed, fam.origin, fam.size, info.successes, info.settled,
        )  # fmt: skip
        gone = rows[away]
        fam.set_state(gone, S.EVADED_US)
        m.ledger.add("evaded", len(gone))
        self.apprehend(rows[~away], t, at_port=False)

    def apprehend(self, rows: np.ndarray, t: int, *, at_port: bool) -> None:
        """Border Patrol (between ports) or port officers (at ports) take families into holding."""
        if len(rows) == 0:
            return
        m = self.model
        fam, pol, ledger = m.families, m.policy, m.ledger
        fam.set_state(rows, S.APPREHENDED_US)
        where = "us_port_arrivals" if at_port else "us_apprehensions"
        # Overcrowded stations release faster, in proportion to how full they are: each
        # family's mean days in holding (less the first) from the station's crowding.
        extra = np.empty(len(rows))
        people = _into_holding(
            rows, t, fam.place, fam.size, fam.journey_days, fam.departed, self.holding,
            pol.holding_capacity, float(pol.processing_days),
            ledger.place_row(f"{where}_families"),
            ledger.place_row("us_apprehensions_people"), not at_port, extra,
        )  # fmt: skip
        ledger.add(f"{where}_families", len(rows))
        ledger.add(f"{where}_people", people)
        days = 1 + m.rng.poisson(extra)
        fam.schedule(rows, t + days)

    def us_outcome(self, rows: np.ndarray, t: int) -> None:
        """End of holding: removed, returned to Mexico to wait, or released into the US."""
        if len(rows) == 0:
            return
        m = self.model
        fam, b, pol, rng, info, ledger = (
            m.families,
            m.behaviour,
            m.policy,
            m.rng,
            m.information,
            m.ledger,
        )
        u = rng.random((3, len(rows)))
        outcome = np.empty(len(rows), dtype=np.int64)
        mpp_people = _leave_holding(
            rows, u, fam.place, fam.border_city, fam.claim, fam.origin, fam.size, self.holding,
            float(pol.safe_third_country), pol.mpp_share, np.float32(2 * b.removal_base),
            info.successes, info.failures, info.settled, outcome,
        )  # fmt: skip
        order, group = by_group(outcome, OUTCOMES)
        removed, released, mp = (rows[order[group[name]]] for name in OUTCOMES)
        fam.set_state(removed, S.REMOVED)
        ledger.add("us_removals", len(removed))
        fam.set_state(released, S.RELEASED_US)
        ledger.add("us_releases", len(released))
        fam.set_state(mp, S.RETURNED_MPP)
        ledger.add("mpp_returns", len(mp))
        ledger.add("mpp_returns_people", mpp_people)
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
        fate = np.empty(len(rows), dtype=np.int64)
        links = np.empty(len(rows), dtype=np.int64)
        incidents = _waiting_fates(
            rows, u, fam.state, fam.wait_reason, fam.place, fam.link, fam.incidents,
            fam.evading, sector_links, c.link_dst, self.port_wait,
            tuple(map(float, (
                b.waiting_victimisation, b.waiting_death, b.death_per_incident,
                b.waiting_give_up, b.queue_switch_ceiling, b.queue_switch_days,
            ))),
            fate, links,
        )  # fmt: skip
        m.ledger.add("victimisation_incidents", incidents)
        order, group = by_group(fate, WAITING_FATES)
        rows, links = rows[order], links[order]
        journey.die(rows[group["died"]])
        # MPP families who give up go home, evade, or claim asylum in Mexico (equal odds).
        journey.go_home(rows[group["mpp home"]], t, S.GAVE_UP)
        m.mexico.claim_asylum(rows[group["mpp claim"]], t)
        evade = group["mpp evade"]
        journey.start_links(rows[evade], links[evade], t)
        journey.go_home(rows[group["mpp evade, no way"]], t, S.GAVE_UP)
        # Queued families go home, or cross between ports the longer the expected wait.
        journey.go_home(rows[group["queue home"]], t, S.GAVE_UP)
        cross = group["queue cross"]
        journey.start_links(rows[cross], links[cross], t)

    def record_day(self) -> None:
        """The day's waiting and custody figures, and tomorrow's expected metering waits."""
        m = self.model
        fam, c, ledger, pol = m.families, m.corridor, m.ledger, m.policy
        # Families only leave waiting after the day's scan: those still waiting are among them.
        scan = self.waiting_scan
        waiting = fam.in_state(S.WAITING, S.RETURNED_MPP) if scan is None else scan
        self.waiting_scan = None
        cap = pol.holding_capacity[m.costs.us_side].sum()
        ledger.set("us_holding_capacity", cap if np.isfinite(cap) else np.nan)
        ledger.add_places("us_holding", self.holding)
        # Expected metering wait at each port (queued families over the day's cap), for
        # tomorrow's decisions.
        self.port_wait = np.empty(len(c.places))
        metering, people, shelter = _waiting_figures(
            waiting, fam.state, fam.wait_reason, fam.place, fam.link, fam.size, c.link_dst,
            pol.metering_cap, float(m.behaviour.us_port_capacity),
            ledger.place_row("waiting"), ledger.place_row("metering_queue"),
            ledger.place_row("mpp_waiting"), self.port_wait,
        )  # fmt: skip
        ledger.set("metering_queue", metering)
        ledger.set("metering_queue_people", people)
        ledger.set("shelter_waiting", shelter)


@numba.njit(cache=True)
def _maximum(a: float, b: float) -> float:
    # np.maximum of two floats: NaN if either is NaN.
    return a if (a > b or a != a) else b


@numba.njit(cache=True)
def _crossing(
    place, informed, rw, vic, asylum, port_link, sector_link, link_dst, mpp_share, port_wait,
    link_vic, link_death, returned, time_usd, harm_usd, waiting_vic, death_usd,
):  # fmt: skip
    # A family's values of queueing at a city's port and of crossing into its sector, and the
    # harm of crossing, with numpy's arithmetic, operation by operation, as it was computed.
    p_link, s_link = port_link[place], sector_link[place]
    port_at, sector_at = link_dst[max(p_link, 0)], link_dst[max(s_link, 0)]
    knows = 1.0 if informed else 0.0
    at_port = asylum * (1 - knows * mpp_share[port_at] * returned)
    at_sector = asylum * (1 - knows * mpp_share[sector_at] * returned)
    wait = port_wait[port_at] if informed else 0.0
    wait_cost = wait * (time_usd + rw * harm_usd * waiting_vic)
    s = max(s_link, 0)
    harm = rw * (harm_usd * link_vic[s] * vic + death_usd * link_death[s])
    at_port = at_port if p_link >= 0 else -np.inf
    at_sector = at_sector if s_link >= 0 else -np.inf
    return at_port - wait_cost, at_sector - harm, harm


@numba.njit(cache=True)
def _border_utilities(
    places, informed, mode, rw, asylum, asylum_mx, port_link, sector_link, link_dst,
    mpp_share, port_wait, link_vic, link_death, link_days, link_cost, vic_by_mode, along,
    scalars, utility, move_link,
):  # fmt: skip
    # Border.utilities in one compiled pass over the families (the many small numpy calls it
    # replaced cost more than the arithmetic at a few families a day).
    returned, time_usd, harm_usd, waiting_vic, death_usd = scalars[:5]
    evade_value, evade_harm, evade_fee, shelter_share, shelter_cost = scalars[5:]
    for i in range(len(places)):
        vic = vic_by_mode[mode[i]]
        queue, surrender, harm = _crossing(
            places[i], informed[i], rw[i], vic, asylum[i], port_link, sector_link, link_dst,
            mpp_share, port_wait, link_vic, link_death, returned, time_usd, harm_usd,
            waiting_vic, death_usd,
        )  # fmt: skip
        best, link = -np.inf, -1
        for k in range(along.shape[1]):
            e = along[places[i], k]
            if e < 0:
                continue
            there_queue, there_surrender, _ = _crossing(
                link_dst[e], informed[i], rw[i], vic, asylum[i], port_link, sector_link,
                link_dst, mpp_share, port_wait, link_vic, link_death, returned, time_usd,
                harm_usd, waiting_vic, death_usd,
            )  # fmt: skip
            trip = time_usd * link_days[e] + link_cost[e] + rw[i] * harm_usd * link_vic[e] * vic
            value = _maximum(there_queue, there_surrender) - trip
            if value > best:
                best, link = value, e
        fee = evade_fee if mode[i] == SMUGGLER else 0.0
        utility[i, 0] = queue
        utility[i, 1] = surrender
        can_cross = np.isfinite(surrender)
        utility[i, 2] = evade_value - evade_harm * harm - fee if can_cross else -np.inf
        utility[i, 3] = asylum_mx[i]
        utility[i, 4] = shelter_share * asylum[i] - shelter_cost
        utility[i, 5] = 0.0
        utility[i, 6] = best
        move_link[i] = link


@numba.njit(cache=True)
def _into_holding(
    rows, t, place, size, journey_days, departed, holding, capacity, processing_days,
    families_row, people_row, count_people, extra,
):  # fmt: skip
    # Border.apprehend's bookkeeping in one pass, with the arithmetic of the numpy
    # expressions it replaced: the journey's length on first reaching the US side, the
    # families (and people) taken in at each place, the stations' occupancy, and then each
    # family's mean extra days in holding given its station's crowding (into ``extra``).
    # Returns the people taken in.
    people = 0
    for r in rows:
        if journey_days[r] < 0:
            journey_days[r] = t - departed[r]
        p = place[r]
        people += size[r]
        families_row[p] += 1
        if count_people:
            people_row[p] += size[r]
        holding[p] += 1
    for i in range(len(rows)):
        p = place[rows[i]]
        full = holding[p] / capacity[p]
        crowding = 1.0 if 1.0 > full else full  # a NaN stays NaN, as in np.maximum
        mean = processing_days / crowding
        extra[i] = max(mean - 1, 0.0) if mean == mean else mean
    return people


@numba.njit(cache=True)
def _choices(
    rows, choice, move_link, place, port_link, sector_link, mode, evading, money, evade_fee,
    links,
):  # fmt: skip
    # Border.decide's choices taken, in one pass instead of a numpy mask per option: the link
    # each family takes (to the port to queue, into the sector to cross, along the border to
    # move); families crossing are marked evading or not, and smuggled families evading pay
    # the fee (float32, as numpy subtracts it). Returns the number who paid.
    paid = 0
    for i in range(len(rows)):
        r, c = rows[i], choice[i]
        links[i] = -1
        if c == QUEUE:
            links[i] = port_link[place[r]]
        elif c == SURRENDER or c == EVADE:
            links[i] = sector_link[place[r]]
            evading[r] = c == EVADE
            if c == EVADE and mode[r] == SMUGGLER:
                money[r] = money[r] - evade_fee
                paid += 1
        elif c == MOVE:
            links[i] = move_link[i]
    return paid


@numba.njit(cache=True)
def _leave_holding(
    rows, u, place, border_city, claim, origin, size, holding, barred_share, mpp_share,
    weak_scale, successes, failures, settled, outcome,
):  # fmt: skip
    # Border.us_outcome before its draw of waits, in one pass with the arithmetic of the
    # numpy expressions it replaced (a weak claim's chance of removal in float32): families
    # leave their station, are barred (safe third country), returned to Mexico to wait, or
    # removed for a weak claim, else released (``outcome``: an index into OUTCOMES); each
    # outcome is heard at home as Information.observe_outcomes records it (released
    # families join their relatives abroad). Returns the people returned to Mexico.
    n = len(rows)
    for r in rows:
        holding[place[r]] -= 1
    people = 0
    for i in range(n):
        r = rows[i]
        barred = u[0, i] < barred_share
        mpp = not barred and u[1, i] < mpp_share[place[r]] and border_city[r] >= 0
        weak = weak_scale * (np.float32(1.0) - claim[r])
        removed = barred or (not mpp and u[2, i] < weak)
        outcome[i] = 0 if removed else (2 if mpp else 1)
        if outcome[i] == 1:
            successes[origin[r]] += 1
            settled[origin[r]] += size[r]
        else:
            failures[origin[r]] += 1
        if mpp:
            place[r] = border_city[r]
            people += size[r]
    return people


@numba.njit(cache=True)
def _waiting_fates(
    rows, u, state, wait_reason, place, link, incidents, evading, sector_link, link_dst,
    port_wait, scalars, fate, links,
):  # fmt: skip
    # Border.waiting_day's risks and choices in one pass, with the arithmetic of the numpy
    # expressions it replaced: victimisation and deaths; remain-in-Mexico families giving up
    # go home, claim asylum in Mexico or evade (equal odds: ``int(u * 3)``), marked evading;
    # queued families giving up go home, and those staying cross between ports with a chance
    # rising with their port's expected wait. ``fate`` indexes WAITING_FATES; ``links`` is
    # the sector link of those crossing. Returns the incidents.
    victimisation, death, death_per_incident, give_up, ceiling, half_days = scalars
    count = 0
    for i in range(len(rows)):
        r = rows[i]
        incident = u[0, i] < victimisation
        if incident:
            incidents[r] += 1
            count += 1
        links[i] = -1
        fate[i] = 7  # waits
        if u[1, i] < death + (1.0 if incident else 0.0) * death_per_incident:
            fate[i] = 0
        elif state[r] == RETURNED_MPP:
            if u[2, i] < give_up:
                how = int(u[3, i] * 3)
                if how == 2:
                    evading[r] = True
                    links[i] = sector_link[place[r]]
                fate[i] = 1 + how if how < 2 else (3 if links[i] >= 0 else 4)
        elif wait_reason[r] == METERING:
            if u[2, i] < give_up:
                fate[i] = 5
            else:
                wait = port_wait[link_dst[link[r]]]
                if u[3, i] < ceiling * wait / (wait + half_days) and sector_link[place[r]] >= 0:
                    wait_reason[r] = NOT_WAITING
                    evading[r] = False
                    links[i] = sector_link[place[r]]
                    fate[i] = 6
    return count


@numba.njit(cache=True)
def _waiting_figures(
    rows, state, wait_reason, place, link, size, link_dst, metering_cap, port_capacity,
    waiting_at, queued_at, mpp_at, port_wait,
):  # fmt: skip
    # Border.record_day's waiting figures in one pass over the families scanned today (those
    # no longer waiting skipped), with numpy's arithmetic: families waiting, queued and
    # returned to wait (remain in Mexico) at each place; and each port's expected metering
    # wait, queued families over its cap (np.minimum, np.maximum: NaN wins). Returns the
    # families queued, their people, and the families in shelters.
    queued, people, shelter = 0, 0, 0
    at_port = np.zeros(len(port_wait), dtype=np.int64)
    for r in rows:
        if state[r] != WAITING and state[r] != RETURNED_MPP:
            continue
        waiting_at[place[r]] += 1
        if wait_reason[r] == METERING:
            queued += 1
            people += size[r]
            queued_at[place[r]] += 1
            at_port[link_dst[link[r]]] += 1
        elif wait_reason[r] == SHELTER_WAIT:
            shelter += 1
        if state[r] == RETURNED_MPP:
            mpp_at[place[r]] += 1
    for p in range(len(port_wait)):
        cap = metering_cap[p]
        cap = cap if (cap < port_capacity or cap != cap) else port_capacity
        cap = cap if (cap > 1e-9 or cap != cap) else 1e-9
        port_wait[p] = at_port[p] / cap
    return queued, people, shelter


@numba.njit(cache=True)
def _in_queue(rows, port, state, wait_reason, link, link_dst):
    # Border.in_queue in one pass (numpy took eight calls a batch of queued families).
    out = np.empty(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        r = rows[i]
        out[i] = (
            state[r] == WAITING and wait_reason[r] == METERING and link_dst[max(link[r], 0)] == port
        )
    return out


@numba.njit(cache=True)
def _evaded(rows, u, success, t, evading, journey_days, departed, origin, size, successes, settled):
    # Border.reach_sector's evasions in one pass: families trying to evade Border Patrol
    # get away with the chance ``success``; for them the journey's length on first reaching
    # the US side, and their news at home as Information.observe_outcomes records a success
    # (they join their relatives abroad). Returns whether each got away.
    away = np.empty(len(rows), dtype=np.bool_)
    for i in range(len(rows)):
        r = rows[i]
        away[i] = evading[r] and u[i] < success
        if away[i]:
            if journey_days[r] < 0:
                journey_days[r] = t - departed[r]
            successes[origin[r]] += 1
            settled[origin[r]] += size[r]
    return away
