"""The pictures of a run's results folder: ``routes.png`` and ``series.png``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from migsim.corridor import Corridor
from migsim.results import Results
from migsim.scenario import Scenario
from migsim.viz.maps import enforcement_over_run, plot_routes
from migsim.viz.series import plot_series


def draw_run(results: Results, folder: str | Path, observed: pd.DataFrame | None = None) -> None:
    """Draw a run's route map and series into a folder.

    Args:
        results: The run's results.
        folder: Where ``routes.png`` and ``series.png`` go.
        observed: Monthly family-unit apprehensions, observed and simulated
            (:class:`migsim.calibration.compare.Comparison`), drawn below the series.
    """
    folder = Path(folder)
    if results.graph is not None:
        scenario = Scenario.model_validate(yaml.safe_load(results.scenario_yaml))
        plot_routes(
            results.graph,
            results.link_totals(),
            waiting=results.waiting_at_end(),
            enforcement=enforcement_over_run(scenario, Corridor(results.graph)),
            title=f"Family flows — {results.title}",
            path=folder / "routes.png",
        )
    plot_series(results.daily, title=results.title, path=folder / "series.png", observed=observed)
