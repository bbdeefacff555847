"""The "watch it" mode: both runs stepped day by day, with a live corridor map per run.

:class:`Classroom` holds one or two :class:`~migsim.model.MigrationModel` runs on the same
seed, stepped together (a Mesa model of models); :func:`map_png` draws a run's map of the day:
the past week's flows, families moving and waiting, and where levers are in force.
"""

from __future__ import annotations

import datetime as dt
import io
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
from migsim.viz.animation import LiveMap, key_png, model_frame
from migsim.viz.basemap import Extent
from migsim.viz.maps import MAP_EXTENT

S = FamilyState
SIDES = ("Left", "Right")
IMAGE_DPI = 100
# How the maps are laid out: (inches wide, font size). At IMAGE_DPI an image is drawn at the
# width it is shown at on a 1280-pixel-wide screen (two maps side by side, or one as wide as
# the page), so its text stays at least 10 pt on the screen.
LAYOUTS = {"side by side": (4.6, 10.0), "one under the other": (9.2, 11.0)}
KEY_FONTSIZE = 10.0
# Kinds of places named on a zoomed-in map, the first named first.
ZOOMED_NAMES = ("origin", "border_city", "crossing", "checkpoint", "city", "us_port")
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


def run_title(run: Run, side: str, width: int = 70) -> str:
    """The title of a run's map: which side and what was chosen, then any lever changes.

    ``width`` is the most characters the second line may take.
    """
    title = f"{side}: {run.choice}"
    if run.note:
        title += f"\n{_shorten(run.note, width)}"
    return title


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _live_map(folder: str, layout: str = "side by side", extent: Extent = MAP_EXTENT) -> LiveMap:
    """The map drawer of a corridor, a layout and a view (drawn once per process)."""
    return _drawer(str(folder), layout, tuple(extent))


@cache
def _drawer(folder: str, layout: str, extent: Extent) -> LiveMap:
    width, fontsize = LAYOUTS[layout]
    graph = load_corridor(folder).graph
    labels = None if tuple(extent) == tuple(MAP_EXTENT) else places_in_view(graph, extent)
    return LiveMap(
        graph,
        width=width,
        dpi=IMAGE_DPI,
        fontsize=fontsize,
        legend=False,
        extent=extent,
        labels=labels,
    )


def places_in_view(graph, extent: Extent) -> list[str]:
    """The places within ``extent``, in the order a zoomed-in map names them (``ZOOMED_NAMES``)."""
    lon_min, lon_max, lat_min, lat_max = extent
    rank = {kind: i for i, kind in enumerate(ZOOMED_NAMES)}
    inside = [
        (rank.get(data.get("kind"), len(rank)), str(name))
        for name, data in graph.nodes(data=True)
        if lon_min <= float(data["lon"]) <= lon_max and lat_min <= float(data["lat"]) <= lat_max
    ]
    return [name for _, name in sorted(inside)]


@cache
def map_key_png(folder: str) -> bytes:
    """The key of the watch maps, one picture for both (drawn once per process)."""
    return key_png(load_corridor(folder).graph, dpi=IMAGE_DPI, fontsize=KEY_FONTSIZE, ncols=3)


def map_png(
    classroom: Classroom,
    index: int,
    layout: str = "side by side",
    extent: Extent = MAP_EXTENT,
) -> bytes:
    """The corridor map of one run as PNG: flows, families moving and waiting, enforcement.

    ``layout`` names one of ``LAYOUTS``; ``extent`` is what the map shows.
    """
    run = classroom.runs[index]
    model = run.model
    frame = model_frame(model)
    frame = replace(frame, caption=_map_caption(model, frame.caption, frame.per_dot))
    drawer = _live_map(str(model.corridor.folder), layout, extent)
    width, fontsize = LAYOUTS[layout]
    # About as many characters as the width holds at the title's size.
    characters = int(width * 72 / (0.55 * (fontsize + 1)))
    return drawer.render(
        frame,
        title=run_title(run, SIDES[index], characters),
        flow_top=classroom.flow_top,
        waiting_top=classroom.waiting_top,
    )


def with_key(picture: bytes, key: bytes) -> bytes:
    """A map with the key under it, as one PNG (for saving a map on its own)."""
    from PIL import Image

    top, bottom = (Image.open(io.BytesIO(data)).convert("RGB") for data in (picture, key))
    both = Image.new("RGB", (max(top.width, bottom.width), top.height + bottom.height), "white")
    both.paste(top, (0, 0))
    both.paste(bottom, (0, top.height))
    buffer = io.BytesIO()
    both.save(buffer, format="PNG")
    return buffer.getvalue()


def _map_caption(model: MigrationModel, date_text: str, per_dot: int) -> str:
    counts = model.families.counts
    reached = sum(counts[s] for s in REACHED_US)
    lines = [
        f"{date_text}: reached the US {reached:,}",
        f"on the way {counts[S.TRAVELLING] + counts[S.AT_PLACE]:,}"
        f" (1 dot ≈ {per_dot} famil{'y' if per_dot == 1 else 'ies'})",
        f"waiting in Mexico {counts[S.WAITING] + counts[S.RETURNED_MPP]:,}",
    ]
    return "\n".join(lines)
