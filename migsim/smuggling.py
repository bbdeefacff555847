"""Smuggling as a market (ODD 7.3a): tiers, prices, staging places and express buses.

Smugglers offer two tiers beside travelling alone. *Ordinary* smuggling takes a family along
the corridor by the smuggler's own reckoning of days and risks to a crossing its network works.
The *express* ("the conveyor belt"): the network brings families to a staging place in southern
Mexico (places of group ``staging`` in the corridor), gathers them, and runs each group north
on a non-stop bus to a drop-off crossing (border cities of group ``dropoff``), whence the group
walks across and surrenders to Border Patrol. A group leaves a staging place every
``express_dispatch_days``; its smuggler chooses the drop-off by the cost of the road there,
which rises with the enforcement on it, so drop-offs shift away from enforcement. A tier's
price is its fee per paying adult (children travel free) plus a share of the rise in its
route's generalised cost since the run began (enforcement raises prices).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import networkx as nx
import numba
import numpy as np

from migsim import decisions
from migsim.corridor import Corridor, Kind, Mode
from migsim.families import FamilyState, TravelMode, plain

S, KIND, MODE = plain(FamilyState), plain(Kind), plain(TravelMode)
MODE_ALONE, MODE_SMUGGLER, MODE_EXPRESS = MODE.ALONE, MODE.SMUGGLER, MODE.EXPRESS  # plain ints
TIER_MODES = np.array((MODE.ALONE, MODE.SMUGGLER, MODE.EXPRESS))  # travel mode of each tier


@dataclass(frozen=True)
class ExpressNetwork:
    """Where express buses run: staging places, drop-off crossings, and the roads between.

    Attributes:
        staging: Place ids of staging places, shape (S,).
        dropoffs: Place ids of drop-off border cities, shape (D,).
        days: Bus days from each staging place to each drop-off, shape (S, D).
        on_path: Whether each place lies on the road from each staging place to each drop-off,
            shape (S, D, N).
        sector_link: Each drop-off's link into its Border Patrol sector, shape (D,).
    """

    staging: np.ndarray
    dropoffs: np.ndarray
    days: np.ndarray
    on_path: np.ndarray
    sector_link: np.ndarray

    @classmethod
    def build(
        cls,
        corridor: Corridor,
        sector_link: np.ndarray,
        km_per_day: float,
        dropoffs: np.ndarray | None = None,
    ) -> ExpressNetwork:
        """The express roads of a corridor (none when it has no staging or drop-off places).

        Args:
            corridor: The corridor.
            sector_link: Each place's link into a Border Patrol sector (-1: none).
            km_per_day: A non-stop bus's distance a day.
            dropoffs: Drop-off crossings (default: border cities of group ``dropoff``).
        """
        c = corridor
        staging = np.flatnonzero((c.group == "staging") & (c.kind == KIND.CITY))
        if dropoffs is None:
            dropoffs = np.flatnonzero((c.group == "dropoff") & (c.kind == KIND.BORDER_CITY))
        dropoffs = dropoffs[sector_link[dropoffs] >= 0]
        graph = nx.DiGraph()  # buses ride roads only
        for e in np.flatnonzero(c.link_mode == Mode.BUS).tolist():
            graph.add_edge(int(c.link_src[e]), int(c.link_dst[e]), km=float(c.link_distance[e]))
        days = np.full((len(staging), len(dropoffs)), np.inf)
        on_path = np.zeros((len(staging), len(dropoffs), len(c.places)), dtype=bool)
        for i, s in enumerate(staging.tolist()):
            if s not in graph:
                continue
            km, paths = nx.single_source_dijkstra(graph, s, weight="km")
            for j, d in enumerate(dropoffs.tolist()):
                if d in km:
                    days[i, j] = max(1.0, np.ceil(km[d] / km_per_day))
                    on_path[i, j, paths[d]] = True
        keep = np.isfinite(days).any(axis=1)
        return cls(
            staging=staging[keep],
            dropoffs=dropoffs,
            days=days[keep],
            on_path=on_path[keep],
            sector_link=sector_link[dropoffs],
        )

    @property
    def runs(self) -> bool:
        """Whether any express road exists."""
        return len(self.staging) > 0 and len(self.dropoffs) > 0 and np.isfinite(self.days).any()


class Smuggling:
    """Smugglers' tiers: hiring, prices, and the express buses' dispatch and arrival.

    Args:
        model: The model (its corridor, costs, policy, behaviour, families, rng, ledger,
            information, and the journey, Mexico and border submodels).

    Attributes:
        express: The express roads (:class:`ExpressNetwork`, from the costs submodel).
        days_to_border: Fewest days from each place to a border city along the corridor.
        is_staging: Whether each place is a staging place.
    """

    def __init__(self, model: mesa.Model) -> None:
        self.model = model
        c = model.corridor
        self.express = model.costs.express
        self.is_staging = np.zeros(len(c.places), dtype=bool)
        self.is_staging[self.express.staging] = True
        graph = nx.DiGraph()
        for e in range(len(c.links)):
            graph.add_edge(int(c.link_src[e]), int(c.link_dst[e]), days=float(c.link_days[e]))
        border = c.of_kind("border_city").tolist()
        far = nx.multi_source_dijkstra_path_length(graph.reverse(), border, weight="days")
        self.days_to_border = np.array([far.get(i, np.inf) for i in range(len(c.places))])
        if self.express.runs:
            to_staging = nx.multi_source_dijkstra_path_length(
                graph.reverse(), self.express.staging.tolist(), weight="days"
            )
            wait = model.behaviour.express_dispatch_days / 2
            self.days_by_express = (
                np.array([to_staging.get(i, np.inf) for i in range(len(c.places))])
                + wait
                + np.nanmin(np.where(np.isfinite(self.express.days), self.express.days, np.nan))
            )
        else:
            self.days_by_express = np.full(len(c.places), np.inf)

    # ---------------------------------------------------------------- hiring
    def prices(self, rows: np.ndarray) -> np.ndarray:
        """Each family's price of the ordinary and express tiers, shape (2, n), in USD."""
        return self.tiers(rows)[0]

    def tiers(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each family's prices of the smuggled tiers, and utilities of the three tiers.

        A tier's price is its fee per paying adult plus a share ``price_pass_through`` of the
        rise in its cost-to-go from the family's origin since the run began. A tier's utility
        is minus its generalised cost from home: the cost-to-go of travelling alone; for a
        smuggled tier the price plus the tier's cost-to-go, in which the smuggler's daily
        outlay stands for each day, less that outlay over the tier's days (the smuggler's,
        covered by the price) plus the family's own value of those days. A tier the family
        cannot pay for, or whose route leads nowhere, is ``-inf``; with none available the
        family goes alone (utility 0).

        Returns:
            Prices, shape (2, n), and utilities, shape (n, 3) (alone, ordinary, express).
        """
        m = self.model
        fam, b, costs = m.families, m.behaviour, m.costs
        fees = np.array([b.smuggler_fee_usd, b.express_fee_usd]) * m.policy.smuggling_fee_multiplier
        prices, utility = np.empty((2, len(rows))), np.empty((len(rows), 3))
        _tiers(
            fam.origin[rows], fam.informed[rows], fam.risk_class[rows], fam.adults[rows],
            fam.money[rows], costs.ctg, costs.first_ctg, float(fees[0]), float(fees[1]),
            float(b.price_pass_through), float(b.smuggler_cost_per_day_usd - b.value_of_time_usd),
            self.days_to_border, self.days_by_express, prices, utility,
        )  # fmt: skip
        return prices, utility

    def choose_tiers(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Families setting off alone choose a tier by logit (:meth:`tiers`).

        Returns:
            Each family's travel mode, and the price it pays.
        """
        m = self.model
        prices, utility = self.tiers(rows)
        choice = decisions.logit_choice(m.rng, utility, m.behaviour.tier_choice_scale_usd)
        price = np.where(choice == 0, 0.0, prices[np.maximum(choice - 1, 0), np.arange(len(rows))])
        return TIER_MODES[choice], price

    # ---------------------------------------------------------------- express
    def next_dispatch(self, t: int) -> int:
        """The first dispatch day after ``t`` (buses leave every ``express_dispatch_days``)."""
        every = max(1, int(self.model.behaviour.express_dispatch_days))
        return t + 1 + (-(t + 1)) % every

    def at_staging(self, places: np.ndarray) -> np.ndarray:
        """Whether each place is a staging place."""
        return self.is_staging.take(places)

    def dispatch(self, rows: np.ndarray, t: int) -> None:
        """Express families at staging places leave together on today's buses.

        Each staging place's group takes one road, chosen by its smuggler by logit (scale
        ``dropoff_choice_scale_usd``, by default the route choice's) over the roads' costs as
        the smuggler believes them; each family is stopped on the road with
        the chance of being stopped at any enforcement place on it.
        """
        if len(rows) == 0:
            return
        m = self.model
        fam, x, pol, rng = m.families, self.express, m.policy, m.rng
        where = np.searchsorted(x.staging, fam.place[rows])
        # The smuggler reckons as an informed family of moderate risk attitude would.
        cost = m.costs.express_roads(pol, m.information.interdiction, m.costs.risk_weight[1])
        utility = np.where(np.isfinite(cost), -cost, -np.inf)
        b = m.behaviour
        scale = b.dropoff_choice_scale_usd or b.choice_scale_usd
        if b.express_bus_families is None:  # one road for each staging place's whole group
            drop = decisions.logit_choice(rng, utility, scale)[where]  # (S,) roads
        else:
            bus, staging_of_bus = buses(where, b.express_bus_families)
            drop = decisions.logit_choice(rng, utility[staging_of_bus], scale)[bus]
        q = np.where(x.on_path[where, drop], pol.interdiction[None, :], 0.0)
        q = q * pol.smuggled_interdiction
        p_stop = 1.0 - np.prod(1.0 - q, axis=1)
        stopped = rng.random(len(rows)) < p_stop
        first = np.argmax(q, axis=1)  # where a stopped bus is stopped: the likeliest place
        m.information.observe_interdiction(first, stopped)
        m.mexico.detain(rows[stopped], first[stopped], t)
        go, drop, where = rows[~stopped], drop[~stopped], where[~stopped]
        fam.set_state(go, S.TRAVELLING)
        fam.link[go] = -1
        fam.express_to[go] = x.dropoffs[drop]
        fam.boarded[go] = t
        fam.schedule(go, t + x.days[where, drop].astype(np.int64))
        m.ledger.add("express_departures", len(go))

    def arrive(self, rows: np.ndarray, t: int) -> None:
        """Express buses reach their drop-off: the group walks across and surrenders."""
        if len(rows) == 0:
            return
        m = self.model
        fam = m.families
        places = fam.express_to[rows].astype(np.int64)
        fam.express_to[rows] = -1
        fam.place[rows] = places
        fam.border_city[rows] = places
        fam.evading[rows] = False
        m.ledger.add("express_arrivals", len(rows))
        m.journey.start_links(rows, m.costs.sector_link[places], t)


def buses(where: np.ndarray, families_per_bus: float) -> tuple[np.ndarray, np.ndarray]:
    """Fill buses of at most ``families_per_bus`` at each staging place, in row order.

    Args:
        where: Each boarding family's staging place (an index into the staging places).
        families_per_bus: A bus's capacity in families (a fraction rounds up to one family).

    Returns:
        Each family's bus, and each bus's staging place.
    """
    size = max(1, int(np.ceil(families_per_bus - 1e-9)))
    order = np.argsort(where, kind="stable")
    ranked = where[order]
    rank = np.empty(len(where), dtype=np.int64)
    rank[order] = np.arange(len(where)) - np.searchsorted(ranked, ranked)
    seats = int(rank.max()) // size + 1 if len(where) else 1
    key = where.astype(np.int64) * seats + rank // size
    staged, bus = np.unique(key, return_inverse=True)
    return bus, staged // seats


@numba.njit(cache=True)
def _tiers(
    origin, informed, risk, adults, money, ctg, first_ctg, fee, express_fee, pass_through,
    outlay_over_time, days_to_border, days_by_express, prices, utility,
):  # fmt: skip
    # Smuggling.tiers in one compiled pass over the families, with the arithmetic of the
    # numpy expressions it replaced, operation by operation (a tier's cost-to-go column is
    # decisions.variant: travel mode × 6 + informed × 3 + risk class).
    for i in range(len(origin)):
        o, base = origin[i], (3 if informed[i] else 0) + risk[i]
        alone = ctg[o, MODE_ALONE * 6 + base]
        utility[i, 0] = -alone if np.isfinite(alone) else -np.inf
        available = np.isfinite(alone)
        for k in range(2):
            column = (MODE_SMUGGLER if k == 0 else MODE_EXPRESS) * 6 + base
            rise = ctg[o, column] - first_ctg[o, column]
            rise = max(rise, 0.0) if np.isfinite(rise) else 0.0
            price = (fee if k == 0 else express_fee) * adults[i] + pass_through * rise
            prices[k, i] = price
            saved = outlay_over_time * (days_to_border[o] if k == 0 else days_by_express[o])
            cost = ctg[o, column] + (price - (saved if np.isfinite(saved) else 0.0))
            if money[i] < price:
                cost = np.inf
            utility[i, k + 1] = -cost if np.isfinite(cost) else -np.inf
            available = available or np.isfinite(cost)
        if not available:
            utility[i, 0] = 0.0
