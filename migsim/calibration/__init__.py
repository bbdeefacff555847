"""Calibration: fitting named parameters to observed data with ABC-SMC, and forecasting.

A calibration file (``models/northern_triangle_2019/calibration.yaml``; see
``docs/calibration.md``) names a scenario, at most ten parameters with their priors, the
targets with weights (declared in :mod:`~migsim.calibration.targets`), the distance, the
population sizes and the number of generations. :func:`~migsim.calibration.config.load_config`
validates it; :func:`~migsim.calibration.calibrate.calibrate` runs pyabc's ABC-SMC
(:mod:`~migsim.calibration.smc`, resumable from its SQLite history) and chooses the shipped
point; :func:`~migsim.calibration.report.write_report` checks the shipped point and the
posterior on fresh seeds; :func:`~migsim.calibration.forecast.forecast` runs scenarios on
under the posterior.

Modules import downwards only: metrics and config at the bottom, then targets, simulate, smc,
calibrate, report, forecast and cli.
"""
