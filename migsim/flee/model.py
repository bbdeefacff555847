"""Flee's published default movement rules, as a small vectorised Mesa model.

This is the ``flee`` rule set: it runs a :class:`~migsim.interop.flee.FleeScenario` the way Flee
(Suleimenova, Bell & Groen 2017, *A generalized simulation development approach for predicting
refugee destinations*, Scientific Reports 7:13377) does, with one agent per person. The agents'
hot state is three numpy arrays (location, route being travelled, km travelled on it) and every
rule is applied to all agents at once, location by location. One step is one day:

1. **Conflicts and closures.** A location is a conflict zone while its intensity in
   ``conflicts.csv`` is above 0 (without that file: from its ``conflict_date`` on). Closures in
   force close routes (``link``), every route of a location (``location``), every route between
   two countries (``country``), turn a camp into a town (``camp``, ``idpcamp``) or lift a forced
   redirection (``remove_forced_redirection``). A row's reopening sets what it reopens, as in
   Flee: the location becomes a camp, the route is forced (see
   :class:`~migsim.interop.flee.FleeClosure`).
2. **Spawning.** New agents = the day's increase in the observed total (linear between observed
   dates, rounded down); a decrease is carried as a debt that later increases pay off first.
   They appear in today's conflict zones, chosen with probability population × intensity. On
   day 0 each camp starts with its observed day-0 population (Flee's ``insert_day0``).
3. **Leaving.** An agent at location *l* leaves with probability ``p(l)``: conflict zone 1.0,
   camp 0.001, IDP camp 0.1, forwarding hub or marker 1.0, any other town 0.3.
4. **Where to.** It takes open route *r* from *l* to *d* with probability
   ``w_r / sum(w)``, where ``w_r = score(d) / (softening + distance_r) × capacity(d)``:
   ``score`` is 2 for a camp, 0.25 for a conflict zone (0.25 ** intensity where
   ``conflicts.csv`` gives an intensity below 1) and 1 elsewhere (awareness level 1; level
   0 uses 1 everywhere, levels 2 and 3 the distance-weighted mean score of the neighbours, and of
   their neighbours, and -1 drops distance too). ``capacity(d)`` is 1 while the camp holds at
   most ``buffer × C`` agents (C = capacity × scaling, buffer 0.9), falls linearly to 0 at C and
   stays 0 above. If every open route weighs 0 the choice is uniform. A route with a forced
   redirection out of *l* is taken whenever its end is not full.
5. **Travel.** An agent covers up to ``max_move_speed`` km a day (200). A route that fits in
   what is left of the day is finished, and the agent then decides again at its end (steps 3 and
   4) with the distance left; a longer one is continued the next day.

Randomness comes only from the model's seeded generator (``self.rng``). What differs from Flee is
listed in ``docs/flee.md``.
"""

from __future__ import annotations

import time

import mesa
import numpy as np

from migsim.errors import InputError
from migsim.flee.results import FleeResults, averaged_relative_difference
from migsim.flee.rules import FleeRules
from migsim.interop.flee import FleeClosure, FleeScenario, ValidationData
from migsim.limits import MAX_FLEE_AGENTS

# Slices of [0, 1) in the lookup table that turns a uniform number into a route.
_BINS = 64


class FleeModel(mesa.Model):
    """A Flee scenario run with Flee's movement rules, one agent per person, a day a step.

    Args:
        scenario: The scenario.
        validation: Observed total (drives spawning) and camp populations.
        rules: The rule parameters (default: the published ones).
        seed: Random seed.
        days: Days to simulate (default: the scenario's length).

    Attributes:
        day: Days simulated so far.
        n: Agents created so far.
        location: Each agent's location (its last one while on a route).
        route: The directed route each agent is travelling (-1 at a location).
        travelled: Km travelled on that route.
        counts: Agents at each location (not on a route).
    """

    def __init__(
        self,
        scenario: FleeScenario,
        validation: ValidationData,
        rules: FleeRules | None = None,
        *,
        seed: int = 0,
        days: int | None = None,
    ) -> None:
        super().__init__(rng=seed)
        self.scenario_data = scenario
        self.validation = validation
        self.rules = (rules or FleeRules()).check()
        self.days = scenario.length if days is None else days
        self.day = 0
        self._build_network()
        self._spawn_plan = self._plan_spawning()
        self.camp_ids = np.array(scenario.camps, dtype=np.int64)
        observed_day0 = (
            validation.camp_table(scenario.camp_names, 1)[0]
            if self.rules.insert_day0
            else np.zeros(len(self.camp_ids))
        )
        capacity = int(observed_day0.sum() + self._spawn_plan.sum()) + 1
        if capacity > MAX_FLEE_AGENTS:
            raise InputError(
                validation.total.paths[0],
                f"the observed numbers make {capacity:,} agents (one a person), more than the "
                f"{MAX_FLEE_AGENTS:,} that fit in memory; simulate fewer days, or scale the "
                "numbers down",
            )
        self.location = np.zeros(capacity, dtype=np.int32)
        self.route = np.full(capacity, -1, dtype=np.int32)
        self.travelled = np.zeros(capacity, dtype=float)
        self.n = 0
        self.counts = np.zeros(self.n_locations, dtype=np.int64)
        self.pending = 0
        self.simulated = np.zeros((self.days, len(self.camp_ids)), dtype=np.int64)
        self.agents_per_day = np.zeros(self.days, dtype=np.int64)
        self.in_transit = np.zeros(self.days, dtype=np.int64)
        self.seconds = 0.0
        self._add_agents(np.repeat(self.camp_ids, observed_day0.astype(np.int64)))

    # -- set-up --------------------------------------------------------------------------------

    def _build_network(self) -> None:
        sc = self.scenario_data
        index = sc.index
        self.n_locations = n = len(sc.locations)
        src, dst, dist, forced = [], [], [], []
        for route in sc.routes:
            a, b = index[route.name1], index[route.name2]
            src += [a, b]
            dst += [b, a]
            dist += [route.distance, route.distance]
            forced += [route.forced_redirection == 2, route.forced_redirection == 1]
        self.route_src = np.array(src, dtype=np.int64)
        self.route_dst = np.array(dst, dtype=np.int64)
        self.route_km = np.array(dist, dtype=float)
        self._forced = np.array(forced, dtype=bool)
        out: list[list[int]] = [[] for _ in range(n)]
        for e, s in enumerate(src):
            out[s].append(e)
        width = max(1, max((len(o) for o in out), default=1))
        self._out = np.full((n, width), -1, dtype=np.int64)
        for i, o in enumerate(out):
            self._out[i, : len(o)] = o
        self._out_ok = self._out >= 0
        self._out_flat = self._out.ravel()
        self._out_safe = np.where(self._out_ok, self._out, 0)
        types = [loc.location_type for loc in sc.locations]
        self._type = np.array(types, dtype=object)
        self._is_camp = np.isin(self._type, ("camp", "idpcamp"))
        rules = self.rules
        chance = {
            "camp": rules.camp_move_chance,
            "idpcamp": rules.idpcamp_move_chance,
            "forwarding_hub": rules.forwarding_move_chance,
            "marker": rules.forwarding_move_chance,
        }
        self._base_chance = np.array([chance.get(t, rules.town_move_chance) for t in types])
        pop = np.array([loc.population for loc in sc.locations], dtype=float)
        self._population = pop
        cap = np.where(self._is_camp & (pop > 0), pop * rules.capacity_scaling, np.inf)
        self._capacity = cap
        country = np.array([loc.country for loc in sc.locations], dtype=object)
        # Closures as the routes or locations each one acts on.
        self._closures: list[tuple[FleeClosure, np.ndarray]] = []
        for c in sc.closures:
            if c.closure_type == "location":
                i = index[c.name1]
                ids = np.flatnonzero((self.route_src == i) | (self.route_dst == i))
            elif c.closure_type == "country":
                cs, cd = country[self.route_src], country[self.route_dst]
                ids = np.flatnonzero(
                    ((cs == c.name1) & (cd == c.name2)) | ((cs == c.name2) & (cd == c.name1))
                )
            elif c.closure_type == "link":
                a, b = index[c.name1], index[c.name2]
                ids = np.flatnonzero(
                    ((self.route_src == a) & (self.route_dst == b))
                    | ((self.route_src == b) & (self.route_dst == a))
                )
            elif c.closure_type == "remove_forced_redirection":
                a, b = index[c.name1], index[c.name2]
                ids = np.flatnonzero((self.route_src == a) & (self.route_dst == b))
            else:  # camp, idpcamp: the camp becomes a town while closed
                ids = np.array([index[c.name1]])
            self._closures.append((c, ids))

    def _plan_spawning(self) -> np.ndarray:
        """New agents for each day, from the observed total (they do not depend on the run)."""
        total = self.validation.total.at(np.arange(self.days, dtype=float))
        increase = np.zeros(self.days, dtype=np.int64)
        increase[1:] = np.diff(total).astype(np.int64)
        if not self.rules.insert_day0 and self.days:
            increase[0] = int(total[0])
        plan = np.zeros(self.days, dtype=np.int64)
        debt = 0
        for t, new in enumerate(increase):
            due = int(new) - debt
            if due < 0:
                debt, due = -due, 0
            else:
                debt = 0
            plan[t] = due
        return plan

    def _add_agents(self, locations: np.ndarray) -> None:
        k = len(locations)
        if k == 0:
            return
        end = self.n + k
        if end > len(self.location):  # not expected: the plan sized the arrays
            grow = max(end, 2 * len(self.location))
            self.location = np.resize(self.location, grow)
            self.route = np.concatenate([self.route, np.full(grow - len(self.route), -1, np.int32)])
            self.travelled = np.resize(self.travelled, grow)
        self.location[self.n : end] = locations
        self.route[self.n : end] = -1
        self.travelled[self.n : end] = 0.0
        self.n = end
        self.counts += np.bincount(locations, minlength=self.n_locations)

    def place(self, name: str, count: int) -> None:
        """Put ``count`` more agents at a location (for experiments beyond the observed total)."""
        index = self.scenario_data.index
        if name not in index:
            raise KeyError(f"no location named '{name}'")
        self._add_agents(np.full(count, index[name], dtype=np.int32))

    def agent_locations(self) -> list[str]:
        """Each agent's location name (its last location while on a route)."""
        names = [loc.name for loc in self.scenario_data.locations]
        return [names[i] for i in self.location[: self.n]]

    # -- one day -------------------------------------------------------------------------------

    def _today(self, day: int) -> None:
        """Set today's open routes, forced routes, move chances and route weights."""
        rules = self.rules
        is_open = np.ones(len(self.route_src), dtype=bool)
        forced = self._forced.copy()
        camp = self._is_camp.copy()
        camp_chance = self._base_chance.copy()
        states = [(c, ids, c.state(day)) for c, ids in self._closures]
        # Reopenings first, closures after: a place or route is closed while any row closes it.
        # Reopening a camp or a forced redirection sets it, as in Flee, even where the
        # scenario had none (a town then becomes a camp).
        for c, ids, state in states:
            if state != "reopened":
                continue
            if c.closure_type in ("camp", "idpcamp"):
                camp[ids] = True
                new = ids[~self._is_camp[ids]]
                idp = c.closure_type == "idpcamp"
                camp_chance[new] = rules.idpcamp_move_chance if idp else rules.camp_move_chance
            elif c.closure_type == "remove_forced_redirection":
                forced[ids] = True
        for c, ids, state in states:
            if state != "closed":
                continue
            if c.closure_type in ("camp", "idpcamp"):
                camp[ids] = False
            elif c.closure_type == "remove_forced_redirection":
                forced[ids] = False
            else:
                is_open[ids] = False
        intensity = self.scenario_data.conflict_intensity(day)
        conflict = intensity > 0
        chance = np.where(camp | ~self._is_camp, camp_chance, rules.town_move_chance)
        chance = np.where(camp | self._is_camp, chance, self._base_chance)
        self.move_chance = np.where(conflict, rules.conflict_move_chance, chance)
        score = np.where(camp, rules.camp_weight, 1.0) * np.where(
            conflict, rules.conflict_weight ** np.minimum(intensity, 1.0), 1.0
        )
        level = rules.awareness_level
        if level >= 2:
            score = self._spread(score, is_open, camp)
        if level == 3:
            score = self._spread(score, is_open, camp)
        if level == -1:
            weight = np.ones(len(self.route_src))
        elif level == 0:
            weight = 1.0 / (rules.softening + self.route_km)
        else:
            weight = score[self.route_dst] / (rules.softening + self.route_km)
        self._weight = np.where(is_open, weight, 0.0)
        self._open = is_open
        self._forced_today = forced & is_open
        self._intensity = intensity

    def _spread(self, score: np.ndarray, is_open: np.ndarray, camp: np.ndarray) -> np.ndarray:
        """Each location's distance-weighted mean score of its neighbours (camps keep theirs)."""
        inv = np.where(is_open, 1.0 / self.route_km, 0.0)
        num = np.bincount(self.route_src, weights=inv * score[self.route_dst], minlength=len(score))
        den = np.bincount(self.route_src, weights=inv, minlength=len(score))
        mixed = np.divide(num, den, out=score.astype(float).copy(), where=den > 0)
        return np.where(camp, score, mixed)

    def _spawn(self, day: int) -> None:
        due = int(self._spawn_plan[day]) + self.pending
        self.pending = 0
        if due <= 0:
            return
        zones = np.flatnonzero(self._intensity > 0)
        if zones.size == 0:
            self.pending = due
            return
        weight = self._population[zones] * self._intensity[zones]
        if weight.sum() <= 0:
            weight = self._intensity[zones]
        per_zone = self.rng.multinomial(due, weight / weight.sum())
        self._add_agents(np.repeat(zones, per_zone).astype(np.int32))

    def _capacity_factor(self) -> np.ndarray:
        """The attraction multiplier of each location from how full it is."""
        cap = self._capacity
        buffer = self.rules.capacity_buffer
        n = self.counts
        with np.errstate(invalid="ignore", divide="ignore"):
            if buffer < 1:
                factor = np.clip((cap - n) / (cap * (1 - buffer)), 0.0, 1.0)
            else:
                factor = (n < cap).astype(float)
        return np.where(np.isinf(cap), 1.0, factor)

    def _choose_routes(self, agents: np.ndarray) -> np.ndarray:
        """Send ``agents`` (all at locations) onto routes; return which of them left."""
        if agents.size == 0:
            return np.zeros(0, dtype=bool)
        factor = self._capacity_factor()[self.route_dst]
        weight = np.where(factor > 1e-6, self._weight * factor, 0.0)
        table = np.where(self._out_ok, weight[self._out_safe], 0.0)
        open_table = self._out_ok & self._open[self._out_safe]
        forced = open_table & self._forced_today[self._out_safe] & (factor[self._out_safe] > 1e-6)
        has_forced = forced.any(axis=1)
        if has_forced.any():
            table[has_forced] = 0.0
            rows = np.flatnonzero(has_forced)
            table[rows, forced[rows].argmax(axis=1)] = 1.0
        total = table.sum(axis=1)
        uniform = (total <= 0) & open_table.any(axis=1)
        table[uniform] = open_table[uniform]
        total = table.sum(axis=1)
        cdf = np.cumsum(table, axis=1) / np.where(total > 0, total, 1.0)[:, None]
        # Everything from the last route with weight on counts as 1, so rounding cannot pick a
        # route without weight (or padding).
        width = table.shape[1]
        last = width - 1 - np.argmax(table[:, ::-1] > 0, axis=1)
        cdf[np.arange(width)[None, :] >= last[:, None]] = 1.0
        here = self.location[agents]
        can = total[here] > 0
        movers = agents[can]
        here = here[can]
        u = self.rng.random(movers.size)
        # The route taken is the first whose cumulative weight exceeds u. A lookup table gives,
        # for each location and each of _BINS slices of [0, 1), the first route that can be it;
        # the few agents whose u lies past a route boundary within their slice step on.
        grid = np.arange(_BINS) / _BINS
        lookup = (cdf[:, None, :] <= grid[None, :, None]).sum(axis=2)
        pick = lookup[here, (u * _BINS).astype(np.intp)]
        flat_cdf = cdf.ravel()
        base = here * width
        while True:
            behind = flat_cdf[base + pick] <= u
            if not behind.any():
                break
            pick += behind
        self.route[movers] = self._out_flat[base + pick]
        self.travelled[movers] = 0.0
        self.counts -= np.bincount(here, minlength=self.n_locations)
        return can

    def step(self) -> None:
        """Simulate one day."""
        if self.day >= self.days:
            raise RuntimeError(f"the run is {self.days} days long; it is over")
        started = time.perf_counter()
        day = self.day
        self._today(day)
        self._spawn(day)
        speed = self.rules.max_move_speed
        at = np.flatnonzero(self.route[: self.n] < 0)
        leave = at[self.rng.random(at.size) < self.move_chance[self.location[at]]]
        self._choose_routes(leave)
        moving = np.flatnonzero(self.route[: self.n] >= 0)
        budget = np.full(moving.size, speed)
        while moving.size:
            routes = self.route[moving]
            need = self.route_km[routes] - self.travelled[moving]
            arrive = budget >= need - 1e-9
            still = moving[~arrive]
            self.travelled[still] += budget[~arrive]
            arrived = moving[arrive]
            left = budget[arrive] - need[arrive]
            ends = self.route_dst[routes[arrive]]
            self.location[arrived] = ends
            self.route[arrived] = -1
            self.travelled[arrived] = 0.0
            self.counts += np.bincount(ends, minlength=self.n_locations)
            # With distance left, an agent decides again at the end of its route.
            again = left > 1e-9
            arrived, left = arrived[again], left[again]
            draw = self.rng.random(arrived.size) < self.move_chance[self.location[arrived]]
            arrived, left = arrived[draw], left[draw]
            went = self._choose_routes(arrived)
            moving, budget = arrived[went], left[went]
        self.simulated[day] = self.counts[self.camp_ids]
        self.agents_per_day[day] = self.n
        self.in_transit[day] = self.n - int(self.counts.sum())
        self.day += 1
        self.seconds += time.perf_counter() - started

    def run(self) -> FleeResults:
        """Simulate the remaining days and return the results."""
        while self.day < self.days:
            self.step()
        return self.results()

    def results(self) -> FleeResults:
        """The results of the days simulated so far."""
        d = self.day
        sc = self.scenario_data
        observed = self.validation.camp_table(sc.camp_names, d)
        ard, daily = averaged_relative_difference(self.simulated[:d], observed)
        return FleeResults(
            name=sc.name,
            start=sc.start,
            camps=sc.camp_names,
            simulated=self.simulated[:d].copy(),
            observed=observed,
            ard=ard,
            daily_ard=daily,
            agents=self.agents_per_day[:d].copy(),
            in_transit=self.in_transit[:d].copy(),
            unplaced=self.pending,
            seconds=self.seconds,
            rules=self.rules,
            notes=[f"{name} (not read)" for name in sc.ignored] + sc.notes + self.validation.notes,
        )


def run_flee(
    scenario: FleeScenario,
    validation: ValidationData,
    rules: FleeRules | None = None,
    *,
    seed: int = 0,
    days: int | None = None,
) -> FleeResults:
    """Run a Flee scenario with the Flee rule set and score it against the validation data.

    Args:
        scenario: The scenario.
        validation: Its validation data.
        rules: Rule parameters (default: the published ones with ``simsetting.yml`` applied).
        seed: Random seed.
        days: Days to simulate (default: the scenario's length).
    """
    notes = [f"{name} (not read)" for name in scenario.ignored] + scenario.notes + validation.notes
    if rules is None:
        rules = FleeRules()
        if scenario.settings:
            rules, ignored = rules.with_settings(scenario.settings, scenario.settings_path or "")
            notes += [f"simsetting.yml: {key}" for key in ignored]
    results = FleeModel(scenario, validation, rules, seed=seed, days=days).run()
    results.notes = notes
    return results
