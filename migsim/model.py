"""The migration model: one step is one day of families leaving, travelling, deciding and waiting.

Families are Mesa agents (:class:`~migsim.agents.Family`) whose hot state lives in a
:class:`~migsim.families.FamilyTable`. A family travelling along a link costs nothing until the
day it arrives: each family has one scheduled event (arrival, end of a stay, end of holding, a
hearing), whose day is kept in its ``wake`` column. Decisions are taken in batches for all
families due that day. The order of a day:

1. levers set the day's :class:`~migsim.policies.PolicyState`;
2. beliefs are turned into perceived costs-to-go to the border;
3. new families are created at origins, due to leave today;
4. scheduled events happen: arrivals (victimisation, interdiction), decisions at places and at
   the border, departures (new families and returned families trying again), ends of US
   holding, remain-in-Mexico hearings, returns home;
5. queues move: ports process their metering queues, Mexico deports detainees;
6. waiting families face daily risks and may give up or cross between ports;
7. news of the day starts travelling, and the day's figures are collected.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections import defaultdict, deque

import mesa
import numpy as np

from migsim import decisions
from migsim.agents import Family, FamilyState, TravelMode, WaitReason
from migsim.corridor import Corridor, Kind, load_corridor
from migsim.errors import InputError
from migsim.families import FamilyTable, plain
from migsim.information import Information
from migsim.policies import PolicyState, nearest
from migsim.policies.tariff_threat import TariffThreat
from migsim.scenario import Scenario, load_scenario

# numpy compares an int8 column with an IntEnum member only after casting the whole column
# to int64, several times slower than with a plain int: the day loop uses plain values.
S, KIND, MODE, WAIT = (plain(codes) for codes in (FamilyState, Kind, TravelMode, WaitReason))

# Daily series the model records (flows are per day; stocks are end-of-day).
SERIES = (
    "departures", "first_departures", "in_transit", "waiting_total", "metering_queue",
    "mpp_waiting", "shelter_waiting", "mx_apprehensions", "mx_apprehensions_people",
    "turned_back", "exit_permits", "mx_detained", "mx_detention_capacity", "deportations",
    "deportations_people", "asylum_claims_mx", "us_apprehensions_families",
    "us_apprehensions_people", "us_port_arrivals_families", "us_port_arrivals_people",
    "us_holding", "us_holding_capacity", "us_releases", "mpp_returns", "us_removals", "evaded",
    "gave_up", "victimisation_incidents", "deaths", "smuggler_revenue_usd", "smuggled_departures",
    "humanitarian_visas", "tariff_pct",
)  # fmt: skip
CONTACTS_MEAN = 3.0  # relatives and friends who relay news, on average (assumed)
# Per-place daily measures (tidy frame ``place_series``).
PLACE_MEASURES = (
    "waiting", "metering_queue", "mpp_waiting", "us_apprehensions_families",
    "us_apprehensions_people", "us_port_arrivals_families", "us_holding", "mx_apprehensions",
)  # fmt: skip
_PLACE_ROW = {measure: i for i, measure in enumerate(PLACE_MEASURES)}


class MigrationModel(mesa.Model):
    """Northern Triangle families travelling through Mexico towards the US, one step a day.

    Args:
        scenario: The scenario (default: the baseline 2019 scenario).
        seed: Random seed (default: the scenario's).
        families_per_year: Overrides the scenario's first departures a year.
        corridor: A corridor already loaded (default: load the scenario's).

    Attributes:
        spec: The migsim :class:`~migsim.scenario.Scenario` being run (``model.scenario`` is
            Mesa's own scenario object, which SolaraViz uses).
        corridor: The corridor (graph and arrays).
        families: The family table (hot state of every family).
        information: Beliefs of informed families and origin communities.
        policy: Today's policy state.
        datacollector: Daily series (``get_model_vars_dataframe()``).
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        seed: int | None = None,
        families_per_year: float | None = None,
        corridor: Corridor | None = None,
    ) -> None:
        scenario = scenario if scenario is not None else load_scenario()
        seed = scenario.seed if seed is None else seed
        super().__init__(rng=seed)
        self.seed = seed
        population = scenario.population
        if families_per_year is not None:
            population = population.model_copy(update={"families_per_year": families_per_year})
        # The scenario as run: with the seed and population actually used, so that
        # re-running the written scenario.yaml reproduces this run.
        self.spec = scenario.model_copy(update={"seed": seed, "population": population})
        self.spec.path = scenario.path
        self.corridor = corridor if corridor is not None else self._load_corridor()
        if self.spec.capacity_scale != 1:  # a scenario run at another scale (at_scale)
            self.corridor = copy.copy(self.corridor)
            self.corridor.capacity_per_day = self.corridor.capacity_per_day * (
                self.spec.capacity_scale
            )
        self.behaviour = scenario.behaviour
        self.population = population
        self.families = FamilyTable(capacity=max(1024, int(self.population.families_per_year)))
        self.information = Information(self)
        self.day = 0
        self.date = scenario.start
        try:
            self._setup_origins()
            self._setup_levers()
        except ValueError as exc:  # a place named by a lever is not in the corridor
            raise InputError(scenario.path or "scenario", str(exc), key="levers") from None
        n_places, n_links = len(self.corridor.places), len(self.corridor.links)
        self._metering_queues: dict[int, deque[np.ndarray]] = defaultdict(deque)
        self._detention: deque[np.ndarray] = deque()
        self._credit: dict[object, float] = {}
        self.holding = np.zeros(n_places)
        self.link_flows = np.zeros((max(scenario.days, 1), n_links), dtype=np.int32)
        self._place_series: list[np.ndarray] = []
        self.today: dict[str, float] = dict.fromkeys(SERIES, 0.0)
        self.policy = PolicyState.ordinary(self.corridor)
        self._policy_levels: list[float] | None = None  # lever intensities behind self.policy
        self._solved: tuple[np.ndarray, np.ndarray] | None = None  # costs behind self.ctg
        self._ready_now = np.zeros(0, dtype=np.int64)
        self._waiting_scan: np.ndarray | None = None  # today's waiting families, once found
        self._pull_today = np.ones(n_places)
        self._agents_made = 0
        self.decisions_taken = 0  # route, travel-mode and border choices made so far
        self._port_wait = np.zeros(n_places)
        self._port_link, self._sector_link = self._links_at_border()
        c = self.corridor
        self._formal_crossing = (c.kind == KIND.CROSSING) & (c.group == "formal")  # visas
        self._us_side = c.of_kind("us_port", "us_sector")
        # Days home by bus (~400 km a day, roads 1.3 times the great circle) from any place.
        km = _km(c.lat[:, None], c.lon[:, None], c.lat[None, :], c.lon[None, :])
        self._days_home = 1 + (1.3 * km / 400).astype(np.int64)
        self._new_place_day()
        self._setup_cost_terms()
        reporters = {name: _reader(name) for name in SERIES}
        reporters.update({f"state_{s.label}": _state_reader(s) for s in FamilyState})
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    # ----------------------------------------------------------------- set-up
    def _load_corridor(self) -> Corridor:
        folder = self.spec.corridor_path()
        if not folder.is_dir():
            raise InputError(
                self.spec.path or "scenario",
                f"corridor folder '{folder}' not found; 'corridor' is a folder holding "
                "places.csv and links.csv, relative to the scenario file",
                key="corridor",
            )
        return load_corridor(folder)

    def _setup_origins(self) -> None:
        corridor, pop = self.corridor, self.population
        self.origin_ids = corridor.of_kind("origin")
        shares = np.zeros(len(corridor.places))
        for name, origin in pop.origins.items():
            place = self._place_id(name, "origin", ("an origin", "origins"), "population.origins")
            shares[place] = origin.share
        shares /= shares.sum()
        self.origin_share = shares
        self.base_daily = pop.families_per_year * shares / 365.0
        self._caravans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for caravan in pop.caravans:
            if caravan.origin not in corridor.index:
                raise InputError(
                    self.spec.path or "scenario",
                    f"unknown origin '{caravan.origin}'"
                    f"{nearest(caravan.origin, corridor.names(self.origin_ids))}",
                    key="population.caravans",
                )
            first = (caravan.date - self.spec.start).days
            per_day = np.diff(np.linspace(0, caravan.families, caravan.days + 1).round())
            for k, count in enumerate(per_day):
                self._caravans[first + k].append((corridor.index[caravan.origin], int(count)))

    def _place_id(self, name: str, kind: str, what: tuple[str, str], key: str) -> int:
        """The id of a place the scenario names, which must be of ``kind``.

        Args:
            name: The place's name.
            kind: The kind it must be (``"origin"``, ``"border_city"``, ...).
            what: How the message names one such place and many (``("an origin", "origins")``).
            key: The scenario key that names it.

        Raises:
            InputError: Naming the nearest place of that kind and listing them all.
        """
        c = self.corridor
        ids = c.of_kind(kind)
        if name not in c.index or c.index[name] not in ids:
            valid = c.names(ids)
            raise InputError(
                self.spec.path or "scenario",
                f"'{name}' is not {what[0]} in the corridor{nearest(name, valid)}; "
                f"{what[1]} are: {', '.join(valid)}",
                key=key,
            )
        return c.index[name]

    def _links_at_border(self) -> tuple[np.ndarray, np.ndarray]:
        """Each place's link to a US port, and to a Border Patrol sector (-1: none)."""
        c = self.corridor
        out = np.full((len(c.places), 2), -1, dtype=np.int64)
        for e in range(len(c.links)):
            column = {KIND.US_PORT: 0, KIND.US_SECTOR: 1}.get(int(c.kind[c.link_dst[e]]))
            if column is not None and out[c.link_src[e], column] < 0:
                out[c.link_src[e], column] = e
        return out[:, 0].copy(), out[:, 1].copy()

    def _setup_levers(self) -> None:
        # A tariff threat's response levers are levers in their own right from then on:
        # Mexico's response outlives a threat withdrawn once it acts.
        self.levers = []
        for lever in self.spec.levers:
            self.levers.append(lever)
            if isinstance(lever, TariffThreat):
                self.levers.extend(lever.responses())
        self._tariffs = [lever for lever in self.levers if isinstance(lever, TariffThreat)]
        for lever in self.levers:  # validate place names once, before the first day
            lever.apply(PolicyState.ordinary(self.corridor), self.corridor, self.date, 1.0)

    # ----------------------------------------------------------------- the day
    def step(self) -> None:
        """Simulate one day."""
        t = self.day
        self.date = self.spec.start + dt.timedelta(days=t)
        self.today = dict.fromkeys(SERIES, 0.0)
        if t >= len(self.link_flows):  # stepped past the scenario's days: keep recording
            self.link_flows = np.concatenate([self.link_flows, np.zeros_like(self.link_flows)])
        self._flows_today = self.link_flows[t]
        self.policy = self._policy_for(self.date)
        self._update_costs()
        self._depart(t)
        self._families_day(t)
        self.information.end_day()
        self._record_day()
        self.datacollector.collect(self)
        self.day += 1

    def _families_day(self, t: int) -> None:
        """Scheduled events, queues and waiting families' risks, in batches."""
        self._process_events(t)
        self._serve_metering(t)
        self._serve_detention(t)
        self._waiting_hazards(t)

    def _policy_for(self, today: dt.date) -> PolicyState:
        self.today["tariff_pct"] = max((t.tariff_pct(today) for t in self._tariffs), default=0.0)
        levels = [lever.intensity(today) for lever in self.levers]
        # Levers act through their intensity alone: with the same intensities as yesterday
        # (most days), yesterday's policy state stands.
        if levels == self._policy_levels:
            return self.policy
        self._policy_levels = levels
        policy = PolicyState.ordinary(self.corridor)
        policy.smuggled_interdiction = self.behaviour.smuggled_interdiction
        for lever, level in zip(self.levers, levels, strict=True):
            if level > 0:
                lever.apply(policy, self.corridor, today, level)
        return policy

    # ------------------------------------------------------ perceived costs
    def _setup_cost_terms(self) -> None:
        """The parts of every variant's link and exit costs that stay fixed through a run.

        Only the believed interdiction (informed families' beliefs move daily, the smuggled
        multiplier with the policy) and the metering waits change from day to day.
        """
        c, b = self.corridor, self.behaviour
        modes = np.repeat(np.arange(3), 6)
        self._variant_informed = np.tile(np.repeat([False, True], 3), 3)
        self._variant_modes = modes
        # Victimisation multiplier by travel mode, weight on harm by risk class.
        self._victimisation_by_mode = np.array(
            [1.0, b.smuggled_victimisation, b.caravan_victimisation]
        )
        self._risk_weight = np.asarray(b.risk_aversion, dtype=float)
        rw = self._risk_weight[np.tile(np.arange(3), 6)]
        self._variant_rw = rw
        # Each link's days and fare by travel mode (smugglers pay their families' fares).
        speed = np.array([1.0, 1.0, b.caravan_speed])
        self._link_days = np.ceil(c.link_days[:, None] / speed[None, :]).astype(int)
        smuggled = np.arange(3) == MODE.SMUGGLER
        self._link_fares = np.where(smuggled, 0.0, c.link_cost[:, None]).astype(np.float32)
        days = self._link_days[:, modes]
        pays = (modes != MODE.SMUGGLER).astype(float)
        vic = self._victimisation_by_mode[modes]
        # A smuggler chooses a smuggled family's route: a day costs the smuggler its daily
        # outlay (safe houses, food, transport, payments to the groups controlling the road).
        per_day = np.where(modes == MODE.SMUGGLER, b.smuggler_cost_per_day_usd, b.value_of_time_usd)
        self._time_and_money = per_day[None, :] * days + pays[None, :] * c.link_cost[:, None]
        self._harm = (
            b.harm_usd * c.link_victimisation[:, None] * vic[None, :]
            + b.death_usd * c.link_death[:, None]
        )
        self._base_believed = b.interdiction_usd * c.base_interdiction[c.link_dst]
        border = c.of_kind("border_city")
        self._border = border
        self._exit_template = np.full((len(c.places), decisions.N_VARIANTS), np.inf)
        self._exit_template[self._us_side] = 0.0
        terminal = np.zeros(len(c.places), dtype=bool)
        terminal[border] = True
        self._routes = decisions.RouteGraph.build(c.out_links, c.link_dst, terminal)
        port_link, sector_link = self._port_link[border], self._sector_link[border]
        self._exit_port = port_link[:, None] >= 0
        self._exit_sector = sector_link[:, None] >= 0
        self._exit_port_link = np.maximum(port_link, 0)
        self._exit_sector_link = np.maximum(sector_link, 0)
        self._exit_port_dst = np.where(port_link >= 0, c.link_dst[self._exit_port_link], -1)
        # A smuggling network works its own crossings: smuggled families' routes end there.
        self._exit_closed = np.zeros((len(border), decisions.N_VARIANTS), dtype=bool)
        if b.smuggler_crossings is not None:
            outside = ~np.isin(border, self._smuggler_crossings())
            self._exit_closed[np.ix_(outside, modes == MODE.SMUGGLER)] = True
        self._asylum_scale = b.asylum_choice_scale_usd or 5 * b.choice_scale_usd
        self._wait_cost = (
            b.value_of_time_usd + rw[None, :] * b.harm_usd * b.waiting_victimisation
        ) * self._variant_informed[None, :]

    def _smuggler_crossings(self) -> np.ndarray:
        """Place ids of the border cities named in ``behaviour.smuggler_crossings``."""
        what, key = ("a border city", "border cities"), "behaviour.smuggler_crossings"
        names = self.behaviour.smuggler_crossings or []
        return np.array([self._place_id(n, "border_city", what, key) for n in names], dtype=int)

    def _update_costs(self) -> None:
        """Generalised link costs and costs-to-go for every (mode, informed, risk) variant."""
        c, b, pol = self.corridor, self.behaviour, self.policy
        stop = np.array([1.0, pol.smuggled_interdiction, b.caravan_interdiction])[
            self._variant_modes
        ]
        believed = np.where(
            self._variant_informed[None, :],
            b.interdiction_usd * self.information.interdiction[c.link_dst][:, None],
            self._base_believed[:, None],
        )  # (E, V)
        link_cost = self._time_and_money + self._variant_rw[None, :] * (
            self._harm + believed * stop[None, :]
        )
        self.link_cost = link_cost
        # A border city ends the route: its cost is that of the cheaper way over, queueing at
        # its port (the wait known to informed families) or crossing between ports.
        exit_cost = self._exit_template.copy()
        wait = np.where(self._exit_port_dst >= 0, self._port_wait[self._exit_port_dst], 0)
        by_port = np.where(
            self._exit_port,
            wait[:, None] * self._wait_cost + link_cost[self._exit_port_link],
            np.inf,
        )
        by_sector = np.where(self._exit_sector, link_cost[self._exit_sector_link], np.inf)
        exit_cost[self._border] = np.where(
            self._exit_closed, np.inf, np.minimum(by_port, by_sector)
        )
        # Only variants whose costs changed since yesterday are solved again: uninformed
        # families' costs move only with the policy state, informed families' every day.
        first = self._solved is None
        if first:
            cols = np.arange(decisions.N_VARIANTS)
            self.ctg = np.empty_like(exit_cost)
            k = c.out_links.shape[1]
            self.route_cumulative = np.empty((k, len(c.places), decisions.N_VARIANTS))
        else:
            last_links, last_exits = self._solved
            cols = np.flatnonzero(
                (link_cost != last_links).any(axis=0) | (exit_cost != last_exits).any(axis=0)
            )
        self._solved = (link_cost, exit_cost)
        if len(cols) == 0:
            return
        links = link_cost[:, cols]
        # Relaxed from the last costs-to-go, which are close (the same on an acyclic corridor).
        start = None if first else self.ctg[:, cols]
        ctg = decisions.cost_to_go(self._routes, links, exit_cost[:, cols], start)
        self.ctg[:, cols] = ctg
        self.route_cumulative[:, :, cols] = decisions.route_probabilities(
            self._routes, links, ctg, b.choice_scale_usd
        )

    # -------------------------------------------------------------- leaving
    def _pull(self) -> np.ndarray:
        """Per-origin multiplier on departures from what origin communities hear."""
        b, info = self.behaviour, self.information
        believed = info.release * (1 - self.policy.safe_third_country)
        odds = (np.maximum(believed, 1e-3) / b.release_prior) ** b.pull_elasticity
        pull = b.push_share + (1 - b.push_share) * odds
        yearly = np.maximum(self.population.families_per_year * self.origin_share, 1.0)
        return pull * (1 + b.network_effect * info.settled / yearly)

    def _season(self) -> float:
        """Today's seasonal factor on departures (1 when the scenario has no season)."""
        pop = self.population
        if pop.seasonal_amplitude == 0:
            return 1.0
        peak = dt.date(self.date.year, pop.seasonal_peak_month, 15)
        phase = 2 * np.pi * (self.date - peak).days / 365.25
        return 1.0 + pop.seasonal_amplitude * float(np.cos(phase))

    def _depart(self, t: int) -> None:
        """New families leave their origins with each origin's daily hazard."""
        fam, rng = self.families, self.rng
        self._pull_today = self._pull() * self.policy.departure_multiplier * self._season()
        counts = rng.poisson(self.base_daily[self.origin_ids] * self._pull_today[self.origin_ids])
        origins = [np.repeat(self.origin_ids, counts)]
        caravan = [np.zeros(len(origins[0]), dtype=bool)]
        for origin, families in self._caravans.get(t, []):
            origins.append(np.full(families, origin))
            caravan.append(np.ones(families, dtype=bool))
        new = self._create_families(np.concatenate(origins).astype(np.int16))
        fam.mode[new[np.concatenate(caravan)]] = MODE.CARAVAN
        self.today["first_departures"] += len(new)
        self._schedule(new, t)  # they set off with today's other departures

    def _set_off(self, rows: np.ndarray, t: int) -> None:
        """Families leave home and choose how to travel (their first link is chosen next)."""
        if len(rows) == 0:
            return
        fam, rng, b = self.families, self.rng, self.behaviour
        self.today["departures"] += len(rows)
        alone = rows[fam.mode[rows] != MODE.CARAVAN]
        self.decisions_taken += len(alone)
        fee = b.smuggler_fee_usd * self.policy.smuggling_fee_multiplier
        hire = alone[decisions.hire_smuggler(rng, fam.money[alone], fam.risk_class[alone], fee)]
        if len(hire) > self.policy.smuggling_capacity:
            hire = rng.choice(hire, size=int(self.policy.smuggling_capacity), replace=False)
        fam.mode[hire] = MODE.SMUGGLER
        fam.money[hire] -= fee
        self.today["smuggler_revenue_usd"] += fee * len(hire)
        self.today["smuggled_departures"] += len(hire)
        fam.attempts[rows] += 1
        fam.weighed_mx[rows] = False  # a new journey: asylum in Mexico is weighed afresh
        fam.departed[rows] = t
        fam.place[rows] = fam.origin[rows]

    def _back_home(self, rows: np.ndarray, t: int) -> None:
        """Families back at their origin; each may set off again after a drawn wait.

        The daily hazard of setting off again is ``retry_hazard`` times the origin's pull on
        the day the family is back (drawn once, as a memoryless wait).
        """
        fam = self.families
        fam.set_state(rows, S.AT_ORIGIN)
        fam.place[rows] = fam.origin[rows]
        fam.mode[rows] = MODE.ALONE
        hazard = np.minimum(1.0, self.behaviour.retry_hazard * self._pull_today[fam.origin[rows]])
        wait = decisions.geometric_days(self.rng, 1 / np.maximum(hazard, 1e-12) - 1)
        again = hazard > 0  # with no hazard a family stays home for good
        fam.wake[rows[~again]] = -1
        self._schedule(rows[again], t + 1 + wait[again])

    def _create_families(self, origins: np.ndarray) -> np.ndarray:
        rng, pop, n = self.rng, self.population, len(origins)
        size = 2 + rng.poisson(max(pop.family_size_mean - 2, 0), n)
        contacts = np.minimum(rng.poisson(CONTACTS_MEAN, n), 100)
        relay = min(1.0, -np.log(1 - pop.informed_share) / CONTACTS_MEAN)
        rows = self.families.add(
            n,
            origin=origins,
            size=np.minimum(size, 12),
            children=rng.random(n) < pop.children_share,
            money=rng.lognormal(np.log(pop.money_median_usd), pop.money_spread, n),
            risk_class=rng.choice(3, size=n, p=[0.3, 0.4, 0.3]),
            claim=rng.beta(2.0, 3.0, n),
            contacts=contacts,
            # Each contact relays news with the chance that makes the average informed
            # share ``informed_share``: P(informed) = 1 - (1 - q)^contacts.
            informed=rng.random(n) < 1 - (1 - relay) ** contacts,
        )
        return rows

    # --------------------------------------------------------------- moving
    def _variants(self, rows: np.ndarray) -> np.ndarray:
        fam = self.families
        return decisions.variant(fam.mode[rows], fam.informed[rows], fam.risk_class[rows])

    def _choose_route(self, rows: np.ndarray, t: int) -> None:
        fam = self.families
        self.decisions_taken += len(rows)
        links = decisions.choose_links(
            self.rng, self._routes, self.route_cumulative, fam.place[rows], self._variants(rows)
        )
        stuck = rows[links < 0]
        if len(stuck):  # nowhere useful to go: the family gives up
            self._go_home(stuck, t, S.GAVE_UP)
        ok = links >= 0
        self._start_links(rows[ok], links[ok], t)

    def _start_links(self, rows: np.ndarray, links: np.ndarray, t: int) -> None:
        fam, c = self.families, self.corridor
        fam.set_state(rows, S.TRAVELLING)
        fam.wait_reason[rows] = WAIT.NONE
        fam.link[rows] = links
        by_mode = decisions.cells(self._link_days, links, fam.mode[rows])  # flat (link, mode)
        fam.money[rows] -= self._link_fares.take(by_mode)
        self._flows_today += np.bincount(links, minlength=len(c.links)).astype(np.int32)
        self._schedule(rows, t + self._link_days.take(by_mode))

    def _schedule(self, rows: np.ndarray, days: np.ndarray | int) -> None:
        """Give families their next event day (a later call replaces an earlier one)."""
        self.families.wake[rows] = days

    def _process_events(self, t: int) -> None:
        # One scan of the wake column a day: cheaper than filing events in a calendar, and
        # a family rescheduled or taken off the schedule (wake -1) is never seen twice.
        fam = self.families
        rows = np.flatnonzero(fam.wake[: fam.n] == t)
        if len(rows):
            self._handle(rows, t)

    def _handle(self, rows: np.ndarray, t: int) -> None:
        """Handle the scheduled events of families due today."""
        fam = self.families
        fam.wake[rows] = -1
        state = fam.state[rows]
        self._arrive(rows[state == S.TRAVELLING], t)
        # Families who ended a stay, or arrived where there is no reason to stay, decide now:
        # at a border city how to cross (with those whose shelter week is up), elsewhere
        # whether to go on; those going on choose their next link with those leaving home.
        due = np.concatenate([rows[state == S.AT_PLACE], self._ready_now])
        self._ready_now = np.zeros(0, dtype=np.int64)
        at_border = self.corridor.kind[fam.place[due]] == KIND.BORDER_CITY
        self._border_decision(np.concatenate([due[at_border], rows[state == S.WAITING]]), t)
        going = self._go_on_or_stay(due[~at_border])
        leaving = rows[state == S.AT_ORIGIN]
        self._set_off(leaving, t)
        self._choose_route(np.concatenate([going, leaving]), t)
        self._us_outcome(rows[state == S.APPREHENDED_US], t)
        self._mpp_hearing(rows[state == S.RETURNED_MPP], t)
        self._back_home(rows[(state == S.DEPORTED) | (state == S.GAVE_UP)], t)

    def _arrive(self, rows: np.ndarray, t: int) -> None:
        if len(rows) == 0:
            return
        fam, c, b, rng = self.families, self.corridor, self.behaviour, self.rng
        links = fam.link[rows]
        mode = fam.mode[rows]
        vic = self._victimisation_by_mode.take(mode)
        u = rng.random((2, len(rows)))
        incident = u[0] < c.link_victimisation[links] * vic
        fam.incidents[rows[incident]] += 1
        self.today["victimisation_incidents"] += incident.sum()
        death_p = c.link_death[links] + incident * b.death_per_incident
        died = u[1] < death_p
        places = c.link_dst[links]
        fam.place[rows] = places
        fam.link[rows] = -1
        self._die(rows[died])
        rows, places = rows[~died], places[~died]
        kind = c.kind[places]
        enforced = (kind == KIND.CROSSING) | (kind == KIND.CHECKPOINT)
        passed = self._interdict(rows[enforced], places[enforced], t)
        sector = kind == KIND.US_SECTOR
        self._reach_sector(rows[sector], t)
        port = kind == KIND.US_PORT
        self._apprehend(rows[port], t, at_port=True)
        stay = (kind == KIND.CITY) | (kind == KIND.BORDER_CITY) | (kind == KIND.ORIGIN)
        self._stay(np.concatenate([rows[stay], passed]), t)

    def _stay(self, rows: np.ndarray, t: int) -> None:
        """Families at a place rest a drawn number of days (0 = decide today)."""
        if len(rows) == 0:
            return
        fam, c, rng = self.families, self.corridor, self.rng
        places = fam.place[rows]
        border = c.kind[places] == KIND.BORDER_CITY
        fam.border_city[rows[border]] = places[border]
        learn = ~fam.informed[rows] & (rng.random(len(rows)) < self.behaviour.meet_informed)
        fam.informed[rows[learn]] = True
        days = decisions.geometric_days(rng, c.mean_stay_days[places])
        fam.set_state(rows, S.AT_PLACE)
        later = days > 0
        self._schedule(rows[later], t + days[later])
        self._ready_now = np.concatenate([self._ready_now, rows[~later]])

    def _go_on_or_stay(self, rows: np.ndarray) -> np.ndarray:
        """Families at places in Mexico claim asylum there or go on; returns those going on.

        A family weighs asylum in Mexico once a journey, at the first Mexican city it stops
        in (where most claims are made: Tapachula and the other southern cities).
        """
        fam = self.families
        first = (self.corridor.kind[fam.place[rows]] == KIND.CITY) & ~fam.weighed_mx[rows]
        fam.weighed_mx[rows[first]] = True
        stays = self._stay_in_mexico(rows, first)
        self._claim_asylum_mx(rows[stays])
        return rows[~stays]

    def _believed_release(self, rows: np.ndarray) -> np.ndarray:
        """Each family's belief that reaching the US means being allowed to stay."""
        fam, b = self.families, self.behaviour
        informed = fam.informed[rows]
        believed = np.where(informed, self.information.release[fam.origin[rows]], b.release_prior)
        return believed * (1 - self.policy.safe_third_country * informed)

    def _stay_in_mexico(self, rows: np.ndarray, in_city: np.ndarray) -> np.ndarray:
        """Whether families at a Mexican city claim asylum there instead of going on.

        A logit of the value of asylum in Mexico against the value of going on: the believed
        chance of staying in the US times its value, less the cost-to-go from here.
        """
        fam, b = self.families, self.behaviour
        u = self.rng.random(len(rows))
        claim = 0.5 + fam.claim[rows]
        go = b.value_in_us_usd * self._believed_release(rows) * claim - self.ctg.take(
            decisions.cells(self.ctg, fam.place[rows], self._variants(rows))
        )
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(-(b.value_asylum_mx_usd * claim - go) / self._asylum_scale))
        return in_city & (u < p)

    # ---------------------------------------------------------- enforcement
    def _interdict(self, rows: np.ndarray, places: np.ndarray, t: int) -> np.ndarray:
        """Mexican officers stop some families passing crossings and checkpoints.

        Returns:
            The rows of families who passed.
        """
        if len(rows) == 0:
            return rows
        fam, c, pol, rng, b = self.families, self.corridor, self.policy, self.rng, self.behaviour
        # Humanitarian visas are handed out at formal crossings, first come first served.
        formal = np.flatnonzero(self._formal_crossing[places])
        u_visa = rng.random(len(formal))
        quota = int(pol.visa_quota)
        if quota > 0 and len(formal):
            chosen = formal[np.argsort(u_visa)[:quota]]
            fam.visa_until[rows[chosen]] = t + pol.visa_validity_days
            self.today["humanitarian_visas"] += len(chosen)
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
        self.information.observe_interdiction(places, stopped)
        caught, caught_at = rows[stopped], places[stopped]
        back = (c.kind[caught_at] == KIND.CROSSING) & (u[2][stopped] < pol.turned_back_share)
        self._turn_back(caught[back], t)
        self._detain(caught[~back], caught_at[~back], t)
        return rows[~stopped]

    def _turn_back(self, rows: np.ndarray, t: int) -> None:
        self._back_home(rows, t)
        self.today["turned_back"] += len(rows)

    def _detain(self, rows: np.ndarray, places: np.ndarray, t: int) -> None:
        fam, pol = self.families, self.policy
        occupied = fam.counts[S.DETAINED_MX]
        room = max(0, int(min(pol.detention_places, 1e12) - occupied))
        permits = rows[room:]  # no room: released with an exit permit, they go on
        rows = rows[:room]
        fam.set_state(rows, S.DETAINED_MX)
        self._detention.append(rows)
        self.today["mx_apprehensions"] += len(rows) + len(permits)
        self.today["mx_apprehensions_people"] += fam.size[rows].sum() + fam.size[permits].sum()
        self.today["exit_permits"] += len(permits)
        self._place_count("mx_apprehensions", places)
        if len(permits):
            fam.set_state(permits, S.AT_PLACE)
            self._schedule(permits, t + 1)

    def _serve_detention(self, t: int) -> None:
        fam = self.families
        cap = self.policy.deportations_per_day
        out = self._take("detention", self._detention, cap, lambda r: fam.state[r] == S.DETAINED_MX)
        self.today["deportations"] += len(out)
        self.today["deportations_people"] += fam.size[out].sum()
        self._go_home(out, t, S.DEPORTED, days=2)

    def _take(self, key: object, queue: deque, cap: float, still: callable) -> np.ndarray:
        """Take up to a day's capacity of rows, first in first out, of those still queued.

        A fractional capacity carries over (0.5 a day serves one family every other day)
        while families are queued; unused capacity does not build up.
        """
        credit = self._credit.get(key, 0.0) + min(cap, 1e12)
        need = int(credit)
        taken: list[np.ndarray] = []
        while queue and need > 0:
            chunk = queue.popleft()
            chunk = chunk[still(chunk)]
            if len(chunk) > need:
                queue.appendleft(chunk[need:])
                chunk = chunk[:need]
            taken.append(chunk)
            need -= len(chunk)
        served = sum(len(c) for c in taken)
        self._credit[key] = min(credit - served, 1.0) if queue else 0.0
        return np.concatenate(taken) if taken else np.zeros(0, dtype=np.int64)

    def _go_home(self, rows: np.ndarray, t: int, state: int, days: int | None = None):
        """Families travel back to their origin (deported, turned back or giving up)."""
        if len(rows) == 0:
            return
        fam = self.families
        fam.set_state(rows, state)
        fam.wait_reason[rows] = WAIT.NONE
        if state == S.GAVE_UP:
            self.today["gave_up"] += len(rows)
        if days is None:  # back by bus
            days = self._days_home.take(
                decisions.cells(self._days_home, fam.place[rows], fam.origin[rows])
            )
        self._schedule(rows, t + np.asarray(days))

    def _die(self, rows: np.ndarray) -> None:
        self.families.set_state(rows, S.DIED)
        self.today["deaths"] += len(rows)

    # -------------------------------------------------------------- border
    def _border_decision(self, rows: np.ndarray, t: int) -> None:
        """At a border city: port queue, surrender, evade, asylum in Mexico, wait, go home."""
        if len(rows) == 0:
            return
        fam, c, b, rng = self.families, self.corridor, self.behaviour, self.rng
        self.decisions_taken += len(rows)
        city = fam.place[rows]
        port_link, sector_link = self._port_link[city], self._sector_link[city]
        rw = self._risk_weight.take(fam.risk_class[rows])
        informed = fam.informed[rows]
        believed = self._believed_release(rows)
        claim = 0.5 + fam.claim[rows]
        asylum = b.value_in_us_usd * believed * claim
        port = np.maximum(port_link, 0)
        wait = np.where(informed, self._port_wait[c.link_dst[port]], 0.0)
        sector = np.maximum(sector_link, 0)
        vic = self._victimisation_by_mode.take(fam.mode[rows])
        crossing_harm = rw * (
            b.harm_usd * c.link_victimisation[sector] * vic + b.death_usd * c.link_death[sector]
        )
        evade_fee = np.where(fam.mode[rows] == MODE.SMUGGLER, b.smuggler_evade_fee_usd, 0.0)
        utility = np.stack(
            [
                np.where(
                    port_link >= 0,
                    asylum
                    - wait * (b.value_of_time_usd + rw * b.harm_usd * b.waiting_victimisation),
                    -np.inf,
                ),
                np.where(sector_link >= 0, asylum - crossing_harm, -np.inf),
                np.where(
                    sector_link >= 0,
                    b.value_in_us_usd * b.evade_success - 2 * crossing_harm - evade_fee,
                    -np.inf,
                ),
                b.value_asylum_mx_usd * claim,
                0.5 * asylum - 7 * b.value_of_time_usd,
                np.zeros(len(rows)),
            ],
            axis=1,
        )
        choice = decisions.logit_choice(rng, utility, self._asylum_scale)
        # 0: queue at the port (metering)
        q = rows[choice == 0]
        fam.set_state(q, S.WAITING)
        fam.wait_reason[q] = WAIT.METERING
        fam.link[q] = port_link[choice == 0]
        fam.wake[q] = -1
        if len(q):
            ports = c.link_dst[port_link[choice == 0]]
            order = np.argsort(ports, kind="stable")  # each port's families in their order here
            found, first = np.unique(ports[order], return_index=True)
            for p, chunk in zip(found.tolist(), np.split(q[order], first[1:]), strict=True):
                self._metering_queues[p].append(chunk)
        # 1, 2: cross between ports, surrendering or evading
        cross = (choice == 1) | (choice == 2)
        fam.evading[rows[cross]] = choice[cross] == 2
        payers = rows[(choice == 2) & (fam.mode[rows] == MODE.SMUGGLER)]
        fam.money[payers] -= b.smuggler_evade_fee_usd
        self.today["smuggler_revenue_usd"] += b.smuggler_evade_fee_usd * len(payers)
        self._start_links(rows[cross], sector_link[cross], t)
        # 3: asylum in Mexico
        self._claim_asylum_mx(rows[choice == 3])
        # 4: wait in a shelter and think again in a week
        w = rows[choice == 4]
        fam.set_state(w, S.WAITING)
        fam.wait_reason[w] = WAIT.SHELTER
        self._schedule(w, t + 7)
        # 5: go home
        self._go_home(rows[choice == 5], t, S.GAVE_UP)

    def _claim_asylum_mx(self, rows: np.ndarray) -> None:
        self.families.set_state(rows, S.ASYLUM_MX)
        self.families.wait_reason[rows] = WAIT.NONE
        self.today["asylum_claims_mx"] += len(rows)

    def _in_queue(self, rows: np.ndarray, port: int) -> np.ndarray:
        """Whether families are still in a port's metering queue."""
        fam = self.families
        return (
            (fam.state[rows] == S.WAITING)
            & (fam.wait_reason[rows] == WAIT.METERING)
            & (self.corridor.link_dst[np.maximum(fam.link[rows], 0)] == port)
        )

    def _serve_metering(self, t: int) -> None:
        fam = self.families
        served = [np.zeros(0, dtype=np.int64)]
        for port, queue in self._metering_queues.items():
            if not queue:  # nobody queued (its credit was reset when the queue emptied)
                continue
            cap = min(self.policy.metering_cap[port], self.behaviour.us_port_capacity)
            out = self._take(port, queue, cap, lambda r, p=port: self._in_queue(r, p))
            fam.place[out] = port
            served.append(out)
        out = np.concatenate(served)  # all ports' arrivals in one batch
        fam.wait_reason[out] = WAIT.NONE
        self._apprehend(out, t, at_port=True)

    def _reach_sector(self, rows: np.ndarray, t: int) -> None:
        """Families who crossed between ports surrender, or try to evade Border Patrol."""
        if len(rows) == 0:
            return
        fam, rng = self.families, self.rng
        fam.set_state(rows, S.CROSSED_US)
        u = rng.random(len(rows))
        away = fam.evading[rows] & (u < self.behaviour.evade_success)
        gone = rows[away]
        fam.set_state(gone, S.EVADED_US)
        self._reached_us(gone, t)
        self.today["evaded"] += len(gone)
        self.information.observe_outcomes(fam.origin[gone], success=True)
        self._apprehend(rows[~away], t, at_port=False)

    def _apprehend(self, rows: np.ndarray, t: int, *, at_port: bool) -> None:
        """Border Patrol (between ports) or port officers (at ports) take families into holding."""
        if len(rows) == 0:
            return
        fam, pol, rng = self.families, self.policy, self.rng
        places = fam.place[rows]
        fam.set_state(rows, S.APPREHENDED_US)
        self._reached_us(rows, t)
        people = fam.size[rows]
        if at_port:
            self.today["us_port_arrivals_families"] += len(rows)
            self.today["us_port_arrivals_people"] += people.sum()
            self._place_count("us_port_arrivals_families", places)
        else:
            self.today["us_apprehensions_families"] += len(rows)
            self.today["us_apprehensions_people"] += people.sum()
            self._place_count("us_apprehensions_families", places)
            self._place_count("us_apprehensions_people", places, people)
        self.holding += np.bincount(places, minlength=len(self.holding))
        # Overcrowded stations release faster, in proportion to how full they are.
        crowding = np.maximum(1.0, self.holding[places] / pol.holding_capacity[places])
        mean = pol.processing_days / crowding
        days = 1 + rng.poisson(np.maximum(mean - 1, 0))
        self._schedule(rows, t + days)

    def _reached_us(self, rows: np.ndarray, t: int) -> None:
        """Record the journey's length the first time a family reaches the US side."""
        fam = self.families
        first = rows[fam.journey_days[rows] < 0]
        fam.journey_days[first] = t - fam.departed[first]

    def _us_outcome(self, rows: np.ndarray, t: int) -> None:
        """End of holding: removed, returned to Mexico to wait, or released into the US."""
        if len(rows) == 0:
            return
        fam, b, pol, rng = self.families, self.behaviour, self.policy, self.rng
        places = fam.place[rows]
        self.holding -= np.bincount(places, minlength=len(self.holding))
        u = rng.random((3, len(rows)))
        barred = u[0] < pol.safe_third_country
        mpp = ~barred & (u[1] < pol.mpp_share[places]) & (fam.border_city[rows] >= 0)
        weak = 2 * b.removal_base * (1 - fam.claim[rows])
        removed = barred | (~mpp & (u[2] < weak))
        released = ~removed & ~mpp
        self._remove(rows[removed])
        r = rows[released]
        fam.set_state(r, S.RELEASED_US)
        self.today["us_releases"] += len(r)
        self.information.observe_outcomes(fam.origin[r], success=True)
        m = rows[mpp]
        fam.set_state(m, S.RETURNED_MPP)
        fam.place[m] = fam.border_city[m]
        self.today["mpp_returns"] += len(m)
        self.information.observe_outcomes(fam.origin[m], success=False)
        wait = 1 + rng.exponential(pol.mpp_mean_wait_days, len(m)).astype(np.int64)
        self._schedule(m, t + wait)

    def _remove(self, rows: np.ndarray) -> None:
        self.families.set_state(rows, S.REMOVED)
        self.today["us_removals"] += len(rows)
        self.information.observe_outcomes(self.families.origin[rows], success=False)

    def _mpp_hearing(self, rows: np.ndarray, t: int) -> None:
        if len(rows) == 0:
            return
        fam, b = self.families, self.behaviour
        granted = self.rng.random(len(rows)) < b.mpp_grant * (0.5 + fam.claim[rows])
        g = rows[granted]
        fam.set_state(g, S.RELEASED_US)
        self.today["us_releases"] += len(g)
        self.information.observe_outcomes(fam.origin[g], success=True)
        self._remove(rows[~granted])

    # -------------------------------------------------------------- waiting
    def _waiting_hazards(self, t: int, rows: np.ndarray | None = None) -> None:
        """Daily risks and choices of families waiting in Mexican border cities."""
        fam, b, rng, c = self.families, self.behaviour, self.rng, self.corridor
        if rows is None:
            rows = self._waiting_scan = fam.in_state(S.WAITING, S.RETURNED_MPP)
        u = rng.random((4, len(rows)))
        incident = u[0] < b.waiting_victimisation
        fam.incidents[rows[incident]] += 1
        self.today["victimisation_incidents"] += incident.sum()
        died = u[1] < b.waiting_death + incident * b.death_per_incident
        self._die(rows[died])
        rows, u = rows[~died], u.compress(~died, axis=1)
        give_up = u[2] < b.waiting_give_up
        # MPP families who give up go home, evade, or claim asylum in Mexico (equal odds).
        mpp = fam.state[rows] == S.RETURNED_MPP
        quit_mpp = rows[give_up & mpp]
        how = (u[3][give_up & mpp] * 3).astype(int)
        self._go_home(quit_mpp[how == 0], t, S.GAVE_UP)
        self._claim_asylum_mx(quit_mpp[how == 1])
        evade = quit_mpp[how == 2]
        sector_link = self._sector_link[fam.place[evade]]
        fam.evading[evade] = True
        self._start_links(evade[sector_link >= 0], sector_link[sector_link >= 0], t)
        self._go_home(evade[sector_link < 0], t, S.GAVE_UP)
        # Queued families go home, or cross between ports the longer the expected wait.
        in_queue = ~mpp & (fam.wait_reason[rows] == WAIT.METERING)
        queued, uq = rows[in_queue], u.compress(in_queue, axis=1)
        stays = uq[2] >= b.waiting_give_up
        self._go_home(queued[~stays], t, S.GAVE_UP)
        queued, uq = queued[stays], uq.compress(stays, axis=1)
        port = c.link_dst[fam.link[queued]]
        wait = self._port_wait[port]
        switch = uq[3] < 0.1 * wait / (wait + b.queue_switch_days)
        movers = queued[switch]
        sector_link = self._sector_link[fam.place[movers]]
        ok = sector_link >= 0
        fam.wait_reason[movers[ok]] = WAIT.NONE
        fam.evading[movers[ok]] = False
        self._start_links(movers[ok], sector_link[ok], t)

    # ------------------------------------------------------------ recording
    def _place_count(self, measure: str, places: np.ndarray, weights=None) -> None:
        counts = np.bincount(places, weights=weights, minlength=len(self.corridor.places))
        self._place_today[_PLACE_ROW[measure]] += counts

    def _record_day(self) -> None:
        fam, c = self.families, self.corridor
        counts = fam.counts
        self.today["in_transit"] = counts[S.TRAVELLING] + counts[S.AT_PLACE]
        self.today["waiting_total"] = counts[S.WAITING] + counts[S.RETURNED_MPP]
        self.today["mpp_waiting"] = counts[S.RETURNED_MPP]
        if self._waiting_scan is None:
            waiting = fam.in_state(S.WAITING, S.RETURNED_MPP)
        else:  # families only leave waiting after the day's scan: keep those still waiting
            waiting = self._waiting_scan
            state = fam.state[waiting]
            waiting = waiting[(state == S.WAITING) | (state == S.RETURNED_MPP)]
            self._waiting_scan = None
        n = len(c.places)
        reason = fam.wait_reason[waiting]
        metering = waiting[reason == WAIT.METERING]
        self.today["metering_queue"] = len(metering)
        self.today["shelter_waiting"] = int((reason == WAIT.SHELTER).sum())
        self.today["mx_detained"] = counts[S.DETAINED_MX]
        places = self.policy.detention_places
        self.today["mx_detention_capacity"] = places if np.isfinite(places) else np.nan
        self.today["us_holding"] = counts[S.APPREHENDED_US]
        cap = self.policy.holding_capacity[self._us_side].sum()
        self.today["us_holding_capacity"] = cap if np.isfinite(cap) else np.nan
        pt, row = self._place_today, _PLACE_ROW
        pt[row["waiting"]] += np.bincount(fam.place[waiting], minlength=n)
        pt[row["metering_queue"]] += np.bincount(fam.place[metering], minlength=n)
        mpp = waiting[fam.state[waiting] == S.RETURNED_MPP]
        pt[row["mpp_waiting"]] += np.bincount(fam.place[mpp], minlength=n)
        pt[row["us_holding"]] += self.holding
        self._place_series.append(pt)
        self._new_place_day()
        # Expected metering wait at each port (queued families over the day's cap), for
        # tomorrow's decisions.
        queued = np.bincount(c.link_dst[fam.link[metering]], minlength=n)
        cap = np.minimum(self.policy.metering_cap, self.behaviour.us_port_capacity)
        self._port_wait = queued / np.maximum(cap, 1e-9)

    def _new_place_day(self) -> None:
        self._place_today = np.zeros((len(PLACE_MEASURES), len(self.corridor.places)))

    # ------------------------------------------------------------ public API
    def _make_agents(self) -> None:
        """Create the Family agents of families that have none yet.

        Agents are made when first asked for (``model.agents``, ``model.agents_by_type``),
        so a large run that never looks at individual families does not pay for a Python
        object per family; every family has its agent whenever anyone looks.
        """
        for row in range(self._agents_made, self.families.n):
            Family(self, row)
        self._agents_made = self.families.n

    @property
    def agents(self):
        """All families as Mesa agents (an AgentSet of :class:`~migsim.agents.Family`)."""
        self._make_agents()
        return super().agents

    @property
    def agents_by_type(self):
        """Agents by type, as in Mesa (here: only ``Family``)."""
        self._make_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Agent types in the model, as in Mesa."""
        self._make_agents()
        return super().agent_types

    @property
    def families_created(self) -> int:
        """Families that have entered the simulation so far."""
        return self.families.n

    def state_counts(self) -> dict[str, int]:
        """Families in each state now."""
        return self.families.state_counts()

    def results(self):
        """The run's results as tidy pandas frames (see :class:`migsim.results.Results`)."""
        from migsim.results import Results

        return Results.from_model(self)


def _reader(name: str):
    def read(model: MigrationModel) -> float:
        return float(model.today[name])

    return read


def _state_reader(state: FamilyState):
    def read(model: MigrationModel) -> int:
        return int(model.families.counts[state])

    return read


def _km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))
