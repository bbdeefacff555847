"""Each lever's share of a package's effect: switched off in turn, and switched on alone.

An attribution experiment (e.g. ``experiments/june_2019_attribution.yaml``) runs, on common
seeds, the ``baseline``, the whole package (``agreement``), the package ``without_LEVER`` for
each lever, and the baseline with that lever ``only_LEVER``. For a measure summed over a
window of months, the package's effect is ``agreement − baseline``; a lever's share *off in
turn* is ``(agreement − without) / effect`` (what the package loses without it), its share
*alone* is ``(only − baseline) / effect``. Shares need not add up to 1: the rest is the levers'
interaction. A share is the median, over resamples of the replicates (a bootstrap), of the ratio
of the mean changes, with a 90% band (how sure that share is); beside it, the 5th–95th percentiles
of each replicate's own share (how much it varies from one replicate to the next: over seeds,
and in an experiment over a calibration's posterior over its parameters and assumptions too).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from migsim.errors import InputError

BAND = (5, 95)


def window_totals(table: pd.DataFrame, measure: str, first: str, last: str) -> pd.DataFrame:
    """Each run's measure summed over months ``first``–``last`` (YYYY-MM): seed × scenario."""
    columns = [
        c
        for c in table.columns
        if c.startswith(f"{measure}[") and first <= c[len(measure) + 1 : -1] <= last
    ]
    if not columns:
        raise InputError(
            "--measure",
            f"no monthly '{measure}' between {first} and {last} in the results; the "
            "experiment's 'monthly' list must name it and its days cover the window",
        )
    ok = table[table["status"] == "ok"]
    totals = ok[columns].sum(axis=1)
    return pd.DataFrame({"scenario": ok["scenario"], "seed": ok["seed"], "total": totals}).pivot(
        index="seed", columns="scenario", values="total"
    )


def lever_shares(totals: pd.DataFrame, draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Each lever's share of the effect, off in turn and alone, with bands.

    Args:
        totals: Seed × scenario totals (:func:`window_totals`), with columns ``baseline``,
            ``agreement`` and ``without_X`` / ``only_X`` for each lever ``X``.
        draws: Bootstrap resamples of the seeds.
        seed: Seed of the resampling.

    Returns:
        One row a lever: the median and 90% band of each share (bootstrap), the 5th and 95th
        percentiles of the replicates' own shares (``share_off_each_p05`` …), and the mean
        change in the measure when the lever is switched off (``agreement − without``) and on
        alone.
    """
    for needed in ("baseline", "agreement"):
        if needed not in totals:
            raise InputError("results", f"needs a scenario labelled '{needed}'")
    levers = [c.removeprefix("without_") for c in totals if c.startswith("without_")]
    if not levers:
        raise InputError("results", "needs scenarios labelled 'without_LEVER' (and 'only_LEVER')")
    totals = totals.dropna()
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(totals), size=(draws, len(totals)))

    def boot(numerator: np.ndarray, effect: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return numerator[picks].mean(axis=1) / effect[picks].mean(axis=1)

    effect = (totals["agreement"] - totals["baseline"]).to_numpy()
    rows = []
    for lever in levers:
        row = {"lever": lever}
        parts = {
            "off": totals["agreement"] - totals[f"without_{lever}"],
            "alone": totals.get(f"only_{lever}", np.nan) - totals["baseline"],
        }
        for name, change in parts.items():
            change = np.asarray(change, dtype=float)
            shares = boot(change, effect)
            row[f"share_{name}"] = float(np.nanmedian(shares))
            row[f"share_{name}_p05"] = float(np.nanpercentile(shares, BAND[0]))
            row[f"share_{name}_p95"] = float(np.nanpercentile(shares, BAND[1]))
            with np.errstate(divide="ignore", invalid="ignore"):
                each = np.where(effect != 0, change / effect, np.nan)
            row[f"share_{name}_each_p05"] = float(np.nanpercentile(each, BAND[0]))
            row[f"share_{name}_each_p95"] = float(np.nanpercentile(each, BAND[1]))
            row[f"change_{name}"] = float(np.nanmean(change))
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["effect"] = float(effect.mean())
    out.attrs["replicates"] = len(totals)
    return out


def format_shares(shares: pd.DataFrame, measure: str, first: str, last: str) -> str:
    """The shares as a markdown table, with the effect they divide."""
    lines = [
        f"Effect of the whole package on {measure}, {first} to {last}: "
        f"{shares.attrs['effect']:+,.0f} (agreement − baseline, mean over "
        f"{shares.attrs['replicates']} replicates).",
        "",
        "| lever | share when switched off in turn [90% band] | replicates' own, 5–95% "
        "| share alone [90% band] | replicates' own, 5–95% |",
        "|---|---|---|---|---|",
    ]
    for r in shares.itertuples():
        lines.append(
            f"| {r.lever} | {r.share_off:.0%} [{r.share_off_p05:.0%}, {r.share_off_p95:.0%}] "
            f"| {r.share_off_each_p05:.0%} – {r.share_off_each_p95:.0%} "
            f"| {r.share_alone:.0%} [{r.share_alone_p05:.0%}, {r.share_alone_p95:.0%}] "
            f"| {r.share_alone_each_p05:.0%} – {r.share_alone_each_p95:.0%} |"
        )
    lines += [
        "",
        f"Shares off in turn add up to {shares['share_off'].sum():.0%}; the rest is the "
        "levers' interaction. The band is the mean share's (resampling the replicates); the "
        "replicates' own shares spread over seeds, and over a posterior's parameters and "
        "assumptions when the experiment draws them.",
    ]
    return "\n".join(lines)
