"""Calibration outputs: posterior sample, parameter intervals, fit tables, plot and report.

Files written by :func:`write_outputs` into the output folder:

- ``points.csv``: every design point with its fit metrics and distance;
- ``posterior.csv``: the accepted points (the approximate posterior sample);
- ``parameters.yaml``: per parameter the posterior median, the 90% interval and the prior, with
  the settings of the calibration and the fit metrics;
- ``fit_monthly.csv`` and ``fit_sectors.csv``: observed against simulated, with the median and
  the 5th and 95th percentiles over the runs of the posterior points (replicates × points);
- ``fit.png`` and ``report.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from migsim.calibration.calibrate import (
    CalibrationResult,
    _write_json,
    mean_run,
    score,
    summarise,
    today,
)
from migsim.calibration.config import CalibrationConfig
from migsim.calibration.metrics import ard, rmse_log, tvd
from migsim.calibration.simulate import monthly_series

BAND = (5, 95)


def bands(runs: list[dict[str, Any]], measure: str) -> pd.DataFrame:
    """Median and 90% band of a monthly measure over runs."""
    frame = pd.concat([monthly_series(r, measure) for r in runs], axis=1)
    return pd.DataFrame(
        {
            "sim_median": frame.median(axis=1),
            "sim_p05": frame.quantile(BAND[0] / 100, axis=1),
            "sim_p95": frame.quantile(BAND[1] / 100, axis=1),
        }
    )


def posterior_runs(
    result: CalibrationResult, by_point: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The runs of the accepted points."""
    return [run for point in result.posterior.index for run in by_point[int(point)]]


def fit_tables(
    result: CalibrationResult, runs: list[dict[str, Any]]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Observed against simulated (monthly and by sector) and the metrics of the median."""
    obs = result.observed
    parts = []
    for measure, observed, label in (
        ("us_apprehensions_people", obs.apprehensions, "family_unit_apprehensions_people"),
        ("deportations_people", obs.returns, "mexico_returns_people"),
    ):
        table = bands(runs, measure).reindex(observed.index)
        table.insert(0, "observed", observed)
        table.insert(0, "measure", label)
        parts.append(table)
    monthly = pd.concat(parts)
    monthly.index.name = "month"
    sectors = pd.DataFrame([r["sectors"] for r in runs]).fillna(0.0)
    index = obs.sectors.index.union(sectors.columns)
    sectors = sectors.reindex(columns=index, fill_value=0.0)
    sector_table = pd.DataFrame(
        {
            "observed_fy2018": obs.sectors.reindex(index).fillna(0.0),
            "sim_median": sectors.median(),
            "sim_p05": sectors.quantile(0.05),
            "sim_p95": sectors.quantile(0.95),
        }
    )
    sector_table.index.name = "sector"
    app = monthly[monthly["measure"] == "family_unit_apprehensions_people"]
    ret = monthly[monthly["measure"] == "mexico_returns_people"]
    metrics = {
        "ard_apprehensions": ard(app["sim_median"], app["observed"]),
        "rmse_log_apprehensions": rmse_log(app["sim_median"], app["observed"]),
        "ard_returns": ard(ret["sim_median"], ret["observed"]),
        "rmse_log_returns": rmse_log(ret["sim_median"], ret["observed"]),
        "tvd_sectors": tvd(sector_table["sim_median"], sector_table["observed_fy2018"]),
        "band_coverage_apprehensions": float(
            ((app["observed"] >= app["sim_p05"]) & (app["observed"] <= app["sim_p95"])).mean()
        ),
    }
    return monthly, sector_table, metrics


def plot_fit(monthly: pd.DataFrame, sectors: pd.DataFrame, file: Path, title: str) -> None:
    """Observed against simulated with 90% bands; sector shares side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (measure, label) in zip(
        axes[:2],
        [
            ("family_unit_apprehensions_people", "Border Patrol family-unit apprehensions"),
            ("mexico_returns_people", "Returns by Mexico (people)"),
        ],
        strict=True,
    ):
        table = monthly[monthly["measure"] == measure]
        x = table.index.to_timestamp()
        ax.fill_between(x, table["sim_p05"], table["sim_p95"], alpha=0.3, label="model, 90% band")
        ax.plot(x, table["sim_median"], label="model, median")
        ax.plot(x, table["observed"], "o-", color="black", label="observed")
        ax.set_title(label, fontsize=10)
        ax.tick_params(axis="x", rotation=45)
        ax.legend(fontsize=8)
    ax = axes[2]
    pos = np.arange(len(sectors))
    ax.bar(pos - 0.2, sectors["observed_fy2018"], 0.4, color="black", label="observed FY2018")
    err = np.vstack(
        [sectors["sim_median"] - sectors["sim_p05"], sectors["sim_p95"] - sectors["sim_median"]]
    )
    ax.bar(pos + 0.2, sectors["sim_median"], 0.4, yerr=err, label="model, 90% band")
    ax.set_xticks(pos, sectors.index, rotation=60, ha="right", fontsize=8)
    ax.set_title("Share of family-unit apprehensions by sector", fontsize=10)
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(file, dpi=110)
    plt.close(fig)


def write_outputs(
    config: CalibrationConfig,
    result: CalibrationResult,
    out: Path,
    by_point: dict[int, list[dict[str, Any]]],
) -> dict[str, float]:
    """Write the posterior, parameter intervals, fit tables, plot and report; return metrics."""
    out.mkdir(parents=True, exist_ok=True)
    result.points.to_csv(out / "points.csv", float_format="%.6g")
    result.posterior.to_csv(out / "posterior.csv", float_format="%.6g")
    runs = posterior_runs(result, by_point)
    monthly, sectors, metrics = fit_tables(result, runs)
    best = int(result.posterior.index[0])
    best_metrics = score(mean_run(by_point[best]), result.observed)
    monthly.to_csv(out / "fit_monthly.csv", float_format="%.1f")
    sectors.to_csv(out / "fit_sectors.csv", float_format="%.4f")
    summary = summarise(config, result.posterior)
    record = {
        "written": today(),
        "scenario": str(config.scenario),
        "warm_up_start": str(config.start) if config.start else None,
        "fit_window": [config.observed.apprehensions_from, config.observed.to],
        "scale": config.scale,
        "points": config.points,
        "replicates": config.replicates,
        "accepted": config.accept,
        "seed": config.seed,
        "parameters": summary,
        "metrics_posterior_median": {k: round(v, 4) for k, v in metrics.items()},
        "metrics_best_point": {k: round(v, 4) for k, v in best_metrics.items()},
        "best_point": {
            k: (float(v) if isinstance(v, float | np.floating) else int(v))
            for k, v in result.posterior.iloc[0][list(config.parameters)].items()
        },
        "runs": len(result.runs),
        "ran_now": result.ran,
        "elapsed_s": round(result.elapsed_s, 1),
    }
    (out / "parameters.yaml").write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    _write_json(out / "metrics.json", record["metrics_posterior_median"])
    plot_fit(monthly, sectors, out / "fit.png", "Calibration fit, Oct 2018 – May 2019")
    (out / "report.md").write_text(_report(record, monthly, sectors), encoding="utf-8")
    return metrics


def _report(record: dict[str, Any], monthly: pd.DataFrame, sectors: pd.DataFrame) -> str:
    lines = [
        "# Calibration fit report",
        "",
        f"Written {record['written']} from {record['points']} Latin hypercube points × "
        f"{record['replicates']} replicates at scale {record['scale']:g} (counts × "
        f"{1 / record['scale']:g}); the {record['accepted']} closest points are the posterior. "
        "Bands are the 5th–95th percentiles over the posterior points' runs.",
        "",
        "## Parameters (posterior median and 90% interval)",
        "",
        "| parameter | median | 5% | 95% | prior |",
        "|---|---|---|---|---|",
    ]
    for name, p in record["parameters"].items():
        lines.append(
            f"| `{name}` | {p['value']:.4g} | {p['low_5']:.4g} | {p['high_95']:.4g} | "
            f"{p['prior'][0]:g} – {p['prior'][1]:g} |"
        )
    lines += ["", "## Fit metrics (median of the posterior runs)", "", "| metric | value |",
              "|---|---|"]  # fmt: skip
    for k, v in record["metrics_posterior_median"].items():
        lines.append(f"| {k} | {v:.3f} |")
    lines += ["", "## Monthly, observed against simulated (people)", "",
              "| measure | month | observed | median | 5% | 95% |",
              "|---|---|---|---|---|---|"]  # fmt: skip
    for month, row in monthly.iterrows():
        lines.append(
            f"| {row['measure']} | {month} | {row['observed']:,.0f} | {row['sim_median']:,.0f} "
            f"| {row['sim_p05']:,.0f} | {row['sim_p95']:,.0f} |"
        )
    lines += ["", "## Sectors", "", "| sector | observed FY2018 | median | 5% | 95% |",
              "|---|---|---|---|---|"]  # fmt: skip
    for sector, row in sectors.iterrows():
        lines.append(
            f"| {sector} | {row['observed_fy2018']:.3f} | {row['sim_median']:.3f} | "
            f"{row['sim_p05']:.3f} | {row['sim_p95']:.3f} |"
        )
    lines += ["", "![fit](fit.png)", ""]
    return "\n".join(lines)
