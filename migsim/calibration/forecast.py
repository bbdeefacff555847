"""Forecasts with calibrated parameters: scenarios run past the fitted window, with 90% bands.

:func:`forecast` runs each scenario once per draw from the posterior (drawn by weight from the
calibration's last generation, ``posterior.csv``), from the calibration's warm-up start to a
chosen end date, and summarises monthly measures by the median and the 5th and 95th percentiles
over those runs. Draw ``k`` (its parameters, its swept assumptions and its seed) is the same in
every scenario (:mod:`migsim.calibration.posterior`), so scenarios are compared draw by draw.
No observation is used: the only link to data is the posterior sample.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.calibration.config import CalibrationConfig
from migsim.calibration.posterior import posterior_draws
from migsim.calibration.report import write_json
from migsim.calibration.simulate import run
from migsim.errors import InputError
from migsim.scenario import load_scenario

BAND = (5, 95)


@dataclass
class Forecast:
    """Runs of one scenario under the posterior.

    Attributes:
        label: The scenario's name.
        runs: One run per posterior draw: ``{"monthly": {measure: {month: value}}}``.
    """

    label: str
    runs: list[dict[str, Any]]

    def bands(self, measure: str) -> pd.DataFrame:
        """Median and 90% band of a monthly measure over the runs."""
        frame = pd.concat([monthly_series(r, measure) for r in self.runs], axis=1)
        return pd.DataFrame(
            {
                "sim_median": frame.median(axis=1),
                "sim_p05": frame.quantile(BAND[0] / 100, axis=1),
                "sim_p95": frame.quantile(BAND[1] / 100, axis=1),
            }
        )


def monthly_series(run_record: dict[str, Any], measure: str) -> pd.Series:
    """A run's monthly measure as a series indexed by ``Period[M]``."""
    values = run_record["monthly"][measure]
    return pd.Series(list(values.values()), index=pd.PeriodIndex(list(values), freq="M"))


def _forecast_run(task: dict[str, Any]) -> dict[str, Any]:
    """One forecast run (in a worker): monthly measures at full scale."""
    from migsim.outcomes import monthly

    results = run(task["scenario"], None, task["values"], task["seed"], task["scale"])
    table = monthly(results)[list(MEASURES)] / task["scale"]
    return {
        "key": task["key"],
        "values": task["values"],
        "assumed": task.get("assumed", {}),
        "seed": task["seed"],
        "monthly": {m: {str(k): float(v) for k, v in table[m].items()} for m in MEASURES},
    }


def forecast(
    config: CalibrationConfig,
    calibrated: Path,
    scenarios: list[Path],
    end: dt.date,
    workers: int | None = None,
    progress: bool = True,
) -> list[Forecast]:
    """Run each scenario to ``end`` under ``report.posterior_runs`` draws of the posterior.

    Parameters are set with ``Scenario.with_parameters``, as in experiments and calibration.
    Runs are kept in ``calibrated/forecast_runs/`` so an interrupted forecast resumes.
    """
    from tqdm import tqdm

    from migsim.experiments.runner import open_workers

    draws = posterior_draws(config, calibrated, config.report.posterior_runs, config.seed)
    folder = Path(calibrated) / "forecast_runs"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in scenarios:
        scenario = load_scenario(path)
        start = config.start or scenario.start
        days = (end - start).days + 1
        if days <= 0:
            raise InputError("--to", f"must be after the start {start}")
        scenario = scenario.with_parameters({"start": start, "days": days})
        scenario.path = Path(path)
        fingerprint = hashlib.sha256(scenario.to_yaml().encode()).hexdigest()[:10]
        tasks = []
        for i, draw in enumerate(draws):
            # The agreement's uncalibrated assumptions: draw i's, in every scenario with them.
            assumed = draw.assumed_in(scenario)
            key = hashlib.sha256(
                json.dumps(
                    [fingerprint, draw.values, assumed, i, config.scale], sort_keys=True
                ).encode()  # fmt: skip
            ).hexdigest()[:16]
            run_scenario = scenario.with_parameters(assumed) if assumed else scenario
            run_scenario.path = scenario.path
            tasks.append({"key": key, "scenario": run_scenario, "values": draw.values,
                          "assumed": assumed, "seed": config.seed + i,
                          "scale": config.scale})  # fmt: skip
        done = {}
        todo = []
        for task in tasks:
            file = folder / f"{task['key']}.json"
            if file.is_file():
                done[task["key"]] = json.loads(file.read_text(encoding="utf-8"))
            else:
                todo.append(task)
        if todo:
            with open_workers(workers) as pool:
                futures = [pool.executor.submit(_forecast_run, t) for t in todo]
                for future in tqdm(cf.as_completed(futures), total=len(futures),
                                   desc=scenario.name, disable=not progress):  # fmt: skip
                    record = future.result()
                    write_json(folder / f"{record['key']}.json", record)
                    done[record["key"]] = record
        out.append(Forecast(scenario.name, [done[t["key"]] for t in tasks]))
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
