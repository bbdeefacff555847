"""The results folder of an experiment, written so that an interrupted experiment resumes.

Layout of ``OUT``:

- ``runs/part-<hash>.parquet``: the rows of one finished batch of runs. Each part is written to
  a temporary name and renamed into place, so a part is either complete or absent, even after
  ``kill -9``;
- ``results.parquet``: the combined table, one row per run of the experiment, written at the end;
- ``experiment.yaml`` and ``experiment.json``: the experiment as run, and what reports need
  (design, parameters, bounds, outcomes).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from migsim.errors import DamagedFileError, InputError
from migsim.experiments.runs import STATUS_COLUMNS
from migsim.outfolder import check_folder_path

RUNS = "runs"
RESULTS = "results.parquet"
META = "experiment.json"


def _write_atomic(path: Path, write: Any) -> None:
    """Write a file through a temporary name in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    _write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def prepare(out: Path) -> Path:
    """Create the results folder and its ``runs/`` folder; return the latter."""
    check_folder_path(out)
    runs = out / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    for stale in runs.glob(".part-*.tmp"):  # left by a run killed while writing
        stale.unlink(missing_ok=True)
    return runs


# Keys of experiment.json a report reads, and their JSON types.
META_KEYS = {
    "name": str, "method": str, "parameters": list, "bounds": list, "scenarios": dict,
    "outcomes": list, "monthly": list, "points": int, "levels": int, "design_seed": int,
}  # fmt: skip


def write_part(out: Path, rows: list[dict[str, Any]]) -> Path:
    """Write one finished batch's rows as a part file; return its path."""
    digest = hashlib.sha256("\n".join(sorted(r["run_id"] for r in rows)).encode()).hexdigest()
    path = out / RUNS / f"part-{digest[:20]}.parquet"
    frame = pd.DataFrame(rows)
    _write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))
    return path


def read_parts(out: Path) -> pd.DataFrame:
    """Every row written so far, one per run id (a finished row beats a failed one)."""
    parts = sorted((out / RUNS).glob("part-*.parquet")) if (out / RUNS).is_dir() else []
    frames = []
    for part in parts:
        try:
            frames.append(pd.read_parquet(part))
        except Exception as exc:  # noqa: BLE001 - a damaged part only means its runs rerun
            problem = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            print(
                f"migsim: note: {part} cannot be read ({problem}); its runs will be run again",
                file=sys.stderr,
            )
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=["run_id", "status"])
    table = pd.concat(frames, ignore_index=True)
    table["_failed"] = table["status"] != "ok"
    table = table.sort_values("_failed", kind="stable").drop_duplicates("run_id")
    return table.drop(columns="_failed")


def combine(out: Path, run_ids: list[str], columns: list[str]) -> pd.DataFrame:
    """Write ``results.parquet``: the rows of the given runs, in the given order.

    Args:
        out: The results folder.
        run_ids: The experiment's runs, in order (rows of other runs in ``runs/`` are left out).
        columns: Leading columns (identity and parameters); outcome columns follow.
    """
    table = read_parts(out)
    order = {run_id: k for k, run_id in enumerate(run_ids)}
    table = table[table["run_id"].isin(order)].copy()
    table["_order"] = table["run_id"].map(order)
    table = table.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    lead = [c for c in columns if c in table.columns]
    status = [c for c in STATUS_COLUMNS if c in table.columns]
    rest = [c for c in table.columns if c not in lead and c not in status]
    table = table[lead + rest + status]
    _write_atomic(out / RESULTS, lambda tmp: table.to_parquet(tmp, index=False))
    return table


def write_meta(out: Path, meta: dict[str, Any], experiment_yaml: str) -> None:
    """Write ``experiment.json`` and ``experiment.yaml``."""
    write_text(out / META, json.dumps(meta, indent=2))
    write_text(out / "experiment.yaml", experiment_yaml)


def read_results(out: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read an experiment's results table and metadata.

    Raises:
        InputError: If the folder holds no finished experiment.
    """
    out = Path(out)
    missing = [name for name in (RESULTS, META) if not (out / name).is_file()]
    if missing:
        raise InputError(
            out,
            f"is not a finished experiment folder (missing {', '.join(missing)}); give the "
            "--out folder of 'migsim experiment run', or run the experiment again to finish it",
        )
    fix = "run 'migsim experiment run' with the same experiment and --out again to rewrite it"
    try:
        meta = json.loads((out / META).read_text(encoding="utf-8"))
    except ValueError as exc:  # not UTF-8, or not JSON
        raise DamagedFileError(out / META, type(exc).__name__, fix) from None
    if not isinstance(meta, dict):
        raise DamagedFileError(out / META, "not a JSON object", fix)
    for key, kind in META_KEYS.items():
        if not isinstance(meta.get(key), kind):
            raise DamagedFileError(out / META, f"no {kind.__name__} '{key}'", fix)
    try:
        table = pd.read_parquet(out / RESULTS)
    except (ValueError, OSError, pa.ArrowException) as exc:
        raise DamagedFileError(out / RESULTS, str(exc).split(".")[0], fix) from None
    return table, meta
