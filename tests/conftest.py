"""Shared fixtures: the tiny test corridor, edited copies of it, short runs and a time limit."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

os.environ["MPLBACKEND"] = "Agg"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from migsim.model import MigrationModel  # noqa: E402
from migsim.scenario import Scenario, load_scenario  # noqa: E402

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "data" / "tiny"
TINY_YAML = TINY / "scenarios" / "tiny.yaml"
REPO = TESTS.parent
DEFAULT_CORRIDOR = REPO / "models" / "northern_triangle_2019"
SHIPPED_SCENARIOS = DEFAULT_CORRIDOR / "scenarios"

Edit = Callable[[pd.DataFrame], pd.DataFrame]


def read_table(path: Path) -> pd.DataFrame:
    """Read a corridor CSV as text, exactly as written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def set_cell(frame: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    """Set a cell of a corridor CSV by spreadsheet row (the header is row 1)."""
    frame.loc[row - 2, column] = value
    return frame


def make_corridor(
    tmp_path: Path,
    places_edit: Edit | None = None,
    links_edit: Edit | None = None,
    name: str = "corridor",
) -> Path:
    """Copy the tiny corridor (and its scenario) into ``tmp_path/name``, editing its CSVs.

    Each edit takes the CSV as a frame of text cells and returns the frame to write.

    Returns:
        The corridor folder; its scenario is ``folder / "scenarios" / "tiny.yaml"``.
    """
    folder = Path(tmp_path) / name
    (folder / "scenarios").mkdir(parents=True)
    shutil.copy(TINY_YAML, folder / "scenarios" / "tiny.yaml")
    for file, edit in (("places.csv", places_edit), ("links.csv", links_edit)):
        frame = read_table(TINY / file)
        if edit is not None:
            frame = edit(frame.copy())
        frame.to_csv(folder / file, index=False)
    return folder


def with_days(scenario: Scenario, days: int) -> Scenario:
    """The scenario with another run length (so the model sizes its tables for the run)."""
    copy = scenario.model_copy(update={"days": days})
    copy.path = scenario.path
    return copy


def run_model(scenario: Scenario, days: int, seed: int | None = None) -> MigrationModel:
    """Build a model of the scenario for ``days`` days and step it through all of them."""
    model = MigrationModel(with_days(scenario, days), seed=seed)
    for _ in range(days):
        model.step()
    return model


def state_bincount(model: MigrationModel) -> np.ndarray:
    """Families per state, counted from each family's own state."""
    fam = model.families
    return np.bincount(fam.state[: fam.n], minlength=len(fam.counts))


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``TimeoutError`` in the block if it runs longer than ``seconds`` (main thread)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def tiny_scenario() -> Scenario:
    """The tiny test scenario (Home → Bridge/Ford → … → Reynosa → Hidalgo/RGV)."""
    return load_scenario(TINY_YAML)


@pytest.fixture(scope="module")
def tiny_run() -> MigrationModel:
    """One tiny run of 120 days (seed 7), shared by tests that only read it."""
    return run_model(load_scenario(TINY_YAML), days=120, seed=7)
