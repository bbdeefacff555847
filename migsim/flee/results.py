"""The outcome of a Flee run: daily camp populations, and their fit to the validation data.

The fit is Flee's averaged relative difference (ARD, :func:`averaged_relative_difference`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from migsim.flee.rules import FleeRules
from migsim.outfolder import write_folder

# The files a results folder holds.
RESULT_FILES = ("camp_populations.csv", "observed.csv", "ard_daily.csv", "ard.txt")


def averaged_relative_difference(
    simulated: np.ndarray, observed: np.ndarray
) -> tuple[float, np.ndarray]:
    """The averaged relative difference (ARD) of simulated camp populations from observed ones.

    On each day, the simulated camp counts are rescaled so that they add up to the observed
    total in camps, and the error is the sum over camps of the absolute differences over the
    observed total::

        E(t) = sum_c |s_c(t) * N(t) / S(t) - n_c(t)| / N(t)

    with s_c the simulated and n_c the observed count in camp c, S = sum_c s_c and N = sum_c n_c.
    The ARD is the mean of E(t) over the days. Days with no observed refugees in camps (N = 0)
    are left out; on a day with observed refugees but an empty simulation (S = 0) the rescaled
    counts are 0 and E = 1.

    Args:
        simulated: Simulated camp populations, days × camps.
        observed: Observed camp populations, days × camps.

    Returns:
        The ARD (NaN if no day has observed refugees) and E(t) for each day (NaN where left out).
    """
    simulated = np.asarray(simulated, dtype=float)
    observed = np.asarray(observed, dtype=float)
    if simulated.shape != observed.shape:
        raise ValueError(f"shapes differ: simulated {simulated.shape}, observed {observed.shape}")
    sim_total = simulated.sum(axis=1)
    obs_total = observed.sum(axis=1)
    scale = np.divide(obs_total, sim_total, out=np.zeros_like(obs_total), where=sim_total > 0)
    error = np.abs(simulated * scale[:, None] - observed).sum(axis=1)
    daily = np.divide(error, obs_total, out=np.full_like(error, np.nan), where=obs_total > 0)
    counted = daily[~np.isnan(daily)]
    return (float(counted.mean()) if counted.size else math.nan), daily


@dataclass
class FleeResults:
    """The outcome of a run: daily camp populations and their fit to the validation data.

    Attributes:
        name: The scenario's name.
        start: The first simulated day.
        camps: Camp names (columns of ``simulated`` and ``observed``).
        simulated: Simulated camp populations at the end of each day, days × camps.
        observed: Observed camp populations on each day, days × camps.
        ard: The averaged relative difference over the days.
        daily_ard: The relative difference on each day (NaN where left out).
        agents: Agents in the simulation on each day.
        in_transit: Agents on a route at the end of each day.
        unplaced: New agents not placed because no conflict zone was active.
        seconds: Wall time of the simulation.
        rules: The rules used.
        notes: Files and settings of the scenario that were not used.
    """

    name: str
    start: dt.date
    camps: list[str]
    simulated: np.ndarray
    observed: np.ndarray
    ard: float
    daily_ard: np.ndarray
    agents: np.ndarray
    in_transit: np.ndarray
    unplaced: int = 0
    seconds: float = 0.0
    rules: FleeRules = field(default_factory=FleeRules)
    notes: list[str] = field(default_factory=list)

    @property
    def agent_days(self) -> int:
        """Agents summed over days."""
        return int(self.agents.sum())

    def _frame(self, values: np.ndarray) -> pd.DataFrame:
        days = np.arange(len(values))
        frame = pd.DataFrame(
            {"day": days, "date": [self.start + dt.timedelta(int(d)) for d in days]}
        )
        for j, name in enumerate(self.camps):
            frame[name] = values[:, j].astype(np.int64)
        frame["total"] = values.sum(axis=1).astype(np.int64)
        return frame

    def camp_populations(self) -> pd.DataFrame:
        """Simulated camp populations: day, date, one column per camp, and their total."""
        return self._frame(self.simulated)

    def observed_populations(self) -> pd.DataFrame:
        """Observed camp populations, in the same layout as :meth:`camp_populations`."""
        return self._frame(self.observed)

    def write(self, folder: str | Path) -> Path:
        """Write ``camp_populations.csv``, ``observed.csv``, ``ard_daily.csv`` and ``ard.txt``.

        The folder is written in full or not at all, and replaces an earlier one only if that
        holds nothing but these files (see :func:`migsim.outfolder.write_folder`).

        Raises:
            InputError: If the folder holds files migsim did not write.
        """
        return write_folder(folder, self._write_files, names=RESULT_FILES, what="Flee results")

    def _write_files(self, folder: Path) -> None:
        self.camp_populations().to_csv(folder / "camp_populations.csv", index=False)
        self.observed_populations().to_csv(folder / "observed.csv", index=False)
        daily = self._frame(self.simulated)[["day", "date"]]
        daily["simulated_total"] = self.simulated.sum(axis=1).astype(np.int64)
        daily["observed_total"] = self.observed.sum(axis=1).astype(np.int64)
        daily["ard"] = self.daily_ard
        daily.to_csv(folder / "ard_daily.csv", index=False)
        (folder / "ard.txt").write_text(
            f"{self.ard:.6f}\n"
            "averaged relative difference of simulated from observed camp populations "
            f"over {int(np.sum(~np.isnan(self.daily_ard)))} days\n",
            encoding="utf-8",
        )

    def summary(self) -> str:
        """A few lines for the terminal."""
        last = len(self.simulated) - 1
        width = max([len(c) for c in self.camps] + [5])
        lines = [
            f"{self.name}: {len(self.simulated)} days from {self.start}, "
            f"{int(self.agents[-1]):,} agents, {self.agent_days:,} agent-days in "
            f"{self.seconds:.2f} s ({self.agent_days / max(self.seconds, 1e-9):,.0f} agent-days/s)",
            f"{'camp':<{width}}  {'simulated':>12}  {'observed':>12}   (day {last})",
        ]
        for j, name in enumerate(self.camps):
            lines.append(
                f"{name:<{width}}  {int(self.simulated[last, j]):>12,}  "
                f"{int(self.observed[last, j]):>12,}"
            )
        lines.append(f"averaged relative difference (ARD): {self.ard:.4f}")
        if self.unplaced:
            lines.append(
                f"note: {self.unplaced:,} new agents were not placed: no conflict zone was active"
            )
        return "\n".join(lines)
