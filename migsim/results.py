"""A run's results as tidy pandas frames, its summary table, and writing them to a folder.

Files written by :meth:`Results.write` (and ``migsim run``):

- ``daily.parquet``: one row a day, a column per series (see ``migsim.model.SERIES``) and per
  state (``state_<name>``, families in that state at the end of the day);
- ``place_series.parquet``: tidy ``date, place, kind, measure, value`` (waiting families per
  border city, apprehensions per sector and port, …), non-zero values only;
- ``link_flows.parquet``: tidy ``date, source, target, mode, families`` (families that set
  off along each link each day);
- ``journey_days.npy``: days from setting off to first reaching the US, per family that did;
- ``summary.csv``: the end-of-run summary table; ``scenario.yaml``: the exact scenario run,
  whose corridor is copied beside it into ``corridor/`` so the folder is self-contained;
- ``routes.png`` and ``series.png``.

:meth:`Results.read` loads such a folder back (for maps, animations and comparisons).

The folder is written in full or not at all (:mod:`migsim.outfolder`), and an existing folder
is replaced only if it holds nothing but a run's results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
import yaml

from migsim.agents import FamilyState
from migsim.corridor import LINK_MODES, PLACE_KINDS, Corridor, load_corridor
from migsim.outfolder import write_folder

if TYPE_CHECKING:
    from migsim.model import MigrationModel

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
    "corridor",
    "routes.png",
    "series.png",
    "compare_*.png",
    "animation.gif",
    "animation.mp4",
)


@dataclass
class Results:
    """Tidy frames of one run.

    Attributes:
        daily: Daily series indexed by date.
        place_series: Per-place daily measures (tidy).
        link_flows: Families setting off along each link each day (tidy).
        final_states: Families in each state at the end.
        journey_days: Days from departure to reaching the US, for families that did.
        scenario_yaml: The scenario that was run, as YAML.
        title: Scenario name and dates, for plots.
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
    model: MigrationModel | None = None

    @classmethod
    def from_model(cls, model: MigrationModel) -> Results:
        """Collect the results of a model that has run."""
        from migsim.model import PLACE_MEASURES

        c = model.corridor
        days = model.day
        dates = pd.date_range(model.spec.start, periods=days, freq="D", name="date")
        daily = model.datacollector.get_model_vars_dataframe().iloc[:days].copy()
        daily.index = dates
        if days:
            cube = np.stack(model._place_series)  # (day, measure, place)
        else:
            cube = np.zeros((0, len(PLACE_MEASURES), len(c.places)))
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
        fam = model.families
        journeys = fam.journey_days[: fam.n]
        end = model.spec.start + dt.timedelta(days=max(days - 1, 0))
        title = f"{model.spec.name}: {model.spec.start:%d %b %Y} – {end:%d %b %Y}"
        return cls(
            daily=daily,
            place_series=place_series,
            link_flows=link_flows,
            final_states=model.state_counts(),
            journey_days=journeys[journeys >= 0].astype(int),
            families_created=fam.n,
            scenario_yaml=model.spec.to_yaml(corridor="corridor"),
            title=title,
            graph=c.graph,
            model=model,
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
        daily = pd.read_parquet(folder / "daily.parquet")
        scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
        corridor = load_corridor(folder / scenario["corridor"])
        states = {s.label: int(daily[f"state_{s.label}"].iloc[-1]) for s in S} if len(daily) else {}
        journeys = folder / "journey_days.npy"
        start, end = (daily.index[0], daily.index[-1]) if len(daily) else (None, None)
        title = (
            f"{scenario['name']}: {start:%d %b %Y} – {end:%d %b %Y}" if start else scenario["name"]
        )
        return cls(
            daily=daily,
            place_series=pd.read_parquet(folder / "place_series.parquet"),
            link_flows=pd.read_parquet(folder / "link_flows.parquet"),
            final_states=states,
            journey_days=np.load(journeys) if journeys.is_file() else np.zeros(0, dtype=int),
            families_created=int(sum(states.values())),
            scenario_yaml=(folder / "scenario.yaml").read_text(encoding="utf-8"),
            title=title,
            graph=corridor.graph,
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

    def summary(self) -> pd.DataFrame:
        """The end-of-run summary: one row per figure, with its value and what it means."""
        d = self.daily
        total = d.sum(numeric_only=True)
        created = self.families_created
        reached = len(self.journey_days)
        rows = [
            ("families created", created, "families that set off at least once"),
            ("departures", total.get("departures", 0), "all departures, including new attempts"),
            (
                "smuggled departures",
                total.get("smuggled_departures", 0),
                "departures with a smuggler",
            ),
            (
                "Mexican apprehensions",
                total.get("mx_apprehensions", 0),
                "families stopped in Mexico (detained, or released with an exit permit)",
            ),
            ("turned back at the southern border", total.get("turned_back", 0), "families"),
            ("deportations from Mexico", total.get("deportations", 0), "families"),
            ("asylum claims in Mexico", total.get("asylum_claims_mx", 0), "families (COMAR)"),
            (
                "US Border Patrol apprehensions",
                total.get("us_apprehensions_families", 0),
                "families, between ports",
            ),
            ("  in people", total.get("us_apprehensions_people", 0), "people in family units"),
            (
                "US port arrivals",
                total.get("us_port_arrivals_families", 0),
                "families processed at ports",
            ),
            ("released into the US", total.get("us_releases", 0), "families"),
            ("returned to Mexico (MPP)", total.get("mpp_returns", 0), "families"),
            ("removed from the US", total.get("us_removals", 0), "families"),
            ("evaded Border Patrol", total.get("evaded", 0), "families"),
            ("gave up", total.get("gave_up", 0), "families turning home"),
            (
                "victimisation incidents",
                total.get("victimisation_incidents", 0),
                "crimes suffered by families",
            ),
            ("deaths", total.get("deaths", 0), "families in which someone died (counted once)"),
            ("smuggler revenue", total.get("smuggler_revenue_usd", 0), "USD"),
            ("share reaching the US", reached / created if created else 0.0, "of families created"),
            (
                "mean journey",
                self.journey_days.mean() if reached else float("nan"),
                "days, departure to US",
            ),
            (
                "peak metering queue",
                d["metering_queue"].max() if len(d) else 0,
                "families waiting at ports",
            ),
            (
                "peak waiting under MPP",
                d["mpp_waiting"].max() if len(d) else 0,
                "families in Mexico",
            ),
            (
                "peak US holding",
                d["us_holding"].max() if len(d) else 0,
                "families in Border Patrol custody",
            ),
            ("peak Mexican detention", d["mx_detained"].max() if len(d) else 0, "families"),
        ]
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

    def write(self, out: str | Path, *, plots: bool = True) -> Path:
        """Write every output to ``out``, all at once or not at all.

        An existing ``out`` is replaced only if it holds nothing but a run's results (see
        :data:`RUN_FILES`); otherwise :class:`~migsim.errors.InputError` says so.
        """

        def fill(tmp: Path) -> None:
            self.daily.to_parquet(tmp / "daily.parquet")
            self.place_series.to_parquet(tmp / "place_series.parquet")
            self.link_flows.to_parquet(tmp / "link_flows.parquet")
            self.summary().to_csv(tmp / "summary.csv", index=False)
            (tmp / "scenario.yaml").write_text(self.scenario_yaml, encoding="utf-8")
            np.save(tmp / "journey_days.npy", self.journey_days)
            if self.graph is not None:
                Corridor(self.graph).write(tmp / "corridor")
            if plots:
                self.plot(tmp)

        return write_folder(out, fill, names=RUN_FILES, what="results")

    def plot(self, folder: str | Path) -> None:
        """Draw ``routes.png`` and ``series.png`` into a folder."""
        from migsim.scenario import Scenario
        from migsim.viz.maps import enforcement_over_run, plot_routes
        from migsim.viz.series import plot_series

        folder = Path(folder)
        if self.graph is not None:
            scenario = Scenario.model_validate(yaml.safe_load(self.scenario_yaml))
            plot_routes(
                self.graph,
                self.link_totals(),
                waiting=self.waiting_at_end(),
                enforcement=enforcement_over_run(scenario, Corridor(self.graph)),
                title=f"Family flows — {self.title}",
                path=folder / "routes.png",
            )
        plot_series(self.daily, title=self.title, path=folder / "series.png")
