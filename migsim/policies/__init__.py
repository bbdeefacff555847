"""Policy levers: one small class per lever, and the registry that parses them from scenarios.

Every lever has named parameters (units, default, and the public fact behind the default) and
a dated schedule. ``LEVERS`` maps each lever's name to its class.
"""

from __future__ import annotations

from typing import Any

from migsim.errors import did_you_mean
from migsim.policies.anti_smuggling import AntiSmuggling
from migsim.policies.base import Lever, PolicyState, parse_lever
from migsim.policies.humanitarian_visas import HumanitarianVisas
from migsim.policies.isthmus_checkpoints import IsthmusCheckpoints
from migsim.policies.metering import Metering
from migsim.policies.mexican_deportations import MexicanDeportations
from migsim.policies.mexican_releases import MexicanReleases
from migsim.policies.northern_triangle_aid import NorthernTriangleAid
from migsim.policies.remain_in_mexico import RemainInMexico
from migsim.policies.safe_third_country import SafeThirdCountry
from migsim.policies.southern_border_enforcement import SouthernBorderEnforcement
from migsim.policies.tariff_threat import TariffThreat
from migsim.policies.us_holding_capacity import USHoldingCapacity

LEVERS: dict[str, type[Lever]] = {
    cls.name: cls
    for cls in (
        SafeThirdCountry,
        RemainInMexico,
        IsthmusCheckpoints,
        SouthernBorderEnforcement,
        AntiSmuggling,
        HumanitarianVisas,
        MexicanDeportations,
        MexicanReleases,
        Metering,
        USHoldingCapacity,
        NorthernTriangleAid,
        TariffThreat,
    )
}

# Lever parameters that count families (capacities and quotas): they scale with the
# population when a scenario is run at another scale (``Scenario.at_scale``).
FAMILY_COUNTS: dict[str, tuple[str, ...]] = {
    "metering": ("families_per_day",),
    "mexican_deportations": ("detention_places", "deportations_per_day"),
    "us_holding_capacity": ("families_per_sector",),
    "anti_smuggling": ("capacity_per_day",),
    "humanitarian_visas": ("visas_per_month",),
    "isthmus_checkpoints": ("capacity_per_day",),
    "southern_border_enforcement": ("capacity_per_1000",),
}

__all__ = ["FAMILY_COUNTS", "LEVERS", "Lever", "PolicyState", "parse_lever", "lever_parameters"]


# ``nearest(name, options)``: the suggestion for a misspelt name, as everywhere in migsim.
nearest = did_you_mean


def lever_parameters(cls: type[Lever]) -> list[dict[str, Any]]:
    """List a lever's parameters with units, default and source, for ``migsim levers``."""
    rows = []
    base = set(Lever.model_fields)
    for pname, field in cls.model_fields.items():
        if pname in base:
            continue
        extra = field.json_schema_extra or {}
        default = field.default if field.default_factory is None else field.default_factory()
        rows.append(
            {
                "lever": cls.name,
                "parameter": pname,
                "default": default,
                "units": extra.get("units", ""),
                "source": extra.get("source", field.description or ""),
            }
        )
    return rows
