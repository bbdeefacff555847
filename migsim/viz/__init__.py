"""Pictures of runs: route maps on a base map, time series, and the base map itself."""
