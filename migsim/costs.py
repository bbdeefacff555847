"""Generalised costs and costs-to-go (ODD 7.4), and the route probabilities they give (7.5).

Every family uses one of 24 variants (travel mode × informed × risk attitude). A link's
generalised cost for a variant is time and money, plus risk-weighted harm and the believed cost
of being stopped; a border city's exit cost is the cheaper way over (queueing at its port or
crossing between ports). Express families' routes end at a staging place instead, at the cost of
the cheapest express road on from there (:mod:`migsim.smuggling`). Costs-to-go are solved each
day only for the variants whose costs changed; the logit route probabilities at every place
follow from them.
"""

from __future__ import annotations

import numpy as np

from migsim import decisions
from migsim.corridor import Corridor, Kind
from migsim.families import TravelMode, plain
from migsim.policies import PolicyState
from migsim.scenario import Behaviour
from migsim.smuggling import ExpressNetwork

KIND, MODE = plain(Kind), plain(TravelMode)


def links_at_border(corridor: Corridor) -> tuple[np.ndarray, np.ndarray]:
    """Each place's link to a US port, and to a Border Patrol sector (-1: none)."""
    c = corridor
    out = np.full((len(c.places), 2), -1, dtype=np.int64)
    for e in range(len(c.links)):
        column = {KIND.US_PORT: 0, KIND.US_SECTOR: 1}.get(int(c.kind[c.link_dst[e]]))
        if column is not None and out[c.link_src[e], column] < 0:
            out[c.link_src[e], column] = e
    return out[:, 0].copy(), out[:, 1].copy()


class Costs:
    """Perceived costs of every link and costs-to-go of every place, for every variant.

    Args:
        corridor: The corridor.
        behaviour: Behaviour parameters.
        smuggler_crossings: Border cities where smuggled families' routes end (None: any).

    Attributes:
        link_days: Days each link takes by travel mode, shape (E, 3).
        link_fares: Fare each family pays for each link by travel mode, shape (E, 3).
        victimisation_by_mode: Victimisation multiplier by travel mode.
        risk_weight: Weight on harm by risk class.
        port_link, sector_link: Each place's link to a US port and to a sector (-1: none).
        link_cost: Today's generalised link costs, shape (E, variants).
        ctg: Today's costs-to-go, shape (N, variants).
        route_cumulative: Cumulative route probabilities, shape (K, N, variants).
    """

    def __init__(
        self, corridor: Corridor, behaviour: Behaviour, smuggler_crossings: np.ndarray | None
    ) -> None:
        c, b = corridor, behaviour
        self.corridor, self.behaviour = c, b
        self.port_link, self.sector_link = links_at_border(c)
        self.express = ExpressNetwork.build(
            c, self.sector_link, b.express_km_per_day, smuggler_crossings
        )
        if smuggler_crossings is None and len(self.express.dropoffs):
            smuggler_crossings = self.express.dropoffs
        self.us_side = c.of_kind("us_port", "us_sector")
        modes, informed, risk = decisions.variant_layout()
        self.variant_modes, self.variant_informed = modes, informed
        self.victimisation_by_mode = np.array(
            [1.0, b.smuggled_victimisation, b.caravan_victimisation, b.smuggled_victimisation]
        )
        self.risk_weight = np.asarray(b.risk_aversion, dtype=float)
        rw = self.risk_weight[risk]
        self.variant_rw = rw
        # Each link's days and fare by travel mode (smugglers pay their families' fares).
        speed = np.array([1.0, 1.0, b.caravan_speed, 1.0])
        self.link_days = np.ceil(c.link_days[:, None] / speed[None, :]).astype(int)
        smuggled = np.isin(np.arange(4), [MODE.SMUGGLER, MODE.EXPRESS])
        self.link_fares = np.where(smuggled, 0.0, c.link_cost[:, None]).astype(np.float32)
        days = self.link_days[:, modes]
        by_smuggler = np.isin(modes, [MODE.SMUGGLER, MODE.EXPRESS])
        pays = (~by_smuggler).astype(float)
        vic = self.victimisation_by_mode[modes]
        # A smuggler chooses a smuggled family's route: a day costs the smuggler its daily
        # outlay (safe houses, food, transport, payments to the groups controlling the road).
        per_day = np.where(by_smuggler, b.smuggler_cost_per_day_usd, b.value_of_time_usd)
        self.time_and_money = per_day[None, :] * days + pays[None, :] * c.link_cost[:, None]
        self.harm = (
            b.harm_usd * c.link_victimisation[:, None] * vic[None, :]
            + b.death_usd * c.link_death[:, None]
        )
        self.base_believed = b.interdiction_usd * c.base_interdiction[c.link_dst]
        border = c.of_kind("border_city")
        self.border = border
        self.exit_template = np.full((len(c.places), decisions.N_VARIANTS), np.inf)
        self.exit_template[self.us_side] = 0.0
        self.express_columns = np.flatnonzero(modes == MODE.EXPRESS)
        self.exit_template[np.ix_(self.us_side, self.express_columns)] = np.inf
        terminal = np.zeros(len(c.places), dtype=bool)
        terminal[border] = True
        self.routes = decisions.RouteGraph.build(c.out_links, c.link_dst, terminal)
        port_link, sector_link = self.port_link[border], self.sector_link[border]
        self.exit_port = port_link[:, None] >= 0
        self.exit_sector = sector_link[:, None] >= 0
        self.exit_port_link = np.maximum(port_link, 0)
        self.exit_sector_link = np.maximum(sector_link, 0)
        self.exit_port_dst = np.where(port_link >= 0, c.link_dst[self.exit_port_link], -1)
        # A smuggling network works its own crossings: smuggled families' routes end there.
        self.exit_closed = np.zeros((len(border), decisions.N_VARIANTS), dtype=bool)
        self.exit_closed[:, self.express_columns] = True  # express routes end at staging
        if smuggler_crossings is not None:
            outside = ~np.isin(border, smuggler_crossings)
            self.exit_closed[np.ix_(outside, modes == MODE.SMUGGLER)] = True
        self.asylum_scale = b.asylum_choice_scale_usd or 5 * b.choice_scale_usd
        self.wait_cost = (
            b.value_of_time_usd + rw[None, :] * b.harm_usd * b.waiting_victimisation
        ) * informed[None, :]
        self.solved: tuple[np.ndarray, np.ndarray] | None = None  # costs behind self.ctg
        # The constant parts of the express roads' costs (see express_roads): days at the
        # smuggler's outlay, and the harm of crossing into each drop-off's sector.
        x = self.express
        self.express_fixed = b.smuggler_cost_per_day_usd * x.days
        link = x.sector_link
        self.express_harm = (
            b.harm_usd * c.link_victimisation[link] * b.smuggled_victimisation
            + b.death_usd * c.link_death[link]
        )
        self.express_on_path = x.on_path.astype(float)
        self._stop: tuple[PolicyState, np.ndarray] | None = None

    def stop_by_mode(self, policy: PolicyState) -> np.ndarray:
        """Multiplier on the chance of being stopped in Mexico, by travel mode."""
        smuggled = policy.smuggled_interdiction
        return np.array([1.0, smuggled, self.behaviour.caravan_interdiction, smuggled])

    def express_roads(
        self, policy: PolicyState, belief: np.ndarray, risk_weight: float
    ) -> np.ndarray:
        """A smuggler's cost of each express road, shape (staging places, drop-offs), in USD.

        Days at the smuggler's outlay, plus the risk-weighted believed interdiction on the road
        (``belief``: stop chance at each place) and harm crossing into the drop-off's sector.
        """
        b, x = self.behaviour, self.express
        stops = (x.on_path * belief[None, None, :]).sum(axis=2) * policy.smuggled_interdiction
        return self.express_fixed + risk_weight * (
            b.interdiction_usd * stops + self.express_harm[None, :]
        )

    def express_exits(self, policy: PolicyState, interdiction: np.ndarray) -> np.ndarray:
        """Cost of the cheapest express road on from each staging place, (S, express columns).

        Informed columns believe the rumours (``interdiction``), uninformed ones ordinary
        conditions. (:meth:`update` computes the same in its compiled pass.)
        """
        base = self.corridor.base_interdiction
        out = np.empty((len(self.express.staging), len(self.express_columns)))
        for k, col in enumerate(self.express_columns):
            belief = interdiction if self.variant_informed[col] else base
            out[:, k] = self.express_roads(policy, belief, self.variant_rw[col]).min(axis=1)
        return out

    def update(self, policy: PolicyState, interdiction: np.ndarray, port_wait: np.ndarray):
        """Today's link costs and costs-to-go for every (mode, informed, risk) variant.

        A link's cost for a variant is its time and money plus the risk-weighted harm and
        believed cost of being stopped (informed families believe the rumours). A border city
        ends the route: its cost is that of the cheaper way over, queueing at its port (the
        wait known to informed families) or crossing between ports; express routes end at
        staging places at the cost of the cheapest express road on (:meth:`express_exits`).
        Only variants whose costs changed since yesterday are solved again: uninformed
        families' costs move only with the policy state, informed families' every day.

        Args:
            policy: Today's policy state.
            interdiction: Informed families' believed chance of being stopped at each place.
            port_wait: Expected metering wait (days) at each port.
        """
        c, b, x = self.corridor, self.behaviour, self.express
        if self._stop is None or self._stop[0] is not policy:
            self._stop = (policy, self.stop_by_mode(policy)[self.variant_modes])
        first = self.solved is None
        link_cost = np.empty_like(self.time_and_money)
        exit_cost = np.empty_like(self.exit_template)
        last_links, last_exits = (link_cost, exit_cost) if first else self.solved
        changed = np.empty(decisions.N_VARIANTS, dtype=bool)
        decisions.link_and_exit_costs(
            self.time_and_money, self.harm, self.base_believed, c.link_dst, interdiction,
            b.interdiction_usd, self._stop[1], self.variant_rw, self.variant_informed,
            self.exit_template, self.border, self.exit_port[:, 0], self.exit_port_link,
            self.exit_port_dst, port_wait, self.wait_cost[0], self.exit_sector[:, 0],
            self.exit_sector_link, self.exit_closed,
            x.runs, x.staging, self.express_columns, self.express_fixed, self.express_harm,
            self.express_on_path, c.base_interdiction, float(policy.smuggled_interdiction),
            link_cost, exit_cost, last_links, last_exits, changed,
        )  # fmt: skip
        self.link_cost = link_cost
        self.solved = (link_cost, exit_cost)
        if first:
            cols = np.arange(decisions.N_VARIANTS)
            self.ctg = np.empty_like(exit_cost)
            k = c.out_links.shape[1]
            self.route_cumulative = np.empty((k, len(c.places), decisions.N_VARIANTS))
        else:
            cols = np.flatnonzero(changed)
            if len(cols) == 0:
                return
        # Relaxed from the last costs-to-go, which are close (the same on an acyclic corridor).
        warm = not first and self.routes.acyclic
        decisions.solve_costs_to_go(
            self.routes, link_cost, exit_cost, self.ctg, warm, cols, out=self.ctg
        )
        if first:
            self.first_ctg = self.ctg.copy()
        decisions.solve_route_probabilities(
            self.routes, link_cost, self.ctg, b.choice_scale_usd, cols, self.route_cumulative
        )

    def cost_to_go(self, places: np.ndarray, variants: np.ndarray) -> np.ndarray:
        """Today's cost-to-go of families at ``places`` using ``variants``."""
        return self.ctg.take(decisions.cells(self.ctg, places, variants))

    def first_cost_to_go(self, places: np.ndarray, variants: np.ndarray) -> np.ndarray:
        """The cost-to-go on the run's first day (before any change in enforcement)."""
        return self.first_ctg.take(decisions.cells(self.first_ctg, places, variants))
