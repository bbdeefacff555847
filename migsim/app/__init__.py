"""The teaching app: two runs side by side, answered at once for the whole period.

``migsim app`` serves it (``migsim/app/page.py`` is the page ``solara run`` loads). The
package is split by what the page shows: :mod:`~migsim.app.levers` (the runs and lever
controls), :mod:`~migsim.app.runs` (whole-period runs over several seeds in worker processes),
:mod:`~migsim.app.charts` (curves with their band, the outcome bars), :mod:`~migsim.app.instead`
(where families go instead: the difference map and the ranked table), :mod:`~migsim.app.watch`
(the day-by-day "watch it" maps) and :mod:`~migsim.app.page` (the controls, cards and layout).
``docs/app.md`` is the guide for teachers.
"""

from migsim.app.levers import (
    CONTROLS,
    DEFAULT_FAMILIES_PER_YEAR,
    LEVER_CONTROLS,
    MY_SETTINGS,
    ONE_RUN,
    PRESETS,
    RUN_CHOICES,
    LeverControl,
    baseline_description,
    baseline_levels,
    changed_levers,
    describe_changes,
    lever_levels,
    lever_scenario,
    levers_off,
    model_at_scale,
    preset,
    scenario_for,
)

__all__ = [
    "CONTROLS",
    "DEFAULT_FAMILIES_PER_YEAR",
    "LEVER_CONTROLS",
    "MY_SETTINGS",
    "ONE_RUN",
    "PRESETS",
    "RUN_CHOICES",
    "LeverControl",
    "baseline_description",
    "baseline_levels",
    "changed_levers",
    "describe_changes",
    "lever_levels",
    "lever_scenario",
    "levers_off",
    "model_at_scale",
    "preset",
    "scenario_for",
]
