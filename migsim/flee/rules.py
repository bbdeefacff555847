"""The parameters of the Flee rule set, and how ``simsetting.yml`` sets them.

:class:`FleeRules` holds the published defaults (Flee 1, 2017) and Flee 3's; each rule they
parametrise is described in :mod:`migsim.flee.model`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migsim.errors import InputError

# simsetting.yml keys this rule set reads, and the FleeRules field each sets.
SETTINGS = {
    ("move_rules", "max_move_speed"): "max_move_speed",
    ("move_rules", "camp_weight"): "camp_weight",
    ("move_rules", "conflict_weight"): "conflict_weight",
    ("move_rules", "conflict_movechance"): "conflict_move_chance",
    ("move_rules", "camp_movechance"): "camp_move_chance",
    ("move_rules", "default_movechance"): "town_move_chance",
    ("move_rules", "idpcamp_movechance"): "idpcamp_move_chance",
    ("move_rules", "awareness_level"): "awareness_level",
    ("move_rules", "capacity_buffer"): "capacity_buffer",
    ("move_rules", "capacity_scaling"): "capacity_scaling",
    ("move_rules", "softening"): "softening",
    ("spawn_rules", "insert_day0"): "insert_day0",
}
# Slices of [0, 1) in the lookup table that turns a uniform number into a route.

# Sections of simsetting.yml that cannot change where agents go.
_QUIET_SECTIONS = ("log_levels",)


@dataclass(frozen=True)
class FleeRules:
    """Parameters of the Flee rule set; the defaults are the published ones (Flee 1, 2017).

    Attributes:
        conflict_move_chance: Daily chance of leaving a conflict zone.
        town_move_chance: Daily chance of leaving any other location (Flee's default).
        camp_move_chance: Daily chance of leaving a camp.
        idpcamp_move_chance: Daily chance of leaving an IDP camp (a Flee 3 type).
        forwarding_move_chance: Daily chance of leaving a forwarding hub or marker.
        camp_weight: Location score of a camp.
        conflict_weight: Location score of a conflict zone.
        max_move_speed: Km an agent can travel in a day.
        softening: Km added to every route's length in the route weights.
        awareness_level: -1 (no weighting), 0 (distance only), 1 (score of the route's end),
            2 (its neighbourhood), 3 (its region).
        capacity_buffer: Share of a camp's capacity at which its attraction starts to fall.
        capacity_scaling: Multiplier on the camp capacities of locations.csv.
        insert_day0: Start each camp with its observed day-0 population.
    """

    conflict_move_chance: float = 1.0
    town_move_chance: float = 0.3
    camp_move_chance: float = 0.001
    idpcamp_move_chance: float = 0.1
    forwarding_move_chance: float = 1.0
    camp_weight: float = 2.0
    conflict_weight: float = 0.25
    max_move_speed: float = 200.0
    softening: float = 0.0
    awareness_level: int = 1
    capacity_buffer: float = 0.9
    capacity_scaling: float = 1.0
    insert_day0: bool = True

    @classmethod
    def paper(cls) -> FleeRules:
        """The published defaults (Suleimenova, Bell & Groen 2017; Flee 1)."""
        return cls()

    @classmethod
    def flee3(cls) -> FleeRules:
        """The defaults of Flee 3's ``simsetting.yml`` where they differ from the paper's."""
        return cls(
            max_move_speed=360.0,
            camp_weight=1.0,
            conflict_weight=1 / math.sqrt(10),
            softening=10.0,
        )

    def check(self, source: str | Path = "rules") -> FleeRules:
        """Raise an :class:`InputError` for an out-of-range parameter; return self."""
        for name in (
            "conflict_move_chance", "town_move_chance", "camp_move_chance",
            "idpcamp_move_chance", "forwarding_move_chance",
        ):  # fmt: skip
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(source, f"{name} must be between 0 and 1", key=name)
        for name in ("camp_weight", "conflict_weight", "softening"):
            if getattr(self, name) < 0:
                raise InputError(source, f"{name} must be 0 or more", key=name)
        if not self.max_move_speed > 0:
            raise InputError(source, "max_move_speed must be above 0", key="max_move_speed")
        if self.awareness_level not in (-1, 0, 1, 2, 3):
            raise InputError(
                source, "awareness_level must be -1, 0, 1, 2 or 3", key="awareness_level"
            )
        if not 0 <= self.capacity_buffer <= 1:
            raise InputError(
                source, "capacity_buffer must be between 0 and 1", key="capacity_buffer"
            )
        if not self.capacity_scaling > 0:
            raise InputError(source, "capacity_scaling must be above 0", key="capacity_scaling")
        return self

    def with_settings(
        self, settings: dict[str, Any], source: str | Path = "simsetting.yml"
    ) -> tuple[FleeRules, list[str]]:
        """These rules with the values of a Flee ``simsetting.yml`` applied.

        Args:
            settings: The parsed YAML.
            source: Where it came from, for messages.

        Returns:
            The new rules, and the settings present that this rule set does not use.
        """
        values: dict[str, Any] = {}
        ignored: list[str] = []
        for section, content in settings.items():
            if section in _QUIET_SECTIONS:
                continue
            if not isinstance(content, dict):
                ignored.append(str(section))
                continue
            for key, value in content.items():
                target = SETTINGS.get((section, key))
                if target is None:
                    ignored.append(f"{section}.{key}")
                    continue
                values[target] = _setting_value(source, f"{section}.{key}", value, target)
        rules = dataclasses.replace(self, **values)
        rules.check(source)
        return rules, ignored


def _setting_value(source: str | Path, key: str, value: Any, target: str) -> Any:
    kind = type(getattr(FleeRules, target))
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise InputError(source, f"must be True or False, not {value!r}", key=key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(source, f"must be a number, not {value!r}", key=key)
    if kind is int:
        if value != int(value):
            raise InputError(source, f"must be a whole number, not {value!r}", key=key)
        return int(value)
    return float(value)
