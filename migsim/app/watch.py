"""The "watch it" mode: both runs stepped day by day, with a live corridor map per run.

:class:`Classroom` holds one or two :class:`~migsim.model.MigrationModel` runs on the same
seed, stepped together (a Mesa model of models); :func:`map_png` draws a run's map of the day:
the past week's flows, families moving and waiting, and where levers are in force.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import mesa
import numpy as np
import pandas as pd

from migsim.agents import FamilyState
from migsim.app.levers import (
    DEFAULT_FAMILIES_PER_YEAR,
    MY_SETTINGS,
    ONE_RUN,
    baseline_levels,
    describe_changes,
    model_at_scale,
    scenario_for,
)
from migsim.corridor import load_corridor
from migsim.model import MigrationModel
from migsim.viz.animation import LiveMap, model_frame

S = FamilyState
SIDES = ("Left", "Right")
IMAGE_DPI = 100
MAP_SIZE = (6.3, 6.3)
REACHED_US = (S.RELEASED_US, S.EVADED_US, S.APPREHENDED_US, S.CROSSED_US)
# Where the watching starts: the runs are simulated from the scenarios' start either way.
START_CHOICES = {
    "October 2018 (the start)": None,
    "May 2019 (a month before the agreement)": dt.date(2019, 5, 1),
}


@dataclass
class Run:
    """One run shown by the app.

    Attributes:
        choice: What was chosen (a preset's name or ``MY_SETTINGS``).
        model: The model being run.
        note: The lever changes of a ``MY_SETTINGS`` run (empty otherwise).
    """

    choice: str
    model: MigrationModel
    note: str = ""


class Classroom(mesa.Model):
    """One or two runs of the migration model on the same seed, stepped one day at a time.

    Args:
        left: The run on the left (a preset's name or ``"My lever settings"``).
        right: The run on the right, or ``"none (one run)"``.
        families_per_year: First departures a year in both runs.
        seed: The random seed of both runs.
        start_at: Where the display starts (a key of ``START_CHOICES``): the runs are
            simulated up to that day at once, without drawing.
        levers: The lever settings of ``"My lever settings"`` (a mapping, or an object whose
            ``value`` is one, such as the app's reactive settings).
        days: Days to simulate (default: the scenarios' year).
        scenario: Mesa's scenario object, passed by SolaraViz on reset (not used: the runs'
            scenarios come from ``left`` and ``right``).
    """

    def __init__(
        self,
        left: str = "Baseline 2019",
        right: str = "June 2019 agreement",
        families_per_year: float = DEFAULT_FAMILIES_PER_YEAR,
        seed: int = 1,
        start_at: str = next(iter(START_CHOICES)),
        levers: Any = None,
        days: int | None = None,
        scenario: Any = None,
    ) -> None:
        super().__init__(rng=int(seed))
        settings = dict(getattr(levers, "value", levers) or baseline_levels())
        self.settings = settings
        chosen = [left] if right == ONE_RUN else [left, right]
        self.runs = [self._run(c, settings, families_per_year, seed, days) for c in chosen]
        self.families_per_year = float(families_per_year)
        self.flow_top = self.families_per_year / 52 * 0.15
        self.waiting_top = max(self.families_per_year / 100, 50.0)
        self.day = 0
        self.last_day = min(run.model.spec.days for run in self.runs)
        first = START_CHOICES.get(start_at)
        if first is not None:
            start = self.runs[0].model.spec.start
            for _ in range(min(max((first - start).days, 0), self.last_day)):
                self.step()

    @staticmethod
    def _run(choice: str, settings, families_per_year, seed, days) -> Run:
        scenario = scenario_for(choice, settings)
        if days is not None:
            scenario = scenario.model_copy(update={"days": int(days)})
        model = model_at_scale(scenario, float(families_per_year), seed=int(seed))
        note = describe_changes(settings) if choice == MY_SETTINGS else ""
        return Run(choice, model, note)

    @property
    def date(self) -> dt.date:
        """The last simulated day (the day before the start if none yet)."""
        spec = self.runs[0].model.spec
        return spec.start + dt.timedelta(days=self.day - 1)

    def step(self) -> None:
        """Simulate one more day in every run."""
        if self.day >= self.last_day:
            self.running = False
            return
        for run in self.runs:
            run.model.step()
        self.day += 1
        for run in self.runs:
            m = run.model
            week = m.link_flows[max(0, m.day - 7) : m.day].sum(axis=0)
            self.flow_top = max(self.flow_top, float(_pair_max(m, week)))
            waiting = m.families.in_state(S.WAITING, S.RETURNED_MPP)
            if len(waiting):
                most = np.bincount(m.families.place[waiting]).max()
                self.waiting_top = max(self.waiting_top, float(most))
        if self.day >= self.last_day:
            self.running = False

    def daily(self) -> list[pd.DataFrame]:
        """Each run's daily series so far, indexed by date."""
        out = []
        for run in self.runs:
            frame = run.model.datacollector.get_model_vars_dataframe().iloc[: run.model.day]
            frame = frame.copy()
            frame.index = pd.date_range(run.model.spec.start, periods=len(frame), freq="D")
            out.append(frame)
        return out


def _pair_max(model: MigrationModel, flows: np.ndarray) -> float:
    """The largest flow on a link, both directions added together."""
    c = model.corridor
    low = np.minimum(c.link_src, c.link_dst).astype(np.int64)
    high = np.maximum(c.link_src, c.link_dst).astype(np.int64)
    key = low * len(c.places) + high
    _, inverse = np.unique(key, return_inverse=True)
    return float(np.bincount(inverse, weights=flows).max(initial=0))


def run_title(run: Run, side: str) -> str:
    """The title of a run's map: which side, what was chosen and any lever changes."""
    title = f"{side}: {run.choice}"
    if run.note:
        title += f"\n{_shorten(run.note, 70)}"
    return title


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@cache
def _live_map(folder: str) -> LiveMap:
    """The map drawer of a corridor (its unchanging layers are drawn once per process)."""
    return LiveMap(
        load_corridor(folder).graph, figsize=MAP_SIZE, dpi=IMAGE_DPI, fontsize=7.5, key_height=1.3
    )


def map_png(classroom: Classroom, index: int) -> bytes:
    """The corridor map of one run as PNG: flows, families moving and waiting, enforcement."""
    run = classroom.runs[index]
    model = run.model
    frame = model_frame(model)
    frame = replace(frame, caption=_map_caption(model, frame.caption, frame.per_dot))
    drawer = _live_map(str(model.corridor.folder))
    return drawer.render(
        frame,
        title=run_title(run, SIDES[index]),
        flow_top=classroom.flow_top,
        waiting_top=classroom.waiting_top,
    )


def _map_caption(model: MigrationModel, date_text: str, per_dot: int) -> str:
    counts = model.families.counts
    reached = sum(counts[s] for s in REACHED_US)
    lines = [
        date_text,
        f"on the way {counts[S.TRAVELLING] + counts[S.AT_PLACE]:,}"
        f" (1 dot ≈ {per_dot} famil{'y' if per_dot == 1 else 'ies'})",
        f"waiting in Mexico {counts[S.WAITING] + counts[S.RETURNED_MPP]:,}",
        f"reached the US {reached:,}",
    ]
    return "\n".join(lines)
