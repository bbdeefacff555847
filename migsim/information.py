"""What families hear (ODD 7.19): rumours, announcements, and the pull of relatives abroad.

Three channels. *Rumours*: co-travellers and contacts relay how often families are stopped at
each enforcement place, and relatives relay how families from each origin fared at the US border
(released or evaded, against removed, barred, or returned to Mexico to wait). News reaches
others after ``info_lag_days``, distorted by log-normal noise with mean 1, and beliefs move
towards it by a fraction a day (``info_smoothing`` for enforcement, ``release_smoothing`` for
outcomes), so a belief learned from outcomes converges to the realised share. *Announcements*:
when a lever that cuts the chance of staying in the US is announced, everybody hears it at once;
its weight ``announcement_weight`` decays with ``announcement_days``. Announcements are the only
channel through which a lever moves a belief before its outcomes are heard: no lever multiplies
a learned belief. *Relatives abroad*: each origin's people living in the US (a stock from census
figures, growing with the families who settle) pull departures with a saturating
(Michaelis–Menten) weight.
"""

from __future__ import annotations

from collections import deque

import numba
import numpy as np

from migsim.corridor import Corridor
from migsim.scenario import Behaviour


class Information:
    """Beliefs held by informed families and origin communities, and relatives abroad.

    Args:
        corridor: The corridor.
        behaviour: Behaviour parameters.
        rng: The model's random generator.
        diaspora: People from each origin (place) living in the US at the start, shape (N,).

    Attributes:
        interdiction: Believed chance of being stopped at each place, shape (N,).
        release: Learned chance of staying in the US after reaching it, per origin, (N,).
        announced: Today's weight of announcements that staying in the US got harder (0–1).
        diaspora: People from each origin living in the US now (start stock plus settled).
        settled: People from each origin settled in the US since the run began.
    """

    def __init__(
        self,
        corridor: Corridor,
        behaviour: Behaviour,
        rng: np.random.Generator,
        diaspora: np.ndarray | None = None,
    ) -> None:
        self.corridor, self.behaviour, self.rng = corridor, behaviour, rng
        n = len(corridor.places)
        self.lag = behaviour.info_lag_days
        self.smoothing = behaviour.info_smoothing
        self.noise = behaviour.info_noise
        self.interdiction = corridor.base_interdiction.copy()
        self.release = np.full(n, behaviour.release_prior)
        self.diaspora_start = np.zeros(n) if diaspora is None else np.asarray(diaspora, float)
        self.settled = np.zeros(n)
        self.announced = 0.0
        self._announced_cut = 0.0
        self._pending: deque[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = deque()
        self._reset_today(n)

    def _reset_today(self, n: int) -> None:
        self.passed = np.zeros(n)
        self.stopped = np.zeros(n)
        self.successes = np.zeros(n)
        self.failures = np.zeros(n)

    @property
    def diaspora(self) -> np.ndarray:
        """People from each origin living in the US now."""
        return self.diaspora_start + self.settled

    def observe_interdiction(self, places: np.ndarray, stopped: np.ndarray) -> None:
        """Record families passing enforcement places today and whether they were stopped."""
        n = len(self.passed)
        self.passed += np.bincount(places, minlength=n)
        self.stopped += np.bincount(places[stopped], minlength=n)

    def observe_outcomes(
        self, origins: np.ndarray, success: bool, people: np.ndarray | None = None
    ) -> None:
        """Record US outcomes today for families from the given origins.

        Args:
            origins: Each family's origin.
            success: Whether they stay in the US (released, granted, or evaded).
            people: Each family's size: settled families join their origin's relatives abroad.
        """
        counts = np.bincount(origins, minlength=len(self.passed))
        if success:
            self.successes += counts
            weights = None if people is None else people.astype(float)
            self.settled += np.bincount(origins, weights=weights, minlength=len(self.passed))
        else:
            self.failures += counts

    def announce(self, cut: float) -> None:
        """Hear today's announced cut in the chance of staying in the US (0–1).

        A rise in the cut since yesterday is news: it adds to the announcement's weight, which
        decays by ``exp(-1 / announcement_days)`` a day. A cut that stays or falls adds nothing.
        """
        b = self.behaviour
        self.announced *= float(np.exp(-1.0 / b.announcement_days))
        rise = cut - self._announced_cut
        if rise > 0:
            self.announced = min(1.0, self.announced + rise)
        self._announced_cut = cut

    def believed_release(self, origins: np.ndarray, informed: np.ndarray | bool) -> np.ndarray:
        """Believed chance of staying in the US: learned (informed) or the prior, less news.

        Args:
            origins: Place ids of origins.
            informed: Whether each believer hears current rumours (origin communities do).
        """
        b = self.behaviour
        learned = np.where(informed, self.release[origins], b.release_prior)
        return learned * (1.0 - b.announcement_weight * self.announced)

    def network_pull(self) -> np.ndarray:
        """Each origin's multiplier on departures from its relatives abroad (1 at the start).

        The pull is ``1 + network_effect × h(D)`` with ``h(D) = D / (D + network_saturation ×
        D₀)``, ``D`` the people abroad now and ``D₀`` at the start: concave in the stock, it
        approaches ``1 + network_effect`` however many settle. It is divided by its starting
        value, so the base hazard holds at the start. Places with no one abroad get 1.
        """
        b = self.behaviour
        d0 = self.diaspora_start
        has = d0 > 0
        half = b.network_saturation * np.where(has, d0, 1.0)
        now = 1 + b.network_effect * self.diaspora / (self.diaspora + half)
        start = 1 + b.network_effect / (1 + b.network_saturation)
        return np.where(has, now / start, 1.0)

    def end_day(self) -> None:
        """Send today's news on its way and let news from ``lag`` days ago change beliefs."""
        rng = self.rng
        self._pending.append((self.passed, self.stopped, self.successes, self.failures))
        self._reset_today(len(self.passed))
        # Always draw the noise, so the random stream does not depend on what happened; its
        # mean is 1, so a belief learned from outcomes is not biased by the distortion.
        noise = rng.lognormal(-0.5 * self.noise**2, self.noise, size=(2, len(self.passed)))
        if len(self._pending) <= self.lag:
            return
        passed, stopped, successes, failures = self._pending.popleft()
        self.interdiction = _smoothed(self.interdiction, stopped, passed, noise[0], self.smoothing)
        told = successes + failures
        self.release = _smoothed(
            self.release, successes, told, noise[1], self.behaviour.release_smoothing
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
            self.believed_release(np.array([origin]), np.array([informed]))[0]
        )
        return out


@numba.njit(cache=True)
def _smoothed(belief, hits, heard, noise, weight):
    # A belief moves towards the noisy share of ``hits`` among the ``heard`` (where anything
    # was heard) by ``weight``, capped at 1: smoothed before capping, since capping each day's
    # noisy share would bias a belief low when most families stay. The arithmetic of the
    # numpy expressions it replaced, into a new array.
    out = np.empty(len(belief))
    for i in range(len(belief)):
        if heard[i] > 0:
            share = hits[i] / max(heard[i], 1.0) * noise[i]
            value = (1 - weight) * belief[i] + weight * share
            out[i] = value if (value < 1.0 or value != value) else 1.0  # as np.minimum
        else:
            out[i] = belief[i]
    return out
