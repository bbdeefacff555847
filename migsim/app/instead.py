"""Where families go instead: how the two sides' routes and crossings differ.

Both sides are counted per 1,000 departures of their own run (every departure, new attempts
included), so a side where fewer families set off does not look "smaller everywhere": a link
or crossing is blue where a larger share of the departures used it on the right than on the
left, red where a smaller share did. The table ranks the crossings, checkpoints, border cities
and US ports and sectors by that change and gives the families counted beside the shares.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
from matplotlib.figure import Figure

from migsim.app.runs import Comparison, RunOutcome
from migsim.outcomes import per_thousand_departures
from migsim.viz.maps import MAP_EXTENT, plot_flow_difference
from migsim.viz.names import display_name

PER = 1000
TABLE_KINDS = {
    "crossing": "crossing into Mexico",
    "checkpoint": "checkpoint",
    "border_city": "Mexican border city",
    "us_port": "US port of entry",
    "us_sector": "Border Patrol sector",
}
TABLE_ROWS = 12
# Inches at the 100 dpi the app draws at: the width the map is shown at, 960 pixels.
MAP_SIZE = (9.6, 7.6)
# What the map can show: (lon_min, lon_max, lat_min, lat_max).
ZOOMS = {
    "Whole corridor": MAP_EXTENT,
    "Southern border and the Isthmus": (-97.5, -86.0, 13.2, 19.6),
    "US border": (-118.0, -96.5, 24.5, 33.5),
}


def per_thousand(outcome: RunOutcome) -> pd.DataFrame:
    """A run's families per link, as a share per 1,000 of its departures."""
    return per_thousand_departures(outcome.links, outcome.departures)


def arrivals(outcome: RunOutcome) -> pd.Series:
    """Families arriving at each place over the run (by the links leading there)."""
    links = outcome.links
    if links.empty:
        return pd.Series(dtype=float)
    return links.groupby(links["target"].astype(str))["families"].sum()


def instead_table(comparison: Comparison, graph: nx.DiGraph) -> pd.DataFrame:
    """The places whose share of departures changed most from left to right.

    Columns: ``place``, ``kind``, ``left per 1,000``, ``left families``, ``right per 1,000``,
    ``right families``, ``change per 1,000``; most changed first.
    """
    left, right = (side.shown for side in comparison.sides[:2])
    kinds = nx.get_node_attributes(graph, "kind")
    places = [p for p in graph if kinds.get(p) in TABLE_KINDS]
    counts = {
        name: arrivals(o).reindex(places, fill_value=0.0)
        for name, o in (("left", left), ("right", right))
    }
    table = pd.DataFrame(
        {
            "place": [display_name(p) for p in places],
            "kind": [TABLE_KINDS[kinds[p]] for p in places],
            "left per 1,000": counts["left"].to_numpy() * PER / max(left.departures, 1.0),
            "left families": counts["left"].to_numpy(),
            "right per 1,000": counts["right"].to_numpy() * PER / max(right.departures, 1.0),
            "right families": counts["right"].to_numpy(),
        }
    )
    table["change per 1,000"] = table["right per 1,000"] - table["left per 1,000"]
    table = table[(table["left families"] > 0) | (table["right families"] > 0)]
    order = table["change per 1,000"].abs().sort_values(ascending=False).index
    return table.loc[order].head(TABLE_ROWS).reset_index(drop=True)


def instead_map(
    comparison: Comparison, graph: nx.DiGraph, enforcement=None, zoom: str = "Whole corridor"
) -> Figure:
    """The difference map: link shares per 1,000 departures, right against left.

    ``zoom`` names one of ``ZOOMS`` (the whole corridor by default).
    """
    left, right = comparison.sides[:2]
    names = ("the left run", "the right run")
    return plot_flow_difference(
        graph,
        per_thousand(left.shown),
        per_thousand(right.shown),
        title="Where families travel instead (shares per 1,000 departures)\n"
        f"{right.choice} (right) against {left.choice} (left)",
        names=names,
        enforcement=enforcement,
        unit="per 1,000 departures",
        figsize=MAP_SIZE,
        extent=ZOOMS[zoom],
    )
