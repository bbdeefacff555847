"""Calibration: fitting named parameters to observed monthly data, and forecasting with them.

A calibration file (``models/northern_triangle_2019/calibration.yaml``; see
``docs/calibration.md``) names a scenario, at most ten parameters with uniform prior ranges, the
observed data and a budget. :func:`~migsim.calibration.config.load_config` validates it,
:func:`~migsim.calibration.calibrate.calibrate` runs a Latin hypercube design with replicate
seeds on a process pool and keeps the closest points (ABC rejection), and
:func:`~migsim.calibration.forecast.forecast` runs scenarios on under the posterior.
"""
