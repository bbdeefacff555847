"""The calibration's report: the shipped point's own fit, predictive bands, identification.

:func:`write_report` runs two checks on seeds the calibration never used:

- the **shipped point** (chosen by :data:`migsim.calibration.calibrate.SHIPPED_RULE`) on
  ``report.seeds`` fresh seeds: each run's fit metric per target, reported by the median and
  the range over runs — the headline;
- the **posterior predictive**: ``report.posterior_runs`` points drawn from the last
  generation by weight, one fresh seed each: each target's values as 5th–95th percentile bands
  and each run's metric.

Every metric is that of a run; no metric is computed on a median path. It also writes the
identification table: per parameter, the posterior 90% interval against the prior's, with the
parameters the data cannot pin down named. Files: ``posterior.csv``, ``parameters.yaml``,
``fit_targets.csv``, ``fit_values.csv``, ``identification.csv``, ``fit.png``, ``report.md``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from migsim.calibration.calibrate import SHIPPED_RULE, Calibration, today
from migsim.calibration.config import CalibrationConfig
from migsim.calibration.simulate import Simulator
from migsim.calibration.targets import TARGETS, fit

FRESH_SEED = 1_000_003  # fresh seeds: FRESH_SEED + i (calibration runs hash their seeds)
NOT_IDENTIFIED = 2 / 3  # posterior 90% width over the prior's at or above this: not pinned down
WEAKLY_IDENTIFIED = 1 / 3


def write_json(file: Path, data: Any) -> None:
    """Write JSON atomically (a temporary file, then a rename)."""
    tmp = file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, file)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of a weighted sample (midpoint interpolation of the weighted CDF)."""
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(qs, cdf, v)


def identification(config: CalibrationConfig, particles: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: prior and posterior 90% intervals, their width ratio and a verdict.

    Widths of log-uniform priors are compared in the logarithm. The verdict: a ratio of at
    least 2/3 means the data cannot pin the parameter down; 1/3 to 2/3, weakly identified.
    """
    rows = []
    w = particles["weight"].to_numpy()
    for name, prior in config.parameters.items():
        lo5, med, hi95 = weighted_quantiles(particles[name].to_numpy(), w, [0.05, 0.5, 0.95])
        f = np.log if prior.log else (lambda x: x)
        prior_width = 0.9 * (f(prior.high) - f(prior.low))
        ratio = float((f(hi95) - f(lo5)) / prior_width)
        verdict = (
            "not identified: the data cannot pin it down"
            if ratio >= NOT_IDENTIFIED
            else "weakly identified"
            if ratio >= WEAKLY_IDENTIFIED
            else "identified"
        )
        rows.append(
            {
                "parameter": name, "prior_low": prior.low, "prior_high": prior.high,
                "posterior_median": med, "posterior_p05": lo5, "posterior_p95": hi95,
                "width_ratio": ratio, "verdict": verdict,
            }
        )  # fmt: skip
    return pd.DataFrame(rows).set_index("parameter")


def _summaries(
    simulator: Simulator,
    points: list[dict[str, Any]],
    seeds: list[int],
    workers: int | None,
    dask: str | None,
    progress: bool,
    label: str,
) -> list[dict[str, np.ndarray]]:
    """Summaries of runs (one per point and seed), on the experiments' workers."""
    from tqdm import tqdm

    from migsim.experiments.runner import open_workers

    with open_workers(workers, dask) as pool:
        pairs = zip(points, seeds, strict=True)
        futures = [pool.executor.submit(simulator.summary, p, s) for p, s in pairs]
        return [f.result() for f in tqdm(futures, desc=label, unit="run", disable=not progress)]


def _bands(runs: list[dict[str, np.ndarray]], name: str) -> pd.DataFrame:
    values = np.vstack([r[name] for r in runs])
    return pd.DataFrame(
        {
            "p05": np.percentile(values, 5, axis=0),
            "median": np.median(values, axis=0),
            "p95": np.percentile(values, 95, axis=0),
            "min": values.min(axis=0),
            "max": values.max(axis=0),
        }
    )


def fit_tables(
    simulator: Simulator,
    shipped_runs: list[dict[str, np.ndarray]],
    posterior_runs: list[dict[str, np.ndarray]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per target (metrics of runs) and per observed value (bands), for both checks."""
    observed = simulator.observed
    shipped_fit = pd.DataFrame([fit(r, observed) for r in shipped_runs])
    post_fit = pd.DataFrame([fit(r, observed) for r in posterior_runs])
    targets, values = [], []
    for name, obs in observed.values.items():
        target = TARGETS[name]
        ship, post = _bands(shipped_runs, name), _bands(posterior_runs, name)
        inside = (obs.to_numpy() >= post["p05"].to_numpy()) & (
            obs.to_numpy() <= post["p95"].to_numpy()
        )
        targets.append(
            {
                "target": name, "metric": target.metric, "threshold": target.threshold,
                "weight": observed.weights[name],
                "shipped_median": shipped_fit[name].median(),
                "shipped_min": shipped_fit[name].min(), "shipped_max": shipped_fit[name].max(),
                "shipped_meets": bool(shipped_fit[name].median() <= target.threshold),
                "posterior_median": post_fit[name].median(),
                "posterior_p05": post_fit[name].quantile(0.05),
                "posterior_p95": post_fit[name].quantile(0.95),
                "band_coverage": float(inside.mean()),
            }
        )  # fmt: skip
        for i, label in enumerate(obs.index):
            values.append(
                {
                    "target": name, "label": str(label), "observed": float(obs.iloc[i]),
                    "shipped_median": ship["median"][i], "shipped_min": ship["min"][i],
                    "shipped_max": ship["max"][i], "posterior_p05": post["p05"][i],
                    "posterior_median": post["median"][i], "posterior_p95": post["p95"][i],
                }
            )  # fmt: skip
    return pd.DataFrame(targets).set_index("target"), pd.DataFrame(values)


def plot_fit(values: pd.DataFrame, file: Path) -> None:
    """One panel per target: observed, the posterior's 90% band, the shipped point's range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(values["target"]))
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        t = values[values["target"] == name]
        x = np.arange(len(t))
        col = {c: t[c].to_numpy(dtype=float) for c in t.columns if c not in ("target", "label")}
        ax.fill_between(x, col["posterior_p05"], col["posterior_p95"], alpha=0.25,
                        label="posterior, 90% band")  # fmt: skip
        ax.errorbar(
            x, col["shipped_median"],
            yerr=[col["shipped_median"] - col["shipped_min"],
                  col["shipped_max"] - col["shipped_median"]],
            fmt="s", ms=4, capsize=2, label="shipped point (median, range)",
        )  # fmt: skip
        ax.plot(x, col["observed"], "o", color="black", label="observed")
        ax.set_xticks(x, t["label"], rotation=60, ha="right", fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(file, dpi=100)
    plt.close(fig)


def write_report(
    config: CalibrationConfig,
    calibration: Calibration,
    out: Path,
    workers: int | None = None,
    dask: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the checks on fresh seeds and write every report file; return the record."""
    out.mkdir(parents=True, exist_ok=True)
    simulator, smc = calibration.simulator, calibration.smc
    particles = smc.particles
    particles.to_csv(out / "posterior.csv", index_label="particle", float_format="%.6g")
    n_ship, n_post = config.report.seeds, config.report.posterior_runs
    rng = np.random.default_rng(config.seed)
    draws = rng.choice(len(particles), size=n_post, p=particles["weight"].to_numpy())
    names = list(config.parameters)
    drawn = [{n: particles.iloc[i][n] for n in names} for i in draws]
    points = [calibration.shipped] * n_ship + drawn
    seeds = [FRESH_SEED + i for i in range(n_ship + n_post)]
    # What ships is checked at its own scale (full size if asked), the posterior at the fit's.
    ship_scale = config.report.shipped_scale or config.scale
    shipped_sim = dataclasses.replace(simulator, scale=ship_scale)
    shipped_runs = _summaries(
        shipped_sim, points[:n_ship], seeds[:n_ship], workers, dask, progress, "shipped point"
    )
    posterior_runs = _summaries(
        simulator, points[n_ship:], seeds[n_ship:], workers, dask, progress, "posterior"
    )
    targets, values = fit_tables(simulator, shipped_runs, posterior_runs)
    ident = identification(config, particles)
    targets.to_csv(out / "fit_targets.csv", float_format="%.4f")
    values.to_csv(out / "fit_values.csv", index=False, float_format="%.4f")
    ident.to_csv(out / "identification.csv", float_format="%.6g")
    plot_fit(values, out / "fit.png")
    written, elapsed = today(), round(calibration.elapsed_s, 1)
    before = out / "parameters.yaml"
    previous = yaml.safe_load(before.read_text(encoding="utf-8")) if before.is_file() else None
    if isinstance(previous, dict) and previous.get("simulations") == smc.simulations:
        # This call sampled nothing: the record keeps the date and time of the call that did.
        written = previous.get("written", written)
        elapsed = previous.get("elapsed_s_this_call", elapsed)
    record = {
        "written": written,
        "method": "ABC-SMC (pyabc)",
        "scenario": str(config.scenario),
        "warm_up_start": str(config.start) if config.start else None,
        "scale": config.scale,
        "shipped_scale": ship_scale,
        "distance": config.distance.kind,
        "generations": smc.generations,
        "simulations": smc.simulations,
        "population_sizes": smc.populations,
        "epsilons": [round(e, 5) for e in smc.epsilons],
        "elapsed_s_this_call": elapsed,
        "shipped_rule": SHIPPED_RULE,
        "shipped_point": {k: float(v) for k, v in calibration.shipped.items()},
        "shipped_fit_fresh_seeds": {
            name: {
                "median": round(float(row["shipped_median"]), 4),
                "range": [round(float(row["shipped_min"]), 4), round(float(row["shipped_max"]), 4)],
                "threshold": row["threshold"],
                "meets": bool(row["shipped_meets"]),
            }
            for name, row in targets.iterrows()
        },  # fmt: skip
        "skipped_targets": simulator.observed.skipped,
        "not_identified": [p for p, r in ident.iterrows() if r["verdict"].startswith("not")],
        "parameters": {
            p: {
                "value": float(calibration.shipped[p]),  # the shipped point
                "posterior_median": float(r["posterior_median"]),
                "interval_90": [float(r["posterior_p05"]), float(r["posterior_p95"])],
                "prior": [float(r["prior_low"]), float(r["prior_high"])],
                "width_ratio": round(float(r["width_ratio"]), 3),
                "verdict": r["verdict"],
            }
            for p, r in ident.iterrows()
        },  # fmt: skip
        "seeds": {"shipped": n_ship, "posterior_runs": n_post, "first": FRESH_SEED},
    }
    (out / "parameters.yaml").write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    write_json(out / "metrics.json", record["shipped_fit_fresh_seeds"])
    text = _markdown(record, targets, ident, values)
    (out / "report.md").write_text(text, encoding="utf-8")
    return record


def _number(x: float) -> str:
    """Counts with thousands separators, shares and days with three decimals."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3f}"


def _markdown(
    record: dict[str, Any], targets: pd.DataFrame, ident: pd.DataFrame, values: pd.DataFrame
) -> str:
    lines = [
        "# Calibration report",
        "",
        f"Written {record['written']}: {record['method']}, {record['generations']} generations, "
        f"{record['simulations']} simulations at scale {record['scale']:g} (population sizes "
        f"{record['population_sizes']}), distance '{record['distance']}'.",
        "",
        f"**The shipped point** is {record['shipped_rule']}. Its fit below is that of "
        f"{record['seeds']['shipped']} runs on fresh seeds at scale "
        f"{record['shipped_scale']:g} (median and range of each run's "
        f"metric); the posterior columns are {record['seeds']['posterior_runs']} points drawn "
        "by weight, one fresh seed each. No metric is that of a median path.",
        "",
        "## Fit of the shipped point (headline) and of the posterior",
        "",
        "Weight: the target's weight in the distance; *reported* targets (weight 0) are shown, "
        "not fitted.",
        "",
        "| target | weight | metric | threshold | shipped: median [range] | meets | posterior: "
        "median [5%, 95%] | observed inside the 90% band |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in targets.iterrows():
        weight = f"{r['weight']:g}" if r["weight"] > 0 else "*reported*"
        lines.append(
            f"| {name} | {weight} | {r['metric']} | {r['threshold']:g} | {r['shipped_median']:.3f} "
            f"[{r['shipped_min']:.3f}, {r['shipped_max']:.3f}] | "
            f"{'yes' if r['shipped_meets'] else 'no'} | {r['posterior_median']:.3f} "
            f"[{r['posterior_p05']:.3f}, {r['posterior_p95']:.3f}] | {r['band_coverage']:.0%} |"
        )
    if record["skipped_targets"]:
        lines += ["", "Skipped targets (they switch on once the model writes the measure):", ""]
        lines += [f"- {k}: {v}" for k, v in record["skipped_targets"].items()]
    lines += [
        "", "## Shipped point and identification", "",
        "| parameter | shipped | posterior median | 90% interval | prior | width / prior's | "
        "verdict |", "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for p, r in ident.iterrows():
        lines.append(
            f"| `{p}` | {record['shipped_point'][p]:.4g} | {r['posterior_median']:.4g} | "
            f"{r['posterior_p05']:.4g} – {r['posterior_p95']:.4g} | {r['prior_low']:g} – "
            f"{r['prior_high']:g} | {r['width_ratio']:.2f} | {r['verdict']} |"
        )
    if record["not_identified"]:
        lines += [
            "",
            "The data cannot pin down "
            + ", ".join(f"`{p}`" for p in record["not_identified"])
            + ": their posterior 90% interval covers two thirds or more of the prior's. Their "
            "shipped values are one of many that fit as well.",
        ]
    lines += [
        "", "## Observed against simulated, value by value", "",
        "| target | label | observed | shipped: median [range] | posterior: median [5%, 95%] |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for _, v in values.iterrows():
        n = {k: _number(v[k]) for k in values.columns if k not in ("target", "label")}
        lines.append(
            f"| {v['target']} | {v['label']} | {n['observed']} | {n['shipped_median']} "
            f"[{n['shipped_min']}, {n['shipped_max']}] | {n['posterior_median']} "
            f"[{n['posterior_p05']}, {n['posterior_p95']}] |"
        )
    lines += ["", "![fit](fit.png)", ""]
    return "\n".join(lines)
