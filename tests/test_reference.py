"""The batched model agrees with the per-agent reference within ensemble noise.

``benchmarks/reference.py`` drives the same decision functions the plain Mesa way (every
family's ``step()`` every day via ``shuffle_do``). Over several seeds, the share of families
in each state and the Border Patrol sector shares must agree within three standard errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migsim.model import MigrationModel
from migsim.outcomes import sector_shares
from migsim.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from reference import PerAgentModel  # noqa: E402

SCENARIO = (
    Path(__file__).resolve().parent.parent
    / "models/northern_triangle_2019/scenarios/june_2019_agreement.yaml"
)
SEEDS = range(1, 6)
DAYS = 100
FAMILIES = 2000


def _ensemble(cls: type[MigrationModel]) -> tuple[pd.DataFrame, pd.DataFrame]:
    scenario = load_scenario(SCENARIO, days=DAYS)
    states, sectors = [], []
    for seed in SEEDS:
        model = cls(scenario, seed=seed, families_per_year=FAMILIES)
        model.run_for(DAYS)
        counts = pd.Series(model.state_counts(), dtype=float)
        states.append(counts / counts.sum())
        sectors.append(sector_shares(model.results()))
    return pd.DataFrame(states).fillna(0.0), pd.DataFrame(sectors).fillna(0.0)


@pytest.fixture(scope="module")
def ensembles():
    return _ensemble(MigrationModel), _ensemble(PerAgentModel)


def _agree(a: pd.DataFrame, b: pd.DataFrame, floor: float) -> list[str]:
    a, b = a.align(b, join="outer", axis=1, fill_value=0.0)
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    gap = (a.mean() - b.mean()).abs()
    bad = gap > 3 * se + floor
    return [f"{k}: {a.mean()[k]:.4f} vs {b.mean()[k]:.4f}" for k in gap[bad].index]


def test_state_shares_agree(ensembles):
    (states, _), (ref_states, _) = ensembles
    assert _agree(states, ref_states, floor=0.01) == []


def test_sector_shares_agree(ensembles):
    (_, sectors), (_, ref_sectors) = ensembles
    assert _agree(sectors, ref_sectors, floor=0.03) == []


def test_the_reference_steps_every_family_as_a_mesa_agent():
    scenario = load_scenario(SCENARIO, days=20)
    model = PerAgentModel(scenario, seed=1, families_per_year=2000)
    model.run_for(20)
    assert len(model.agents) == model.families.n > 0
    # Every family took its own step on many days (the 120 days of spin-up included).
    assert model.stepped_families > 10 * model.families.n
