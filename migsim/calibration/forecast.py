"""Forecasts with calibrated parameters: scenarios run past the fitted window, with 90% bands.

:func:`forecast` runs each scenario once per posterior point (and per replicate), from the
calibration's warm-up start to a chosen end date, and summarises monthly measures by the median
and the 5th and 95th percentiles over those runs. No observation is used: the only link to data
is the posterior sample written by the calibration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.calibration.calibrate import execute, make_tasks
from migsim.calibration.config import CalibrationConfig
from migsim.calibration.report import bands
from migsim.errors import InputError
from migsim.scenario import load_scenario


@dataclass
class Forecast:
    """Runs of one scenario under the posterior.

    Attributes:
        label: The scenario's name.
        runs: One run per posterior point and replicate.
    """

    label: str
    runs: list[dict[str, Any]]

    def bands(self, measure: str) -> pd.DataFrame:
        """Median and 90% band of a monthly measure."""
        return bands(self.runs, measure)


def read_posterior(calibrated: Path, config: CalibrationConfig) -> pd.DataFrame:
    """The posterior sample written by a calibration (its parameter columns)."""
    file = Path(calibrated) / "posterior.csv"
    if not file.is_file():
        raise InputError(file, "no posterior sample here; run 'migsim calibrate' first")
    frame = pd.read_csv(file, index_col="point")
    missing = [name for name in config.parameters if name not in frame.columns]
    if missing:
        raise InputError(file, f"has no column for {', '.join(missing)}; recalibrate")
    return frame[list(config.parameters)]


def forecast(
    config: CalibrationConfig,
    calibrated: Path,
    scenarios: list[Path],
    end: dt.date,
    workers: int | None = None,
    progress: bool = True,
) -> list[Forecast]:
    """Run each scenario under every posterior point to ``end``.

    Runs are kept in ``calibrated/forecast_runs/`` so an interrupted forecast resumes.
    """
    posterior = read_posterior(calibrated, config)
    out = []
    for path in scenarios:
        scenario = load_scenario(path)
        start = config.start or scenario.start
        days = (end - start).days + 1
        if days <= 0:
            raise InputError("--to", f"must be after the start {start}")
        scenario = scenario.with_parameters({"start": start, "days": days})
        scenario.path = Path(path)
        tasks = make_tasks(config, posterior, scenario, fingerprint_extra=f"forecast {end}")
        runs, _ = execute(
            tasks, Path(calibrated) / "forecast_runs", workers, progress, scenario.name
        )
        out.append(Forecast(scenario.name, [runs[t.key] for t in tasks]))
    return out


MEASURES = {
    "us_apprehensions_people": "Border Patrol family-unit apprehensions (people)",
    "deportations_people": "returns by Mexico (people)",
    "departures": "departures (families)",
    "mpp_returns": "remain-in-Mexico returns (families)",
    "asylum_claims_mx": "asylum claims in Mexico (families)",
}


def forecast_table(forecasts: list[Forecast]) -> pd.DataFrame:
    """Tidy table: scenario, measure, month, median and 90% band."""
    parts = []
    for fc in forecasts:
        for measure in MEASURES:
            table = fc.bands(measure).reset_index(names="month")
            table.insert(0, "measure", measure)
            table.insert(0, "scenario", fc.label)
            parts.append(table)
    return pd.concat(parts, ignore_index=True)


def write_forecast(forecasts: list[Forecast], out: Path) -> None:
    """Write ``forecast.csv``, ``forecast.png`` and ``forecast.md`` (tables of bands)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = forecast_table(forecasts)
    table.to_csv(out / "forecast.csv", index=False, float_format="%.1f")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for fc in forecasts:
        b = fc.bands("us_apprehensions_people")
        x = b.index.to_timestamp()
        ax.fill_between(x, b["sim_p05"], b["sim_p95"], alpha=0.25)
        ax.plot(x, b["sim_median"], label=f"{fc.label} (median, 90% band)")
    ax.axvline(pd.Timestamp("2019-06-01"), color="grey", ls="--", lw=1)
    ax.text(pd.Timestamp("2019-06-05"), ax.get_ylim()[1] * 0.95, "forecast", fontsize=8)
    ax.set_title("Border Patrol family-unit apprehensions of Northern Triangle people (model)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "forecast.png", dpi=110)
    plt.close(fig)
    lines = ["# Forecast tables", ""]
    for measure, label in MEASURES.items():
        lines += [f"## {label}", "", "| month | " + " | ".join(
            f"{fc.label}: median [5%, 95%]" for fc in forecasts) + " |",
            "|---|" + "---|" * len(forecasts)]  # fmt: skip
        frames = [fc.bands(measure) for fc in forecasts]
        for month in frames[0].index:
            cells = [
                f"{f.loc[month, 'sim_median']:,.0f} [{f.loc[month, 'sim_p05']:,.0f}, "
                f"{f.loc[month, 'sim_p95']:,.0f}]"
                for f in frames
            ]
            lines.append(f"| {month} | " + " | ".join(cells) + " |")
        lines.append("")
    (out / "forecast.md").write_text("\n".join(lines), encoding="utf-8")
