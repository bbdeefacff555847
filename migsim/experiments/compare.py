"""Comparing two scenarios: outcome means with 95% intervals, their difference, the key series.

Each scenario is run with the same replicate seeds; the difference B − A is taken seed by seed.

A comparison is an experiment with two scenarios and no parameters, so it runs (and resumes)
like any other; its folder also gets ``compare.csv`` and ``compare.png``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.errors import InputError
from migsim.experiments import stats
from migsim.experiments.report import plot_series
from migsim.experiments.runner import RunSummary, run_experiment
from migsim.experiments.spec import Experiment, build_experiment
from migsim.experiments.store import write_text
from migsim.outcomes import OUTCOMES

KEY_SERIES = (
    "us_apprehensions_people", "mx_apprehensions_people", "asylum_claims_mx", "mpp_waiting",
    "metering_queue", "deaths",
)  # fmt: skip


def labels(a: Path, b: Path) -> tuple[str, str]:
    """Labels of two scenario files: their names, told apart if they are the same."""
    if a.stem != b.stem:
        return a.stem, b.stem
    return f"{a.stem} (A)", f"{b.stem} (B)"


def comparison_experiment(
    a: str | Path,
    b: str | Path,
    *,
    replicates: int = 10,
    base_seed: int = 1,
    days: int | None = None,
    families_per_year: float | None = None,
) -> Experiment:
    """An experiment running two scenario files with the same seeds.

    Raises:
        InputError: If a scenario file is missing or invalid.
    """
    from migsim.scenario import load_scenario

    paths = [Path(a).resolve(), Path(b).resolve()]
    for given, path in zip((a, b), paths, strict=True):
        if not path.is_file():
            raise InputError(given, "scenario file not found; give the path of a scenario YAML")
    names = [load_scenario(path).name for path in paths]
    label_a, label_b = labels(*paths)
    data: dict[str, Any] = {
        "name": f"{names[0]} vs {names[1]}",
        "scenarios": {label_a: str(paths[0]), label_b: str(paths[1])},
        "replicates": replicates,
        "base_seed": base_seed,
        "days": days,
        "families_per_year": families_per_year,
        "outcomes": list(OUTCOMES),
        "monthly": list(KEY_SERIES),
    }
    experiment = build_experiment({k: v for k, v in data.items() if v is not None}, Path.cwd())
    experiment.path = None  # built from the command line, not from a file
    return experiment


def _number(value: float) -> str:
    if value is None or math.isnan(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _cell(mean: float, low: float, high: float) -> str:
    if math.isnan(low):
        return _number(mean)
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def format_comparison(table: pd.DataFrame, label_a: str, label_b: str, title: str) -> str:
    """The comparison as an aligned text table."""
    rows = [("outcome", f"A: {label_a}", f"B: {label_b}", "B − A (paired by seed)")]
    rows.append(("", "mean [95% interval]", "mean [95% interval]", "mean [95% interval]"))
    for r in table.itertuples():
        rows.append(
            (
                r.outcome,
                _cell(r.a_mean, r.a_low, r.a_high),
                _cell(r.b_mean, r.b_low, r.b_high),
                _cell(r.diff_mean, r.diff_low, r.diff_high),
            )
        )
    widths = [max(len(row[k]) for row in rows) for k in range(4)]
    lines = [title, ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[k]) for k, cell in enumerate(row)).rstrip())
    return "\n".join(lines)


def compare_scenarios(
    experiment: Experiment, out: str | Path, **options: Any
) -> tuple[RunSummary, pd.DataFrame, str]:
    """Run a comparison experiment and write ``compare.csv`` and ``compare.png`` beside it.

    Args:
        experiment: From :func:`comparison_experiment`.
        out: The results folder.
        **options: Passed to :func:`~migsim.experiments.runner.run_experiment`.

    Returns:
        The run summary, the comparison table and its text.
    """
    out = Path(out)
    summary = run_experiment(experiment, out, **options)
    label_a, label_b = list(experiment.scenarios)
    table = stats.compare(summary.table, list(experiment.outcomes), label_a, label_b)
    write_text(out / "compare.csv", table.to_csv(index=False))
    runs = stats.ok_runs(summary.table)
    counts = runs.groupby("scenario").size()
    seeds = f"seeds {experiment.base_seed}–{experiment.base_seed + experiment.replicates - 1}"
    title = (
        f"{experiment.name}: {counts.get(label_a, 0)} and {counts.get(label_b, 0)} runs "
        f"({seeds}), {int(runs['days'].iloc[0]) if len(runs) else '?'} days, "
        f"{_number(float(runs['families_per_year'].iloc[0])) if len(runs) else '?'} "
        "families a year"
    )
    plot_series(summary.table, out / "compare.png", experiment.name, [label_a, label_b])
    return summary, table, format_comparison(table, label_a, label_b, title)
