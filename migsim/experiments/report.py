"""Plots and tables of a finished experiment (``migsim experiment report`` and ``compare``).

Written to ``OUT/report/``:

- ``series.png``: each monthly measure over time, one line per scenario (mean over runs) with a
  band for its 95% interval;
- ``summary.csv``: mean, 95% interval and runs of every outcome per scenario (and design point
  for sweeps);
- grid and Latin hypercube designs: ``sweep_<outcome>.png``, the outcome of every run against
  each parameter with the mean at each value, and for a two-parameter grid
  ``grid_<outcome>.png``, a heat map of means;
- Sobol designs: ``sobol_<outcome>.png`` (S1 and ST bars with 95% intervals) and ``sobol.csv``;
- Morris designs: ``morris_<outcome>.png`` (μ* against σ) and ``morris.csv``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from migsim.errors import InputError
from migsim.experiments import stats
from migsim.experiments.store import read_results, write_text
from migsim.outcomes import OUTCOMES

DPI = 120
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2")


def _label(outcome: str) -> str:
    meaning = OUTCOMES.get(outcome, (None, ""))[1]
    return f"{outcome}\n({meaning})" if meaning else outcome


def _grid(n: int, width: float = 5.2, height: float = 3.6) -> tuple[Figure, list]:
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def plot_series(
    table: pd.DataFrame, path: Path, title: str, groups: list[str] | None = None
) -> Path | None:
    """Monthly measures with 95% bands, one line per scenario; None if there are none."""
    measures = stats.monthly_columns(table)
    if not measures:
        return None
    runs = stats.ok_runs(table)
    groups = groups or list(dict.fromkeys(runs["scenario"]))
    fig, axes = _grid(len(measures))
    for ax, (measure, columns) in zip(axes, measures.items(), strict=True):
        months = pd.PeriodIndex(
            [stats.MONTHLY_COLUMN.match(c)["month"] for c in columns], freq="M"
        ).to_timestamp()
        for k, group in enumerate(groups):
            mine = runs["scenario"] == group
            values = runs.loc[mine, columns]
            # Monthly measures are counts: a band never goes below zero.
            bands = np.maximum(np.array([stats.interval(values[c]) for c in columns]), 0.0)
            colour = COLOURS[k % len(COLOURS)]
            points = runs.loc[mine, "point"].nunique() if "point" in runs else 1
            # Runs of several design points pool their settings: the band spans the design too.
            over = f" over {points} design points" if points > 1 else ""
            ax.plot(months, bands[:, 0], color=colour, marker="o", ms=3,
                    label=f"{group} (n={len(values)}{over})")  # fmt: skip
            if len(values) > 1:
                ax.fill_between(months, bands[:, 1], bands[:, 2], color=colour, alpha=0.2)
        ax.set_title(measure.replace("_", " "))
        ax.grid(alpha=0.3)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        ax.tick_params(axis="x", labelrotation=30)
        ax.legend(fontsize=8)
    fig.suptitle(f"{title}\nmonthly mean over runs; bands: 95% interval of the mean")
    fig.savefig(path, dpi=DPI)
    return path


def plot_sweep(table: pd.DataFrame, meta: dict, outcome: str, path: Path) -> Path:
    """An outcome against each varied parameter: every run, and the mean at each value."""
    runs = stats.ok_runs(table)
    params = meta["parameters"]
    fig, axes = _grid(len(params), 4.6, 3.4)
    for ax, param in zip(axes, params, strict=True):
        for k, (label, group) in enumerate(runs.groupby("scenario", sort=False)):
            colour = COLOURS[k % len(COLOURS)]
            ax.scatter(group[param], group[outcome], s=10, alpha=0.45, color=colour)
            if meta["method"] == "grid":
                means = group.groupby(param)[outcome].mean()
                ax.plot(means.index, means.to_numpy(), color=colour, marker="o", label=label)
            else:
                ax.scatter([], [], color=colour, label=label)
        ax.set_xlabel(param)
        ax.set_ylabel(outcome)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{meta['name']}: {_label(outcome)}")
    fig.savefig(path, dpi=DPI)
    return path


def plot_grid(table: pd.DataFrame, meta: dict, outcome: str, path: Path) -> Path:
    """A heat map of an outcome's mean over a two-parameter grid (first scenario)."""
    runs = stats.ok_runs(table)
    runs = runs[runs["scenario"] == runs["scenario"].iloc[0]]
    x, y = meta["parameters"]
    means = runs.pivot_table(index=y, columns=x, values=outcome, aggfunc="mean")
    fig = Figure(figsize=(6.4, 5.0), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(means.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(means.columns)), [f"{v:g}" for v in means.columns])
    ax.set_yticks(range(len(means.index)), [f"{v:g}" for v in means.index])
    grid = means.to_numpy()
    middle = (np.nanmin(grid) + np.nanmax(grid)) / 2
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, f"{value:,.0f}" if abs(value) >= 10 else f"{value:.2g}", ha="center",
                va="center", color="black" if value > middle else "white", fontsize=8)  # fmt: skip
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(image, ax=ax, label=f"mean {outcome}")
    fig.suptitle(f"{meta['name']}: {_label(outcome)}")
    fig.savefig(path, dpi=DPI)
    return path


def plot_sobol(indices: pd.DataFrame, title: str, path: Path) -> Path:
    """S1 and ST bars with their 95% intervals."""
    fig = Figure(figsize=(max(6.0, 0.7 * len(indices) + 2), 4.6), layout="constrained")
    ax = fig.subplots()
    at = np.arange(len(indices))
    ax.bar(
        at - 0.2, indices["S1"], 0.4, yerr=indices["S1_conf"], capsize=3, label="S1 (first order)"
    )
    ax.bar(at + 0.2, indices["ST"], 0.4, yerr=indices["ST_conf"], capsize=3, label="ST (total)")
    ax.set_xticks(at, indices["parameter"], rotation=35, ha="right", fontsize=8)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("Sobol index")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path, dpi=DPI)
    return path


def plot_morris(indices: pd.DataFrame, title: str, path: Path) -> Path:
    """μ* against σ, one labelled point per parameter, with μ*'s 95% interval."""
    fig = Figure(figsize=(6.8, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o",
                capsize=3)  # fmt: skip
    for row in indices.itertuples():
        ax.annotate(row.parameter, (row.mu_star, row.sigma), fontsize=8,
                    xytext=(4, 4), textcoords="offset points")  # fmt: skip
    top = float(max(indices["mu_star"].max(), indices["sigma"].max(), 0) or 1.0)
    ax.plot([0, top], [0, top], color="grey", ls="--", lw=0.8, label="σ = μ*")
    ax.set_xlabel("μ* (mean absolute elementary effect)")
    ax.set_ylabel("σ (spread of elementary effects)")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.savefig(path, dpi=DPI)
    return path


def write_report(out: str | Path) -> list[Path]:
    """Draw every plot and table for a finished experiment folder into ``OUT/report/``.

    Raises:
        InputError: If the folder holds no finished experiment.
    """
    table, meta = read_results(out)
    folder = Path(out) / "report"
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    method, params = meta["method"], meta["parameters"]
    outcomes = stats.scalar_columns(table, meta)
    by = ["scenario"] if not params else ["scenario", "point", *params]
    table_csv = stats.summary(table, meta, by)
    write_text(folder / "summary.csv", table_csv.to_csv(index=False))
    written.append(folder / "summary.csv")
    series = plot_series(table, folder / "series.png", meta["name"])
    if series:
        written.append(series)
    if not params or not len(stats.ok_runs(table)):
        return written
    if method in ("grid", "latin_hypercube"):
        for outcome in outcomes:
            written.append(plot_sweep(table, meta, outcome, folder / f"sweep_{outcome}.png"))
            if method == "grid" and len(params) == 2:
                written.append(plot_grid(table, meta, outcome, folder / f"grid_{outcome}.png"))
        return written
    analyse = stats.sobol_indices if method == "sobol" else stats.morris_indices
    frames = []
    for scenario in meta["scenarios"]:
        for outcome in outcomes:
            try:
                indices = analyse(table, meta, scenario, outcome)
            except ValueError as exc:
                raise InputError(out, str(exc)) from None
            frames.append(indices.assign(scenario=scenario, outcome=outcome))
            suffix = outcome if len(meta["scenarios"]) == 1 else f"{scenario}_{outcome}"
            title = f"{meta['name']} — {scenario}: {_label(outcome)}"
            draw = plot_sobol if method == "sobol" else plot_morris
            written.append(draw(indices, title, folder / f"{method}_{suffix}.png"))
    combined = pd.concat(frames, ignore_index=True)
    lead = ["scenario", "outcome", "parameter"]
    combined = combined[lead + [c for c in combined.columns if c not in lead]]
    write_text(folder / f"{method}.csv", combined.to_csv(index=False))
    written.append(folder / f"{method}.csv")
    return written
