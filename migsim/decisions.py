"""Families' decisions as batched numpy functions: route, travel mode and what to do at the border.

Each function takes arrays for many families at once and the model's random generator. The
model calls them for every family due to decide on a day; the per-agent reference in
``benchmarks/`` calls the same functions one family at a time.

Route choice is a multinomial logit over the links out of a family's place. The utility of a
link is minus its generalised cost (time, money, victimisation and death risk, expected
interdiction, in USD) plus the perceived generalised cost-to-go from the link's end to the
border, divided by a scale; a Gumbel draw per option turns utilities into a logit choice.
"""

from __future__ import annotations

import numpy as np

N_VARIANTS = 18  # travel mode (3) × informed (2) × risk attitude (3)


def variant(mode: np.ndarray, informed: np.ndarray, risk_class: np.ndarray) -> np.ndarray:
    """The cost-to-go column a family uses: its travel mode, whether informed, risk class."""
    return mode.astype(np.int64) * 6 + informed.astype(np.int64) * 3 + risk_class


def cost_to_go(
    src: np.ndarray, dst: np.ndarray, link_cost: np.ndarray, exit_cost: np.ndarray
) -> np.ndarray:
    """Least generalised cost from every place to an exit, for every variant (Bellman-Ford).

    Args:
        src: Link start place ids, shape (E,).
        dst: Link end place ids, shape (E,).
        link_cost: Cost of each link for each variant, shape (E, V).
        exit_cost: Cost of ending at each place (``inf`` where a place is not an exit), (N, V).

    Returns:
        Cost-to-go, shape (N, V); ``inf`` where no exit can be reached.
    """
    best = exit_cost.copy()
    for _ in range(len(exit_cost)):
        via = link_cost + best[dst]
        relaxed = np.full_like(best, np.inf)
        np.minimum.at(relaxed, src, via)
        new = np.minimum(best, relaxed)
        if np.array_equal(new, best):
            break
        best = new
    return best


def choose_links(
    rng: np.random.Generator,
    out_links: np.ndarray,
    dst: np.ndarray,
    places: np.ndarray,
    variants: np.ndarray,
    link_cost: np.ndarray,
    ctg: np.ndarray,
    scale: float,
) -> np.ndarray:
    """Multinomial-logit choice of the next link for families at places.

    Args:
        rng: The model's random generator.
        out_links: Links out of each place, padded with -1, shape (N, K).
        dst: Link end place ids.
        places: Each family's place, shape (n,).
        variants: Each family's cost-to-go column, shape (n,).
        link_cost: Link generalised cost per variant, shape (E, V).
        ctg: Cost-to-go per place and variant, shape (N, V).
        scale: Logit scale in USD.

    Returns:
        The chosen link per family, or -1 where no link leads anywhere useful.
    """
    options = out_links[places]  # (n, K)
    valid = options >= 0
    safe = np.where(valid, options, 0)
    cost = link_cost[safe, variants[:, None]] + ctg[dst[safe], variants[:, None]]
    utility = np.where(valid & np.isfinite(cost), -cost / scale, -np.inf)
    # One Gumbel draw per option (always the full padded width, so draws do not depend on
    # how many options are open).
    noisy = utility + rng.gumbel(size=utility.shape)
    pick = np.argmax(noisy, axis=1)
    chosen = options[np.arange(len(places)), pick]
    return np.where(np.isfinite(utility.max(axis=1, initial=-np.inf)), chosen, -1)


def logit_choice(rng: np.random.Generator, utility: np.ndarray, scale: float) -> np.ndarray:
    """Choose one column per row of a utility matrix (``-inf`` = unavailable) by logit."""
    noisy = utility / scale + rng.gumbel(size=utility.shape)
    return np.argmax(noisy, axis=1)


def hire_smuggler(
    rng: np.random.Generator, money: np.ndarray, risk_class: np.ndarray, fee: float
) -> np.ndarray:
    """Whether each departing family hires a smuggler.

    Families must be able to pay the fee; cautious families are likelier to hire one. The
    probability is ``sigmoid((money - fee) / 1500 + 0.8 (risk_class - 1))``.
    """
    u = rng.random(len(money))
    p = 1.0 / (1.0 + np.exp(-((money - fee) / 1500.0 + 0.8 * (risk_class - 1.0))))
    return (u < p) & (money >= fee)


def geometric_days(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Whole days with the given means (0 where the mean is 0), geometric so memoryless."""
    u = rng.random(len(mean))
    p = 1.0 / (1.0 + np.asarray(mean, dtype=float))
    with np.errstate(divide="ignore"):
        days = np.floor(np.log(u) / np.log1p(-np.minimum(p, 1 - 1e-12)))
    return np.where(mean > 0, days, 0).astype(np.int64)
