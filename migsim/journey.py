"""The journey (ODD 7.5–7.8, 7.11): the day's events, route choice, travel, stays, going home.

Each family has one scheduled event, kept as a day in its ``wake`` column: an arrival at the
end of a link, the end of a stay, of holding or of a wait, a hearing. :meth:`Journey.handle`
takes the day's events in one batch and sends each family to the submodel that decides what
happens next; families moving on choose their next link by logit over costs-to-go.
"""

from __future__ import annotations

import mesa
import numba
import numpy as np

from migsim import decisions
from migsim.corridor import Kind
from migsim.families import N_STATES, FamilyState, TravelMode, WaitReason, by_group, plain

S, KIND, MODE, WAIT = (plain(codes) for codes in (FamilyState, Kind, TravelMode, WaitReason))
EXPRESS, NOT_WAITING = MODE.EXPRESS, WAIT.NONE  # plain ints, which compiled code can read
SMUGGLED = np.isin(np.arange(len(TravelMode)), [MODE.SMUGGLER, MODE.EXPRESS])  # by travel mode
# Today's families by their event: its kind follows from the family's state (travelling
# families arrive by express bus or along a link; deported families and those who gave up
# get home).
EVENT_GROUPS = (
    "bus", "travelling", "asylum_mx", "at_place", "waiting", "at_origin", "apprehended", "mpp",
    "home", "other",
)  # fmt: skip
EVENT_GROUP = np.full(N_STATES, EVENT_GROUPS.index("other"), dtype=np.int64)
for _state, _group in (
    (S.TRAVELLING, "travelling"), (S.ASYLUM_MX, "asylum_mx"), (S.AT_PLACE, "at_place"),
    (S.WAITING, "waiting"), (S.AT_ORIGIN, "at_origin"), (S.APPREHENDED_US, "apprehended"),
    (S.RETURNED_MPP, "mpp"), (S.DEPORTED, "home"), (S.GAVE_UP, "home"),
):  # fmt: skip
    EVENT_GROUP[_state] = EVENT_GROUPS.index(_group)
BUS, TRAVELLING = EVENT_GROUPS.index("bus"), EVENT_GROUPS.index("travelling")
# What happens to a family arriving at a place, by the place's kind: Mexican officers check
# it at crossings and checkpoints, Border Patrol meets it in a sector, port officers at a port,
# and it stays a while in cities, border cities and origins. (Died: a group of its own.)
ARRIVAL_GROUPS = ("died", "enforced", "sector", "port", "stay", "none")
ARRIVAL_GROUP = np.full(len(Kind), ARRIVAL_GROUPS.index("none"), dtype=np.int64)
for _kind, _group in (
    (KIND.CROSSING, "enforced"), (KIND.CHECKPOINT, "enforced"), (KIND.US_SECTOR, "sector"),
    (KIND.US_PORT, "port"), (KIND.CITY, "stay"), (KIND.BORDER_CITY, "stay"),
    (KIND.ORIGIN, "stay"),
):  # fmt: skip
    ARRIVAL_GROUP[_kind] = ARRIVAL_GROUPS.index(_group)


def km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


class Journey:
    """Families on the move: events, route choice, travel and arrival, stays, going home.

    Args:
        model: The model (its corridor, behaviour, costs, families, rng, ledger, information,
            and the departures, Mexico and border submodels it hands families to).

    Attributes:
        days_home: Days home by bus from any place to any origin, shape (N, N).
        arrival_group: What happens to a family arriving at each place
            (:data:`ARRIVAL_GROUPS`).
        at_border, at_city: Whether each place is a border city, a city.
        flows_today: Families setting off along each link today.
        ready_now: Families whose stay ended on arrival today, deciding today.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        c = model.corridor
        # Days home by bus (~400 km a day, roads 1.3 times the great circle) from any place.
        dist = km(c.lat[:, None], c.lon[:, None], c.lat[None, :], c.lon[None, :])
        self.days_home = 1 + (1.3 * dist / 400).astype(np.int64)
        self.arrival_group = ARRIVAL_GROUP.take(c.kind)  # what happens on arrival at each place
        self.at_border = c.kind == KIND.BORDER_CITY
        self.at_city = c.kind == KIND.CITY
        self.ready_now = np.zeros(0, dtype=np.int64)
        self.flows_today = np.zeros(len(c.links), dtype=np.int32)

    # ------------------------------------------------------------------ events
    def process_events(self, t: int) -> None:
        """Handle every family whose event falls today."""
        # One scan of the wake column a day: cheaper than filing events in a calendar, and
        # a family rescheduled or taken off the schedule (wake -1) is never seen twice.
        rows = self.model.families.due(t)
        if len(rows):
            self.handle(rows, t)

    def handle(self, rows: np.ndarray, t: int) -> None:
        """Handle the scheduled events of families due today."""
        m = self.model
        fam = m.families
        # Today's families by what their event is, in row order within each group (taken off
        # the schedule: a handler gives each its next event).
        order, slices = by_group(
            _event_groups(rows, fam.wake, fam.state, fam.link, EVENT_GROUP), EVENT_GROUPS
        )
        grouped = rows[order]

        def due_in(name: str) -> np.ndarray:
            """Today's families of one group of :data:`EVENT_GROUPS`, in row order."""
            return grouped[slices[name]]

        none = rows[:0]
        m.smuggling.arrive(due_in("bus"), t)  # on an express bus, not a corridor link
        self.arrive(due_in("travelling"), t)
        # Claimants of asylum in Mexico whose decision came, or who move on first, go on
        # from where they are, with the families whose stay ended.
        moving_on = m.mexico.asylum_event(due_in("asylum_mx"), t)
        fam.set_state(moving_on, S.AT_PLACE)
        # Families who ended a stay, or arrived where there is no reason to stay, decide now:
        # at a border city how to cross (with those whose shelter week is up), at a staging
        # place express families board their bus, elsewhere families weigh whether to go on;
        # those going on choose their next link with those leaving home.
        due = np.concatenate([due_in("at_place"), self.ready_now, moving_on])
        self.ready_now = np.zeros(0, dtype=np.int64)
        going = none
        if len(due):
            at_border = m.corridor.kind[fam.place[due]] == KIND.BORDER_CITY
            m.border.decide(np.concatenate([due[at_border], due_in("waiting")]), t)
            due = due[~at_border]
            boarding = (fam.mode[due] == MODE.EXPRESS) & m.smuggling.at_staging(fam.place[due])
            m.smuggling.dispatch(due[boarding], t)
            going = self.go_on_or_stay(due[~boarding], t)
        else:
            m.border.decide(due_in("waiting"), t)
        leaving = due_in("at_origin")
        m.departures.set_off(leaving, t)
        self.choose_route(np.concatenate([going, leaving]), t)
        m.border.us_outcome(due_in("apprehended"), t)
        m.border.mpp_hearing(due_in("mpp"), t)
        m.departures.back_home(due_in("home"), t)

    # ------------------------------------------------------------------ moving
    def variants(self, rows: np.ndarray) -> np.ndarray:
        """Each family's cost variant (travel mode, informed, risk attitude)."""
        fam = self.model.families
        return decisions.variant(fam.mode[rows], fam.informed[rows], fam.risk_class[rows])

    def choose_route(self, rows: np.ndarray, t: int) -> None:
        """Families choose their next link by logit over costs-to-go (none: they give up)."""
        if len(rows) == 0:
            return
        m = self.model
        fam, costs = m.families, m.costs
        m.decisions_taken += len(rows)
        links = decisions.choose_links(
            m.rng, costs.routes, costs.route_cumulative, fam.place[rows], self.variants(rows)
        )
        stuck = rows[links < 0]
        if len(stuck):  # nowhere useful to go: the family gives up
            self.go_home(stuck, t, S.GAVE_UP)
        ok = links >= 0
        self.start_links(rows[ok], links[ok], t)

    def start_links(self, rows: np.ndarray, links: np.ndarray, t: int) -> None:
        """Families set off along links, paying fares, due at the far end in the link's days."""
        if len(rows) == 0:
            return
        m = self.model
        fam, costs = m.families, m.costs
        fam.set_state(rows, S.TRAVELLING)
        _start_links(
            rows, links, t, fam.mode, fam.wait_reason, fam.link, fam.money, fam.wake,
            costs.link_days, costs.link_fares, self.flows_today,
        )  # fmt: skip

    def arrive(self, rows: np.ndarray, t: int) -> None:
        """Families reach the end of their link: victimisation, deaths, then the place's rules."""
        if len(rows) == 0:
            return
        m = self.model
        fam, c = m.families, m.corridor
        u = m.rng.random((2, len(rows)))
        next_step = np.empty(len(rows), dtype=np.int64)
        reached = np.empty(len(rows), dtype=c.link_dst.dtype)
        incidents = _arrive(
            rows, u, fam.link, fam.mode, fam.place, fam.incidents, c.link_victimisation,
            m.costs.victimisation_by_mode, c.link_death, m.behaviour.death_per_incident,
            c.link_dst, self.arrival_group, next_step, reached,
        )  # fmt: skip
        m.ledger.add("victimisation_incidents", incidents)
        order, group = by_group(next_step, ARRIVAL_GROUPS)
        grouped, places = rows[order], reached[order]
        self.die(grouped[group["died"]])
        enforced = group["enforced"]
        passed = m.mexico.interdict(grouped[enforced], places[enforced], t)
        m.border.reach_sector(grouped[group["sector"]], t)
        m.border.apprehend(grouped[group["port"]], t, at_port=True)
        self.stay(np.concatenate([grouped[group["stay"]], passed]), t)

    def stay(self, rows: np.ndarray, t: int) -> None:
        """Families at a place rest a drawn number of days (0 = decide today)."""
        if len(rows) == 0:
            return
        m = self.model
        fam, c, rng = m.families, m.corridor, m.rng
        # Families meet informed travellers; the days each stays (geometric, numpy's draws
        # and logarithms); express families wait at a staging place for the next bus.
        meets = rng.random(len(rows)) < m.behaviour.meet_informed
        mean = _settle(
            rows, meets, fam.place, fam.informed, fam.border_city, self.at_border, c.mean_stay_days
        )
        days = decisions.geometric_days(rng, mean)
        fam.set_state(rows, S.AT_PLACE)
        now = _stay_days(
            rows, days, t, m.smuggling.next_dispatch(t) - t, fam.mode, fam.place,
            m.smuggling.is_staging, fam.wake,
        )  # fmt: skip
        self.ready_now = np.concatenate([self.ready_now, now])

    # ------------------------------------------------------- asylum in Mexico
    def go_on_or_stay(self, rows: np.ndarray, t: int) -> np.ndarray:
        """Families at places in Mexico claim asylum there or go on; returns those going on.

        A family weighs asylum in Mexico once a journey, at the first Mexican city it stops
        in (where most claims are made: Tapachula and the other southern cities). Families who
        paid a smuggler do not. The choice is a logit of the value of asylum in Mexico against
        the value of going on: the believed chance of staying in the US times its value, less
        the cost-to-go from here.
        """
        if len(rows) == 0:
            return rows
        m = self.model
        fam, b, info = m.families, m.behaviour, m.information
        u = m.rng.random(len(rows))
        first = np.empty(len(rows), dtype=np.bool_)
        news = 1.0 - b.announcement_weight * info.announced  # as in believed_release
        scalars = tuple(
            map(float, (b.release_prior, news, b.value_in_us_usd, m.costs.asylum_scale))
        )
        x = _weigh_mexico(
            rows, fam.place, fam.weighed_mx, fam.mode, fam.claim, fam.origin, fam.informed,
            fam.risk_class, self.at_city, SMUGGLED, info.release, m.costs.ctg,
            np.float32(b.claim_floor), np.float32(b.value_asylum_mx_usd), scalars, first,
        )  # fmt: skip
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(x))  # numpy's exp: a compiled exp differs in the last bit
        stays = first & (u < p)
        m.mexico.claim_asylum(rows[stays], t)
        return rows[~stays]

    def believed_release(self, rows: np.ndarray) -> np.ndarray:
        """Each family's belief that reaching the US means being allowed to stay."""
        fam = self.model.families
        return self.model.information.believed_release(fam.origin[rows], fam.informed[rows])

    # ------------------------------------------------------------- going home
    def go_home(self, rows: np.ndarray, t: int, state: int, days: int | None = None) -> None:
        """Families travel back to their origin (deported, turned back or giving up)."""
        if len(rows) == 0:
            return
        m = self.model
        fam = m.families
        fam.set_state(rows, state)
        fam.wait_reason[rows] = WAIT.NONE
        if state == S.GAVE_UP:
            m.ledger.add("gave_up", len(rows))
        if days is None:  # back by bus
            days = self.days_home.take(
                decisions.cells(self.days_home, fam.place[rows], fam.origin[rows])
            )
        fam.schedule(rows, t + np.asarray(days))

    def die(self, rows: np.ndarray) -> None:
        """Families in which someone died (counted once; they travel no further)."""
        if len(rows) == 0:
            return
        self.model.families.set_state(rows, S.DIED)
        self.model.ledger.add("deaths", len(rows))


@numba.njit(cache=True)
def _arrive(
    rows, u, link, mode, place, incidents, link_vic, vic_by_mode, link_death,
    death_per_incident, link_dst, group_by_place, group, reached,
):  # fmt: skip
    # Journey.arrive's victimisation, deaths and moves to the link's end in one pass, with
    # the arithmetic of the numpy expressions it replaced: each family's place reached and
    # what happens next there (an index into ARRIVAL_GROUPS). Returns the incidents.
    count = 0
    for i in range(len(rows)):
        r, e = rows[i], link[rows[i]]
        incident = u[0, i] < link_vic[e] * vic_by_mode[mode[r]]
        if incident:
            incidents[r] += 1
            count += 1
        died = u[1, i] < link_death[e] + (1.0 if incident else 0.0) * death_per_incident
        reached[i] = link_dst[e]
        place[r] = reached[i]
        link[r] = -1
        group[i] = 0 if died else group_by_place[reached[i]]
    return count


@numba.njit(cache=True)
def _settle(rows, meets, place, informed, border_city, at_border, mean_stay_days):
    # Journey.stay before its draw of days: the last border city, who learns the news from
    # informed families met on the way (``meets``), and each family's mean days here.
    mean = np.empty(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        p = place[r]
        if at_border[p]:
            border_city[r] = p
        if meets[i] and not informed[r]:
            informed[r] = True
        mean[i] = mean_stay_days[p]
    return mean


@numba.njit(cache=True)
def _stay_days(rows, days, t, to_bus, mode, place, is_staging, wake):
    # Journey.stay after its draw: express families at a staging place wait ``to_bus``
    # days; the others' next event is their drawn day. Returns those deciding today.
    count = 0
    for i in range(len(rows)):
        r = rows[i]
        if mode[r] == EXPRESS and is_staging[place[r]]:
            days[i] = to_bus
        if days[i] > 0:
            wake[r] = t + days[i]
        else:
            count += 1
    now = np.empty(count, dtype=rows.dtype)
    k = 0
    for i in range(len(rows)):
        if days[i] <= 0:
            now[k] = rows[i]
            k += 1
    return now


@numba.njit(cache=True)
def _weigh_mexico(
    rows, place, weighed_mx, mode, claim, origin, informed, risk, at_city, smuggled, release,
    ctg, claim_floor, value_mx, scalars, first,
):  # fmt: skip
    # Journey.go_on_or_stay before numpy's exp: who weighs asylum in Mexico today (``first``;
    # marks them as having weighed it), and each family's -(value of asylum here - value of
    # going on) / scale, with the arithmetic (float32 claims included) of the numpy
    # expressions it replaced. The cost-to-go column is decisions.variant's.
    prior, news, value_us, scale = scalars
    x = np.empty(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        p = place[r]
        weighs = at_city[p] and not weighed_mx[r]
        if weighs:
            weighed_mx[r] = True
        first[i] = weighs and not smuggled[mode[r]]
        strength = claim_floor + claim[r]  # float32, as numpy adds a float to float32 claims
        believed = (release[origin[r]] if informed[r] else prior) * news
        column = mode[r] * 6 + (3 if informed[r] else 0) + risk[r]
        go = value_us * believed * strength - ctg[p, column]
        x[i] = -(value_mx * strength - go) / scale
    return x


@numba.njit(cache=True)
def _event_groups(rows, wake, state, link, group_of_state):
    # Each of today's families' group of EVENT_GROUPS, in one pass instead of a numpy mask
    # per state; each family leaves the schedule.
    group = np.empty(len(rows), dtype=np.int64)
    for i in range(len(rows)):
        r = rows[i]
        wake[r] = -1
        group[i] = group_of_state[state[r]]
        if group[i] == TRAVELLING and link[r] < 0:
            group[i] = BUS
    return group


@numba.njit(cache=True)
def _start_links(rows, links, t, mode, wait_reason, link, money, wake, days, fares, flows):
    # Journey.start_links after the state change, in one pass: no longer waiting, the link,
    # its fare by travel mode (float32, as numpy subtracted it), today's flow along it, and
    # the day of arrival at its far end.
    for i in range(len(rows)):
        r, e = rows[i], links[i]
        wait_reason[r] = NOT_WAITING
        link[r] = e
        money[r] = money[r] - fares[e, mode[r]]
        flows[e] += 1
        wake[r] = t + days[e, mode[r]]
