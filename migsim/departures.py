"""Leaving home (ODD 7.1–7.3, 7.11): the departure hazard, new families, setting off, going home.

Origin communities send families at a daily rate set by push factors, by what they believe of
their chances in the US (learned from outcomes and announcements), and by the pull of their
relatives abroad (:mod:`migsim.information`); new families are drawn with their size, adults,
money, risk attitude, claim and contacts; a family setting off chooses how to travel (alone, or
a smuggler's ordinary or express tier, :mod:`migsim.smuggling`; caravans are scheduled by the
scenario); families back home may set off again after a drawn wait.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import mesa
import numba
import numpy as np

from migsim import decisions
from migsim.families import FamilyState, TravelMode, plain
from migsim.lookup import place_id

S, MODE = plain(FamilyState), plain(TravelMode)
ALONE, EXPRESS = MODE.ALONE, MODE.EXPRESS  # plain ints, which compiled code can read
CONTACTS_MEAN = 3.0  # relatives and friends who relay news, on average (assumed)


def origin_diaspora(corridor, shares: np.ndarray, by_country: dict[str, float]) -> np.ndarray:
    """People from each origin living in the US: its country's, by its share of departures.

    Args:
        corridor: The corridor (each origin's ``country``).
        shares: Each place's share of first departures.
        by_country: People born in each country living in the US, by country code.
    """
    country = np.array(
        [corridor.graph.nodes[name].get("country") or "" for name in corridor.places], dtype=object
    )
    out = np.zeros(len(shares))
    for code, people in by_country.items():
        mine = (country == code) & (shares > 0)
        if mine.any():
            out[mine] = people * shares[mine] / shares[mine].sum()
    return out


class Departures:
    """Origins' departure hazards and families leaving and coming home.

    Args:
        model: The model (its corridor, population, behaviour, families, rng, ledger).

    Attributes:
        origin_ids: Place ids of the origins.
        origin_share: Each place's share of first departures.
        base_daily: Each place's first departures a day at the base hazard.
        pull_today: Today's per-place multiplier on departures.
        risk_cdf: Cumulative shares of the risk classes.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        corridor, pop, spec = model.corridor, model.population, model.spec
        self.origin_ids = corridor.of_kind("origin")
        shares = np.zeros(len(corridor.places))
        for name in pop.origins:
            place = place_id(
                corridor, name, "origin", ("an origin", "origins"), "population.origins", spec
            )
            shares[place] = pop.origins[name].share
        shares /= shares.sum()
        self.origin_share = shares
        self.diaspora = origin_diaspora(corridor, shares, pop.diaspora)
        self.base_daily = pop.families_per_year * shares / 365.0
        self.caravans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for caravan in pop.caravans:
            what = ("an origin", "origins")
            place_id(corridor, caravan.origin, "origin", what, "population.caravans", spec)
            first = (caravan.date - model.first_date).days
            per_day = np.diff(np.linspace(0, caravan.families, caravan.days + 1).round())
            for k, count in enumerate(per_day):
                self.caravans[first + k].append((corridor.index[caravan.origin], int(count)))
        self.pull_today = np.ones(len(corridor.places))
        cdf = np.asarray(pop.risk_shares, dtype=float).cumsum()
        self.risk_cdf = cdf / cdf[-1]

    def pull(self) -> np.ndarray:
        """Per-origin multiplier on departures from what origin communities hear.

        The believed chance of staying in the US (learned from outcomes, less announcements)
        against the prior, to the ``pull_elasticity``, on the share of the hazard that is not
        push alone; times the pull of relatives abroad (saturating in their number).
        """
        m = self.model
        b, info = m.behaviour, m.information
        places = np.arange(len(self.origin_share))
        believed = info.believed_release(places, True)
        odds = (np.maximum(believed, 1e-3) / b.release_prior) ** b.pull_elasticity
        pull = b.push_share + (1 - b.push_share) * odds
        return pull * info.network_pull()

    def season(self) -> float:
        """Today's seasonal factor on departures (1 when the scenario has no season).

        The farm calendar's swing, times ``1 − holiday_dip`` over the year-end holidays.
        """
        pop, date = self.model.population, self.model.date
        factor = 1.0
        if pop.seasonal_amplitude != 0:
            peak = dt.date(date.year, pop.seasonal_peak_month, 15)
            phase = 2 * np.pi * (date - peak).days / 365.25
            factor = 1.0 + pop.seasonal_amplitude * float(np.cos(phase))
        if pop.holiday_dip and in_holidays(date, pop.holiday_from, pop.holiday_to):
            factor *= 1.0 - pop.holiday_dip
        return factor

    def depart(self, t: int) -> None:
        """New families leave their origins with each origin's daily hazard."""
        m = self.model
        fam, rng = m.families, m.rng
        self.pull_today = self.pull() * m.policy.departure_multiplier * self.season()
        counts = rng.poisson(self.base_daily[self.origin_ids] * self.pull_today[self.origin_ids])
        origins = [np.repeat(self.origin_ids, counts)]
        caravan = [np.zeros(len(origins[0]), dtype=bool)]
        for origin, families in self.caravans.get(t, []):
            origins.append(np.full(families, origin))
            caravan.append(np.ones(families, dtype=bool))
        new = self.create_families(np.concatenate(origins).astype(np.int16))
        fam.mode[new[np.concatenate(caravan)]] = MODE.CARAVAN
        m.ledger.add("first_departures", len(new))
        fam.schedule(new, t)  # they set off with today's other departures

    def create_families(self, origins: np.ndarray) -> np.ndarray:
        """Add families leaving the given origins to the table; returns their rows."""
        m = self.model
        rng, pop, n = m.rng, m.population, len(origins)
        size = np.minimum(2 + rng.poisson(max(pop.family_size_mean - 2, 0), n), 12)
        children = rng.random(n) < pop.children_share
        contacts = np.minimum(rng.poisson(CONTACTS_MEAN, n), 100)
        relay = min(1.0, -np.log(1 - pop.informed_share) / CONTACTS_MEAN)
        return m.families.add(
            n,
            origin=origins,
            size=size,
            children=children,
            # A family unit is one parent with children, two when four or more travel.
            adults=np.where(children, 1 + (size >= 4), size),
            money=rng.lognormal(np.log(pop.money_median_usd), pop.money_spread, n),
            # rng.choice(3, size=n, p=risk_shares) as numpy draws it (one uniform number a
            # family against the cumulative shares) without its checks of p, which cost more
            # than the draws at a few families a day.
            risk_class=self.risk_cdf.searchsorted(rng.random(n), side="right"),
            claim=rng.beta(2.0, 3.0, n),
            contacts=contacts,
            # Each contact relays news with the chance that makes the average informed
            # share ``informed_share``: P(informed) = 1 - (1 - q)^contacts.
            informed=rng.random(n) < 1 - (1 - relay) ** contacts,
        )

    def set_off(self, rows: np.ndarray, t: int) -> None:
        """Families leave home and choose how to travel (their first link is chosen next)."""
        if len(rows) == 0:
            return
        m = self.model
        fam, rng, ledger = m.families, m.rng, m.ledger
        ledger.add("departures", len(rows))
        alone = rows[fam.mode[rows] != MODE.CARAVAN]
        m.decisions_taken += len(alone)
        modes, price = m.smuggling.choose_tiers(alone)
        hired = np.flatnonzero(modes != MODE.ALONE)
        if len(hired) > m.policy.smuggling_capacity:  # smugglers turn away the rest
            kept = rng.choice(hired, size=int(m.policy.smuggling_capacity), replace=False)
            turned = np.setdiff1d(hired, kept)
            modes[turned], price[turned] = MODE.ALONE, 0.0
        ledger.add("smuggler_revenue_usd", price.sum())
        smuggled, express = _set_off(
            rows, alone, modes, price, t, fam.mode, fam.money, fam.attempts, fam.weighed_mx,
            fam.departed, fam.place, fam.origin,
        )  # fmt: skip
        ledger.add("smuggled_departures", smuggled)
        ledger.add("express_hires", express)

    def back_home(self, rows: np.ndarray, t: int) -> None:
        """Families back at their origin; each may set off again after a drawn wait.

        The daily hazard of setting off again is ``retry_hazard`` times the origin's pull on
        the day the family is back (drawn once, as a memoryless wait).
        """
        if len(rows) == 0:
            return
        m = self.model
        fam = m.families
        fam.set_state(rows, S.AT_ORIGIN)
        hazard = _home_again(
            rows, fam.place, fam.origin, fam.mode, self.pull_today, float(m.behaviour.retry_hazard)
        )
        wait = decisions.geometric_days(m.rng, 1 / np.maximum(hazard, 1e-12) - 1)
        _schedule_retries(rows, hazard, wait, t, fam.wake)


@numba.njit(cache=True)
def _set_off(
    rows, alone, modes, price, t, mode, money, attempts, weighed_mx, departed, place, origin
):  # fmt: skip
    # Departures.set_off's bookkeeping in one pass (numpy's casts: money stays float32): the
    # chosen tiers and their prices for families not in a caravan, then a new journey for all
    # (asylum in Mexico is weighed afresh). Returns the families smuggled and those express.
    smuggled = express = 0
    for i in range(len(alone)):
        r = alone[i]
        mode[r] = modes[i]
        money[r] = money[r] - price[i]
        smuggled += modes[i] != ALONE
        express += modes[i] == EXPRESS
    for r in rows:
        attempts[r] += 1
        weighed_mx[r] = False
        departed[r] = t
        place[r] = origin[r]
    return smuggled, express


@numba.njit(cache=True)
def _home_again(rows, place, origin, mode, pull_today, retry_hazard):
    # Departures.back_home before its draw: families are at their origin, travelling alone
    # next time; returns each one's daily hazard of setting off again (np.minimum's NaN).
    hazard = np.empty(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        place[r] = origin[r]
        mode[r] = ALONE
        h = retry_hazard * pull_today[origin[r]]
        hazard[i] = h if (h < 1.0 or h != h) else 1.0
    return hazard


@numba.njit(cache=True)
def _schedule_retries(rows, hazard, wait, t, wake):
    # Departures.back_home after its draw: with no hazard a family stays home for good.
    for i in range(len(rows)):
        wake[rows[i]] = t + 1 + wait[i] if hazard[i] > 0 else -1


def in_holidays(date: dt.date, first: str, after: str) -> bool:
    """Whether a date falls from ``first`` to the day before ``after`` (``MM-DD``, any year).

    A window may wrap the year's end: ``12-15`` to ``01-15`` is 15 December – 14 January.
    """
    day = f"{date.month:02d}-{date.day:02d}"
    if first <= after:
        return first <= day < after
    return day >= first or day < after
