"""A run's results as tidy pandas frames, its summary table, and writing them to a folder.

Files written by :meth:`Results.write` (and ``migsim run``):

- ``daily.parquet``: one row a day, a column per series (see :data:`migsim.ledger.DAILY`) and per
  state (``state_<name>``, families in that state at the end of the day);
- ``place_series.parquet``: tidy ``date, place, kind, measure, value`` (waiting families per
  border city, apprehensions per sector and port, …), non-zero values only;
- ``link_flows.parquet``: tidy ``date, source, target, mode, families`` (families that set
  off along each link each day);
- ``journey_days.npy``: days from setting off to first reaching the US, per family that did
  during the recorded days; ``journeys.parquet``: the same with ``origin`` and ``mode``
  (alone, smuggler, caravan, express);
- ``summary.csv``: the end-of-run summary table; ``scenario.yaml``: the exact scenario run,
  whose corridor is copied beside it into ``corridor/`` so the folder is self-contained;
- ``routes.png`` and ``series.png``, drawn by :mod:`migsim.viz.pictures` when asked.

:meth:`Results.read` loads such a folder back (for maps, animations and comparisons).

The folder is written in full or not at all (:mod:`migsim.outfolder`), and an existing folder
is replaced only if it holds nothing but a run's results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import yaml

from migsim.corridor import LINK_MODES, PLACE_KINDS, Corridor, load_corridor
from migsim.families import FamilyState, TravelMode
from migsim.ledger import DAILY, PLACE_MEASURES, RUN, Measure
from migsim.outfolder import write_folder

S = FamilyState

# Everything migsim writes into a run's results folder (``migsim run``, ``map``, ``animate``):
# a folder holding anything else is a user's and is never replaced.
RUN_FILES: tuple[str, ...] = (
    "daily.parquet",
    "place_series.parquet",
    "link_flows.parquet",
    "summary.csv",
    "scenario.yaml",
    "journey_days.npy",
    "journeys.parquet",
    "corridor",
    "routes.png",
    "series.png",
    "compare_*.png",
    "animation.gif",
    "animation.mp4",
)


def _read_table(path: Path) -> pd.DataFrame:
    """A results table, or a message naming the damaged file and how to write it again."""
    from migsim.errors import DamagedFileError

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        fix = "run the scenario again ('migsim run --scenario FOLDER/scenario.yaml')"
        raise DamagedFileError(path, type(exc).__name__, fix) from None


def _reaching_us(model: mesa.Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """When each family first reached the US.

    Returns:
        Journey days (-1: not yet in the US), the day reached, and whether that was during the
        recorded days (not the spin-up).
    """
    fam = model.families
    days = fam.journey_days[: fam.n].astype(np.int64)
    reached = fam.departed[: fam.n].astype(np.int64) + days
    return days, reached, (days >= 0) & (reached >= model.clock - model.day)


def journeys_of(model: mesa.Model) -> pd.DataFrame:
    """Journeys that first reached the US during the recorded days (not the spin-up).

    Returns:
        One row a family: ``origin``, ``mode`` (its travel mode then), ``journey_days``, and
        for express families ``from_staging_days`` (-1 for the others).
    """
    fam, c = model.families, model.corridor
    days, reached, recorded = _reaching_us(model)
    rows = np.flatnonzero(recorded)
    modes = [m.name.lower() for m in TravelMode]
    boarded = fam.boarded[rows].astype(np.int64)
    return pd.DataFrame(
        {
            "origin": pd.Categorical.from_codes(fam.origin[rows], categories=c.places),
            "mode": pd.Categorical.from_codes(fam.mode[rows], categories=modes),
            "journey_days": days[rows],
            # express families: days from leaving the staging place to reaching the US
            "from_staging_days": np.where(boarded >= 0, reached[rows] - boarded, -1),
        }
    )


def reached_before_start(model: mesa.Model) -> int:
    """Families that first reached the US during the spin-up, before the recorded days."""
    days, _, recorded = _reaching_us(model)
    return int(((days >= 0) & ~recorded).sum())


REACHED_BEFORE = "families_reached_us_before_start"  # kept with the daily table


@dataclass
class Results:
    """Tidy frames of one run.

    Attributes:
        daily: Daily series indexed by date.
        place_series: Per-place daily measures (tidy).
        link_flows: Families setting off along each link each day (tidy).
        final_states: Families in each state at the end.
        journey_days: Days from departure to reaching the US, for families that did during the
            recorded days.
        journeys: The same journeys with each family's origin and travel mode (see
            :func:`journeys_of`).
        scenario_yaml: The scenario that was run, as YAML.
        title: Scenario name and dates, for plots.
        reached_before: Families that first reached the US during the spin-up (they are
            among ``families_created`` but not in ``journey_days``).
    """

    daily: pd.DataFrame
    place_series: pd.DataFrame
    link_flows: pd.DataFrame
    final_states: dict[str, int]
    journey_days: np.ndarray
    families_created: int
    scenario_yaml: str
    title: str
    graph: nx.DiGraph | None = None
    model: mesa.Model | None = None
    journeys: pd.DataFrame | None = None
    reached_before: int = 0

    @classmethod
    def from_model(cls, model: mesa.Model) -> Results:
        """Collect the results of a model that has run."""
        c = model.corridor
        days = model.day
        dates = pd.date_range(model.spec.start, periods=days, freq="D", name="date")
        daily = model.datacollector.get_model_vars_dataframe().iloc[:days].copy()
        daily.index = dates
        cube = model.ledger.place_cube(days)  # (day, measure, place)
        d, m, p = np.nonzero(cube)
        place_series = pd.DataFrame(
            {
                "date": dates[d] if days else pd.DatetimeIndex([]),
                "place": pd.Categorical.from_codes(p, categories=c.places),
                "kind": np.asarray(PLACE_KINDS, dtype=object)[c.kind[p]],
                "measure": pd.Categorical.from_codes(m, categories=list(PLACE_MEASURES)),
                "value": cube[d, m, p],
            }
        )
        flows = model.link_flows[:days]
        d, e = np.nonzero(flows)
        link_flows = pd.DataFrame(
            {
                "date": dates[d] if days else pd.DatetimeIndex([]),
                "source": pd.Categorical.from_codes(c.link_src[e], categories=c.places),
                "target": pd.Categorical.from_codes(c.link_dst[e], categories=c.places),
                "mode": np.asarray(LINK_MODES, dtype=object)[c.link_mode[e]],
                "families": flows[d, e],
            }
        )
        journeys = journeys_of(model)
        end = model.spec.start + dt.timedelta(days=max(days - 1, 0))
        title = f"{model.spec.name}: {model.spec.start:%d %b %Y} – {end:%d %b %Y}"
        return cls(
            daily=daily,
            place_series=place_series,
            link_flows=link_flows,
            final_states=model.state_counts(),
            journey_days=journeys["journey_days"].to_numpy(),
            families_created=model.families.n,
            journeys=journeys,
            scenario_yaml=model.spec.to_yaml(corridor="corridor"),
            title=title,
            graph=c.graph,
            model=model,
            reached_before=reached_before_start(model),
        )

    @classmethod
    def read(cls, folder: str | Path) -> Results:
        """Load a results folder written by :meth:`write` (or ``migsim run``).

        Raises:
            InputError: If the folder is not a complete results folder.
        """
        from migsim.errors import InputError

        folder = Path(folder)
        needed = ["daily.parquet", "place_series.parquet", "link_flows.parquet", "scenario.yaml"]
        missing = [name for name in needed if not (folder / name).is_file()]
        if missing:
            raise InputError(
                folder,
                f"is not a migsim results folder (missing {', '.join(missing)}); "
                "give a folder written by 'migsim run'",
            )
        daily = _read_table(folder / "daily.parquet")
        scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        corridor = load_corridor(folder / scenario["corridor"])
        states = {s.label: int(daily[f"state_{s.label}"].iloc[-1]) for s in S} if len(daily) else {}
        journeys = folder / "journey_days.npy"
        by_mode = folder / "journeys.parquet"
        start, end = (daily.index[0], daily.index[-1]) if len(daily) else (None, None)
        title = (
            f"{scenario['name']}: {start:%d %b %Y} – {end:%d %b %Y}" if start else scenario["name"]
        )
        return cls(
            daily=daily,
            place_series=_read_table(folder / "place_series.parquet"),
            link_flows=_read_table(folder / "link_flows.parquet"),
            final_states=states,
            journey_days=np.load(journeys) if journeys.is_file() else np.zeros(0, dtype=int),
            families_created=int(sum(states.values())),
            scenario_yaml=(folder / "scenario.yaml").read_text(encoding="utf-8"),
            title=title,
            graph=corridor.graph,
            journeys=_read_table(by_mode) if by_mode.is_file() else None,
            reached_before=int(daily.attrs.get(REACHED_BEFORE, 0)),
        )

    def link_totals(self) -> pd.DataFrame:
        """Families per link over the whole run: ``source, target, mode, families``."""
        if self.link_flows.empty:
            return pd.DataFrame(columns=["source", "target", "mode", "families"])
        return (
            self.link_flows.groupby(["source", "target", "mode"], observed=True)["families"]
            .sum()
            .reset_index()
            .query("families > 0")
            .reset_index(drop=True)
        )

    def waiting_at_end(self) -> pd.Series:
        """Families waiting at each place on the last day."""
        ps = self.place_series
        if ps.empty:
            return pd.Series(dtype=float)
        last = ps[(ps["measure"] == "waiting") & (ps["date"] == ps["date"].max())]
        return last.groupby("place", observed=True)["value"].sum()

    def run_figure(self, name: str) -> float:
        """One of the whole-run figures declared in :data:`migsim.ledger.RUN`."""
        created, reached = self.families_created, len(self.journey_days)
        if name == "families_created":
            return float(created)
        if name == "share_reaching_us":  # those already there when recording began left out
            still_to_go = created - self.reached_before
            return reached / still_to_go if still_to_go else 0.0
        if name == "mean_journey_days":
            return float(np.mean(self.journey_days)) if reached else float("nan")
        raise KeyError(name)

    def figure(self, measure: Measure) -> float:
        """A measure over the run: a flow's total, a stock's peak, or a whole-run figure."""
        if measure in RUN:
            return self.run_figure(measure.name)
        column = self.daily[measure.name] if len(self.daily) else pd.Series(dtype=float)
        if measure.kind == "stock":
            return float(column.max()) if len(column) else 0.0
        return float(column.sum())

    def summary(self) -> pd.DataFrame:
        """The end-of-run summary: one row per figure, with its value and what it means.

        The figures are the ledger's measures that have a summary label: whole-run figures,
        then flows (totals over the run), then stocks (their peak).
        """
        first, *rest = RUN
        flows = [m for m in DAILY if m.summary and m.kind == "flow"]
        stocks = [m for m in DAILY if m.summary and m.kind == "stock"]
        rows = [(m.summary, self.figure(m), m.meaning) for m in (first, *flows, *rest, *stocks)]
        return pd.DataFrame(rows, columns=["figure", "value", "meaning"])

    def format_summary(self) -> str:
        """The summary as an aligned text table, with the families in each state at the end."""
        table = self.summary()
        width = max(len(f) for f in table["figure"])
        lines = [self.title, ""]
        for figure, value, meaning in table.itertuples(index=False):
            if isinstance(value, float) and value < 1 and figure.startswith("share"):
                text = f"{value:.1%}"
            elif isinstance(value, float) and np.isnan(value):
                text = "–"
            else:
                text = (
                    f"{value:,.0f}"
                    if abs(value) >= 10 or float(value).is_integer()
                    else f"{value:.1f}"
                )
            lines.append(f"  {figure:<{width}}  {text:>14}  {meaning}")
        lines += ["", "Families by state at the end:"]
        for state, count in self.final_states.items():
            lines.append(f"  {state:<{width}}  {count:>14,}")
        lines.append(f"  {'total':<{width}}  {sum(self.final_states.values()):>14,}")
        return "\n".join(lines)

    def write(
        self, out: str | Path, *, pictures: Callable[[Results, Path], None] | None = None
    ) -> Path:
        """Write every output to ``out``, all at once or not at all.

        An existing ``out`` is replaced only if it holds nothing but a run's results (see
        :data:`RUN_FILES`); otherwise :class:`~migsim.errors.InputError` says so.

        Args:
            out: The results folder.
            pictures: Draws pictures into the folder as well (e.g.
                :func:`migsim.viz.pictures.draw_run`, which ``migsim run`` uses).
        """

        def fill(tmp: Path) -> None:
            daily = self.daily.copy()
            daily.attrs[REACHED_BEFORE] = self.reached_before
            daily.to_parquet(tmp / "daily.parquet")
            self.place_series.to_parquet(tmp / "place_series.parquet")
            self.link_flows.to_parquet(tmp / "link_flows.parquet")
            self.summary().to_csv(tmp / "summary.csv", index=False)
            (tmp / "scenario.yaml").write_text(self.scenario_yaml, encoding="utf-8")
            np.save(tmp / "journey_days.npy", self.journey_days)
            if self.journeys is not None:
                self.journeys.to_parquet(tmp / "journeys.parquet")
            if self.graph is not None:
                Corridor(self.graph).write(tmp / "corridor")
            if pictures is not None:
                pictures(self, tmp)

        return write_folder(out, fill, names=RUN_FILES, what="results")
