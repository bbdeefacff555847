"""Fingerprint runs: a hash of everything a run produces, to check a change keeps results.

Hashes the daily series, place series, link flows, costs-to-go and every family column of two
scenarios under two seeds. ``python scripts/fingerprint.py > before.txt`` before a change and
again after it; identical output means bit-for-bit identical results.
"""

from __future__ import annotations

import hashlib
import sys

import numpy as np

from migsim.model import MigrationModel
from migsim.scenario import load_scenario

SCENARIOS = (
    "models/northern_triangle_2019/scenarios/baseline_2019.yaml",
    "models/northern_triangle_2019/scenarios/june_2019_agreement.yaml",
)


def digest(*arrays) -> str:
    """A short hash of arrays' bytes."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(np.asarray(a)).tobytes())
    return h.hexdigest()[:16]


def fingerprint(path: str, seed: int, days: int, families: float) -> dict[str, str]:
    """Hashes of one run's outputs."""
    model = MigrationModel(load_scenario(path, days=days, seed=seed), families_per_year=families)
    model.run_for(days)
    res = model.results()
    fam = model.families
    columns = [
        getattr(fam, name)[: fam.n]
        for name in sorted(vars(fam))
        if isinstance(getattr(fam, name), np.ndarray)
        and len(getattr(fam, name)) >= fam.n
        and name != "counts"
    ]
    return {
        "daily": digest(res.daily.to_numpy(dtype=float)),
        "place": digest(
            res.place_series["value"].to_numpy(),
            res.place_series["place"].astype(str).to_numpy().astype("U"),
        ),
        "links": digest(res.link_flows["families"].to_numpy()),
        "ctg": digest(model.costs.ctg if hasattr(model, "costs") else model.ctg),
        "families": digest(*columns),
    }


if __name__ == "__main__":
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 365
    for path in SCENARIOS:
        for seed in (1, 2):
            print(path.rsplit("/", 1)[1], seed, fingerprint(path, seed, days, 40_000))
