"""What families hear: lagged, noisy rumours about enforcement and about outcomes in the US.

Two kinds of news travel. Co-travellers and contacts relay how often families are stopped at
each enforcement place; relatives relay how families from each origin fared at the US border
(released or evaded, against removed or returned to Mexico). News reaches others after
``info_lag_days``, distorted by log-normal noise, and beliefs move towards it by a fraction
``info_smoothing`` a day. Informed families (those with contacts, or who met informed families
on the way) act on these beliefs; the rest act on ordinary conditions. Origin communities'
beliefs about the US set their departure hazard.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from migsim.corridor import Corridor
from migsim.scenario import Behaviour


class Information:
    """Beliefs held by informed families and origin communities.

    Attributes:
        interdiction: Believed chance of being stopped at each place, shape (N,).
        release: Believed chance of staying in the US after reaching it, per place (used at
            origins), shape (N,).
        settled: Families from each origin living in the US (released or evaded).
    """

    def __init__(self, corridor: Corridor, behaviour: Behaviour, rng: np.random.Generator) -> None:
        self.corridor, self.behaviour, self.rng = corridor, behaviour, rng
        n = len(corridor.places)
        self.lag = behaviour.info_lag_days
        self.smoothing = behaviour.info_smoothing
        self.noise = behaviour.info_noise
        self.interdiction = corridor.base_interdiction.copy()
        self.release = np.full(n, behaviour.release_prior)
        self.settled = np.zeros(n)
        self._pending: deque[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self._reset_today(n)

    def _reset_today(self, n: int) -> None:
        self.passed = np.zeros(n)
        self.stopped = np.zeros(n)
        self.successes = np.zeros(n)
        self.failures = np.zeros(n)

    def observe_interdiction(self, places: np.ndarray, stopped: np.ndarray) -> None:
        """Record families passing enforcement places today and whether they were stopped."""
        n = len(self.passed)
        self.passed += np.bincount(places, minlength=n)
        self.stopped += np.bincount(places[stopped], minlength=n)

    def observe_outcomes(self, origins: np.ndarray, success: bool) -> None:
        """Record US outcomes today for families from the given origins."""
        counts = np.bincount(origins, minlength=len(self.passed))
        if success:
            self.successes += counts
            self.settled += counts
        else:
            self.failures += counts

    def end_day(self) -> None:
        """Send today's news on its way and let news from ``lag`` days ago change beliefs."""
        rng = self.rng
        self._pending.append((self.passed, self.stopped, self.successes, self.failures))
        self._reset_today(len(self.passed))
        # Always draw the noise, so the random stream does not depend on what happened.
        noise = rng.lognormal(0.0, self.noise, size=(2, len(self.passed)))
        if len(self._pending) <= self.lag:
            return
        passed, stopped, successes, failures = self._pending.popleft()
        a = self.smoothing
        seen = passed > 0
        rate = np.where(seen, stopped / np.maximum(passed, 1), 0.0) * noise[0]
        self.interdiction = np.where(
            seen, (1 - a) * self.interdiction + a * np.minimum(rate, 1.0), self.interdiction
        )
        told = successes + failures
        heard = told > 0
        share = np.where(heard, successes / np.maximum(told, 1), 0.0) * noise[1]
        self.release = np.where(
            heard, (1 - a) * self.release + a * np.minimum(share, 1.0), self.release
        )

    def beliefs(self, informed: bool, origin: int) -> dict[str, float]:
        """What a family believes: stop chances at enforcement places and release odds.

        Args:
            informed: Whether the family hears current news.
            origin: Its origin's place id.
        """
        corridor = self.corridor
        source = self.interdiction if informed else corridor.base_interdiction
        out = {
            f"stopped at {corridor.places[i]}": float(source[i])
            for i in corridor.of_kind("crossing", "checkpoint")
        }
        out["stay in the US"] = float(
            self.release[origin] if informed else self.behaviour.release_prior
        )
        return out
