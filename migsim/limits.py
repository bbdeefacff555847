"""The largest sizes migsim accepts, in one place.

Each is chosen so that the largest run a user can ask for fits in a few GiB of memory and
finishes in hours, not weeks, on a laptop-sized machine (24 GiB), and so that a mistyped
size (``--days 1000000``) is refused at once with a message instead of running out of memory.
"""

from __future__ import annotations

# A scenario: days simulated, first departures a year, families in one caravan.
MAX_DAYS = 3650
MAX_FAMILIES_PER_YEAR = 10_000_000
MAX_CARAVAN_FAMILIES = 1_000_000
# Departures grow with the families settled in the US (behaviour.network_effect), so a run is
# stopped with a message once it has created this many families (about 8 GiB at its peak:
# a year at 10,000,000 families a year creates 14 million and peaks at 1.8 GiB).
MAX_FAMILIES_CREATED = 60_000_000
# No number in a scenario or corridor (money, weight, rate, count) is larger than this: beyond
# it, sums over a run's days and families stop being exact or finite.
MAX_NUMBER = 1e9

# An experiment: runs in all (scenarios x design points x replicates).
MAX_RUNS = 100_000

# A Flee scenario: days simulated, and agents alive at once.
MAX_FLEE_DAYS = 36_500
MAX_FLEE_AGENTS = 50_000_000

# A YAML file: its size, its nesting, and the values it unfolds into through aliases.
YAML_MAX_BYTES = 10_000_000
YAML_MAX_DEPTH = 100
YAML_MAX_NODES = 100_000
