"""Write a calibration's shipped point into the model's scenario files.

The calibration (``migsim calibrate``) writes its shipped point to
``calibrated/parameters.yaml``. This script sets each of those values in every scenario of the
model (``scenarios/*.yaml``), in place and with a comment saying where it comes from, so that
each scenario file stays readable on its own. A behaviour or population value the scenario does
not state is added to that section; a lever parameter is set on the scenario's own entries of
that lever (not on a tariff threat's response, which keeps its own setting), and a scenario
without the lever is left without it. Each scenario is then loaded and checked to carry
exactly the shipped values and nothing else changed.

Run it only after the shipped point's own fit on fresh seeds beats what ships (see
docs/calibration.md), then write the attribution scenarios again
(``python scripts/attribution_scenarios.py``)::

    python scripts/ship_calibration.py models/northern_triangle_2019
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

from migsim.scenario import load_scenario

NOTE = "# calibrated (calibrated/parameters.yaml)"
SECTIONS = ("behaviour", "population")


def rounded(value: float) -> int | float:
    """A value as written: to 3 significant figures, whole numbers above 100 as integers.

    Three figures are far inside any posterior's width, and land on the app's slider steps.
    """
    value = float(f"{value:.3g}")
    return int(value) if abs(value) >= 100 else value


def block(lines: list[str], start: int, indent: int) -> int:
    """The index just past the block that begins at ``lines[start]`` (deeper lines follow)."""
    end = start + 1
    while end < len(lines):
        text = lines[end]
        if text.strip() and not text.lstrip().startswith("#"):
            if len(text) - len(text.lstrip()) <= indent:
                break
        end += 1
    while end > start + 1 and (
        not lines[end - 1].strip()
        or (lines[end - 1].lstrip().startswith("#") and _indent(lines[end - 1]) <= indent)
    ):
        end -= 1  # blank lines, and comments that open the next block, stay where they were
    return end


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def set_in_block(lines: list[str], start: int, end: int, indent: int, name: str, value: Any):
    """Set ``name: value`` among the lines of a block indented by ``indent``; add it if absent."""
    pattern = re.compile(rf"^ {{{indent}}}{re.escape(name)}:\s")
    text = f"{' ' * indent}{name}: {value}  {NOTE}"
    for i in range(start + 1, end):
        if pattern.match(lines[i]):
            lines[i] = text
            return
    lines.insert(end, text)


def section_start(lines: list[str], section: str) -> int | None:
    """The line of a top-level section (``behaviour:``), if the scenario has one."""
    for i, text in enumerate(lines):
        if re.match(rf"^{section}:\s*(#.*)?$", text):
            return i
    return None


def ship(path: Path, point: dict[str, float]) -> dict[str, Any]:
    """Set the shipped point in one scenario file; returns the values it now carries."""
    before = load_scenario(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    carried: dict[str, Any] = {}
    for address, raw in point.items():
        head, _, name = address.partition(".")
        value = rounded(raw)
        if head in SECTIONS:
            start = section_start(lines, head)
            if start is None:
                lines += [f"{head}:"]
                start = len(lines) - 1
            set_in_block(lines, start, block(lines, start, 0), 2, name, value)
            carried[address] = value
            continue
        entries = [i for i, t in enumerate(lines) if re.match(rf"^  - lever: {head}\s*$", t)]
        for i in reversed(entries):  # later lines first, so earlier indices hold
            set_in_block(lines, i, block(lines, i, 2), 4, name, value)
        if entries:
            carried[address] = value
    text = "\n".join(lines) + "\n"
    yaml.safe_load(text)  # still YAML before it is written
    path.write_text(text, encoding="utf-8")
    after = load_scenario(path)
    expected = before.with_parameters(carried, responses=False)
    if after.to_yaml() != expected.to_yaml():
        raise SystemExit(f"{path}: the edited scenario differs from the shipped point")
    return carried


def main(folder: str) -> None:
    """Ship the calibrated point of the model in ``folder`` to its scenarios."""
    model = Path(folder)
    record = yaml.safe_load((model / "calibrated/parameters.yaml").read_text(encoding="utf-8"))
    point = record["shipped_point"]
    for path in sorted((model / "scenarios").glob("*.yaml")):
        carried = ship(path, point)
        print(f"{path}: {len(carried)} of {len(point)} values set")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "models/northern_triangle_2019")
