"""Write the scenarios that attribute the June 2019 agreement's effect to each of its levers.

The agreement (``june_2019_agreement.yaml``) is the baseline plus five levers: three in the
tariff threat's response (National Guard at the southern border, Guard on the interior routes
at the Isthmus line, operations against smugglers), remain in Mexico along the whole border,
and the third-country transit bar. For each lever this writes two scenarios into
``scenarios/attribution/``: the agreement without it (``without_LEVER.yaml``) and the baseline
with it alone (``only_LEVER.yaml``; a response lever alone keeps the tariff threat that
triggers it). ``experiments/june_2019_attribution.yaml`` runs them.

Run again whenever either scenario changes: ``python scripts/attribution_scenarios.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

SCENARIOS = Path(__file__).resolve().parent.parent / "models/northern_triangle_2019/scenarios"
OUT = SCENARIOS / "attribution"
# label: (where the lever is in the agreement, its lever name, the entry's start date)
LEVERS = {
    "guard_south": ("response", "southern_border_enforcement"),
    "guard_interior": ("response", "isthmus_checkpoints"),
    "anti_smuggling": ("response", "anti_smuggling"),
    "mpp_everywhere": ("top", "remain_in_mexico"),
    "transit_bar": ("top", "safe_third_country"),
}
HEADER = (
    "# Written by scripts/attribution_scenarios.py from baseline_2019.yaml and\n"
    "# june_2019_agreement.yaml: {what}.\n"
    "# Do not edit: edit those and run the script again.\n"
)


def agreement_parts(agreement: dict, baseline: dict) -> tuple[dict, dict[str, dict]]:
    """The tariff threat (with its whole response) and the agreement's other new levers."""
    threat = next(lv for lv in agreement["levers"] if lv["lever"] == "tariff_threat")
    extra = [lv for lv in agreement["levers"] if lv not in baseline["levers"]]
    tops = {}
    for label, (where, name) in LEVERS.items():
        if where == "top":
            (tops[label],) = [lv for lv in extra if lv["lever"] == name]
    return threat, tops


def with_levers(base: dict, threat: dict, responses: list[str], tops: list[dict], name: str):
    """A copy of ``base`` with the tariff threat (only the named responses) and other levers."""
    out = copy.deepcopy(base)
    out["name"] = name
    out["corridor"] = "../" + base["corridor"]
    if responses:
        lever = copy.deepcopy(threat)
        lever["response"] = [r for r in threat["response"] if r["lever"] in responses]
        out["levers"].append(lever)
    out["levers"].extend(copy.deepcopy(tops))
    return out


def main() -> None:
    """Write the ten attribution scenarios."""
    baseline = yaml.safe_load((SCENARIOS / "baseline_2019.yaml").read_text(encoding="utf-8"))
    agreement = yaml.safe_load((SCENARIOS / "june_2019_agreement.yaml").read_text("utf-8"))
    threat, tops = agreement_parts(agreement, baseline)
    OUT.mkdir(exist_ok=True)
    for label, (where, name) in LEVERS.items():
        others = [lv for other, lv in tops.items() if other != label]
        responses = [n for lb, (w, n) in LEVERS.items() if w == "response" and lb != label]
        variants = {
            f"without_{label}": (
                with_levers(baseline, threat, responses, others, f"Agreement without {label}"),
                f"the agreement without {name}",
            ),
            f"only_{label}": (
                with_levers(
                    baseline,
                    threat,
                    [name] if where == "response" else [],
                    [tops[label]] if where == "top" else [],
                    f"Baseline with {label} alone",
                ),
                f"the baseline with {name} alone",
            ),
        }
        for file, (scenario, what) in variants.items():
            text = HEADER.format(what=what) + yaml.safe_dump(
                scenario, sort_keys=False, allow_unicode=True
            )
            (OUT / f"{file}.yaml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
