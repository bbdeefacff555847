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

import mesa
import numpy as np
import pandas as pd

from migsim.agents import Family
from migsim.border import Border
from migsim.corridor import Corridor, load_corridor
from migsim.costs import Costs
from migsim.departures import Departures
from migsim.errors import InputError
from migsim.families import FamilyState, FamilyTable, plain
from migsim.information import Information
from migsim.journey import Journey
from migsim.ledger import SERIES, Ledger
from migsim.lookup import place_id
from migsim.mexico import Mexico
from migsim.policies import PolicyState
from migsim.policies.tariff_threat import TariffThreat
from migsim.scenario import Scenario, load_scenario
from migsim.smuggling import Smuggling

S = plain(FamilyState)


class MigrationModel(mesa.Model):
    """Northern Triangle families travelling through Mexico towards the US, one step a day.

    The model sets up the corridor, the family table and the submodels, and orders the day;
    each submodel (a module named after its section of docs/odd.md) owns its rules.

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
        ledger: Today's figures and every day's per-place figures (:mod:`migsim.ledger`).
        costs, departures, smuggling, journey, mexico, border: The submodels.
        clock: Days simulated, the spin-up included; ``day``: days recorded since ``start``.
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
        # The run starts ``spinup_days`` before ``start``; days before ``start`` are simulated
        # but not recorded (a warm start). ``clock`` counts every simulated day, ``day`` the
        # recorded ones.
        self.first_date = scenario.start - dt.timedelta(days=scenario.spinup_days)
        self.clock = 0
        self.day = 0
        self.date = self.first_date
        n_places, n_links = len(self.corridor.places), len(self.corridor.links)
        self.ledger = Ledger(n_places)
        self.link_flows = np.zeros((max(scenario.days, 1), n_links), dtype=np.int32)
        self.policy = PolicyState.ordinary(self.corridor)
        self._policy_levels: list[float] | None = None  # lever intensities behind self.policy
        self._steady_until: dt.date | None = None  # no lever changes before this date
        self._tariff_pct = 0.0  # today's threatened tariff
        self._agents_made = 0
        self.decisions_taken = 0  # route, travel-mode and border choices made so far
        try:
            self.departures = Departures(self)
            self._setup_levers()
        except ValueError as exc:  # a place named by a lever is not in the corridor
            raise InputError(scenario.path or "scenario", str(exc), key="levers") from None
        self.information = Information(
            self.corridor, self.behaviour, self.rng, self.departures.diaspora
        )
        self.costs = Costs(self.corridor, self.behaviour, self._smuggler_crossings())
        self.smuggling = Smuggling(self)
        self.journey = Journey(self)
        self.mexico = Mexico(self)
        self.border = Border(self)
        self._spare_flows = np.zeros(n_links, dtype=np.int32)  # link flows of spin-up days
        self.datacollector = DailyCollector()
        for _ in range(scenario.spinup_days):
            self._simulate_day(record=False)
        self.families_at_start = self.families.n  # on the road or home again at ``start``

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

    def _smuggler_crossings(self) -> np.ndarray | None:
        """Place ids of the border cities named in ``behaviour.smuggler_crossings``."""
        names = self.behaviour.smuggler_crossings
        if names is None:
            return None
        what, key = ("a border city", "border cities"), "behaviour.smuggler_crossings"
        return np.array(
            [place_id(self.corridor, n, "border_city", what, key, self.spec) for n in names],
            dtype=int,
        )

    # ----------------------------------------------------------------- the day
    def step(self) -> None:
        """Simulate and record one day, in the order of docs/odd.md section 3."""
        if self.day >= len(self.link_flows):  # stepped past the scenario's days: keep going
            self.link_flows = np.concatenate([self.link_flows, np.zeros_like(self.link_flows)])
        self._simulate_day(record=True)
        self.datacollector.collect(self)
        self.day += 1

    def _simulate_day(self, *, record: bool) -> None:
        """One day of the model; ``record`` files its figures (days of the spin-up do not)."""
        t = self.clock
        self.date = self.first_date + dt.timedelta(days=t)
        self.ledger.open_day()
        self._spare_flows[:] = 0
        self.journey.flows_today = self.link_flows[self.day] if record else self._spare_flows
        self.policy = self._policy_for(self.date)
        self.information.announce(self.policy.announced_cut())
        self.costs.update(self.policy, self.information.interdiction, self.border.port_wait)
        self.departures.depart(t)
        self.journey.process_events(t)
        self.border.serve_metering(t)
        self.mexico.deport(t)
        self.border.waiting_day(t)
        self.information.end_day()
        self._record_day(keep=record)
        self.clock += 1

    def _policy_for(self, today: dt.date) -> PolicyState:
        # No lever's schedule changes before ``_steady_until``: yesterday's tariff and policy
        # state stand without asking every lever again.
        if self._steady_until is not None and today < self._steady_until:
            self.ledger.set("tariff_pct", self._tariff_pct)
            return self.policy
        untils = [lever.steady_until(today) for lever in self.levers]
        self._steady_until = min((d for d in untils if d is not None), default=dt.date.max)
        self._tariff_pct = max((t.tariff_pct(today) for t in self._tariffs), default=0.0)
        self.ledger.set("tariff_pct", self._tariff_pct)
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

    def _record_day(self, *, keep: bool) -> None:
        """The day's stocks: families by where they are, detention, custody."""
        counts, ledger = self.families.counts, self.ledger
        ledger.set("in_transit", counts[S.TRAVELLING] + counts[S.AT_PLACE])
        ledger.set("waiting_total", counts[S.WAITING] + counts[S.RETURNED_MPP])
        ledger.set("mpp_waiting", counts[S.RETURNED_MPP])
        ledger.set("mx_detained", counts[S.DETAINED_MX])
        places = self.policy.detention_places
        ledger.set("mx_detention_capacity", places if np.isfinite(places) else np.nan)
        ledger.set("us_holding", counts[S.APPREHENDED_US])
        self.border.record_day()
        ledger.close_day(keep=keep)

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


class DailyCollector(mesa.DataCollector):
    """Mesa's DataCollector of the daily series, filled from the ledger.

    It has the model reporters it always had (every ledger measure, then ``state_*``: families
    in each state), but :meth:`collect` keeps the day's ledger row and state counts as they
    are, two arrays, instead of calling ~55 reporters; ``model_vars`` and
    :meth:`get_model_vars_dataframe` give the same values as reporters would.
    """

    def __init__(self) -> None:
        reporters = {name: _reader(name) for name in SERIES}
        reporters.update({f"state_{s.label}": _state_reader(s) for s in FamilyState})
        self._figures: list[np.ndarray] = []
        self._states: list[np.ndarray] = []
        super().__init__(model_reporters=reporters)

    @property
    def model_vars(self) -> dict[str, list]:
        """Each reporter's value on each day collected, as in Mesa."""
        return {name: column.tolist() for name, column in self._columns().items()}

    @model_vars.setter
    def model_vars(self, value: dict) -> None:  # Mesa's __init__ sets it; the rows are ours
        pass

    def _new_model_reporter(self, name, reporter) -> None:
        self.model_reporters[name] = reporter

    def collect(self, model: MigrationModel) -> None:
        """Keep the day's figures (the ledger's row, which the next day does not reuse)."""
        self._collection_steps.append(model.time)
        self._figures.append(model.ledger.today)
        self._states.append(model.families.counts.copy())

    def _columns(self) -> dict[str, np.ndarray]:
        n = len(self._figures)
        figures = np.array(self._figures).reshape(n, len(SERIES))
        states = np.array(self._states, dtype=np.int64).reshape(n, len(FamilyState))
        columns = {name: figures[:, i] for i, name in enumerate(SERIES)}
        columns.update({f"state_{s.label}": states[:, s] for s in FamilyState})
        return columns

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """The daily series, one column a reporter and one row a day collected."""
        if not self._figures:  # as Mesa makes it from empty lists
            return pd.DataFrame({name: [] for name in self.model_reporters})
        return pd.DataFrame(self._columns())


def _reader(name: str):
    def read(model: MigrationModel) -> float:
        return model.ledger[name]

    return read


def _state_reader(state: FamilyState):
    def read(model: MigrationModel) -> int:
        return int(model.families.counts[state])

    return read
