"""The documentation matches the code: names in the ODD, runnable guide commands, README links."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from migsim.agents import FamilyState
from migsim.cli import main
from migsim.policies import LEVERS, lever_parameters
from migsim.scenario import Behaviour, Population, load_scenario

DOCS = REPO / "docs"
ODD = DOCS / "odd.md"
GUIDE = DOCS / "guide.md"
SCENARIOS = DOCS / "scenarios.md"
README = REPO / "README.md"
# The documents this suite expects; any other docs/*.md must be linked from the README too.
EXPECTED_DOCS = ("odd.md", "guide.md", "scenarios.md", "limits.md")
# Small sizes for guide commands that run a scenario.
SMALL = {"--days": "5", "--families-per-year": "2000"}
# Commands that serve until stopped: the test only checks that they parse.
SERVES = {"app"}


def fenced(path: Path, language: str) -> list[str]:
    """The bodies of the fenced code blocks of one language in a Markdown file."""
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def sh_commands(path: Path) -> list[list[str]]:
    """Each command line of the file's ```sh blocks, split into words, without comments."""
    commands = []
    for block in fenced(path, "sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


@pytest.fixture(scope="module")
def odd_names() -> set[str]:
    """Every `name` written in backticks in docs/odd.md."""
    return set(re.findall(r"`([^`\n]+)`", ODD.read_text(encoding="utf-8")))


def test_every_lever_and_parameter_is_in_the_odd(odd_names):
    missing = [name for name in LEVERS if name not in odd_names]
    for cls in LEVERS.values():
        missing += [
            f"{cls.name}.{row['parameter']}"
            for row in lever_parameters(cls)
            if row["parameter"] not in odd_names
        ]
    assert not missing, f"not in docs/odd.md (as `name`): {missing}"


def test_every_population_and_behaviour_parameter_is_in_the_odd(odd_names):
    fields = [*Population.model_fields, *Behaviour.model_fields]
    missing = [name for name in fields if name not in odd_names]
    assert not missing, f"not in docs/odd.md (as `name`): {missing}"


def test_every_family_state_is_in_the_odd(odd_names):
    missing = [s.label for s in FamilyState if s.label not in odd_names]
    assert not missing, f"not in docs/odd.md (as `name`): {missing}"


def subcommands() -> set[str]:
    """The commands ``migsim --help`` lists."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["--help"])
    listing = out.getvalue().split("positional arguments:", 1)[-1].split("options:", 1)[0]
    return set(re.findall(r"^ {4}(\w[\w-]*)", listing, flags=re.MULTILINE))


def small(args: list[str], tmp: Path) -> list[str]:
    """A guide command at small size, writing under ``tmp`` instead of the repository."""
    args = [str(tmp / a) if a.startswith("results/") else a for a in args]
    if args[0] in SERVES:
        return [args[0], "--help"]
    if args[0] != "run" or "--help" in args:
        return args
    for option, value in SMALL.items():
        if option in args:
            args[args.index(option) + 1] = value
        else:
            args += [option, value]
    if "--out" not in args:
        scenario = args[args.index("--scenario") + 1] if "--scenario" in args else "baseline_2019"
        args += ["--out", str(tmp / "results" / Path(scenario).stem)]
    return [*args, "--quiet", "--no-plots"]


def test_guide_commands_run(tmp_path, monkeypatch, capsys):
    commands = [w[1:] for w in sh_commands(GUIDE) if w[0] == ".venv/bin/migsim"]
    assert any(c[0] == "run" for c in commands), "the guide shows no 'migsim run' command"
    known = subcommands()
    monkeypatch.chdir(REPO)
    ran = 0
    for command in commands:
        if command[0] not in known:  # a feature that does not exist yet
            continue
        args = small(command, tmp_path)
        try:
            status = main(args)
        except SystemExit as exc:  # --help
            status = exc.code
        err = capsys.readouterr().err
        assert status == 0, f"migsim {' '.join(args)} exited {status}: {err}"
        ran += 1
    assert ran


def test_scenario_example_runs(tmp_path):
    """Every complete scenario shown in docs/scenarios.md loads and runs a few days."""
    from migsim.model import MigrationModel

    examples = [b for b in fenced(SCENARIOS, "yaml") if re.search(r"^name:", b, re.MULTILINE)]
    assert examples, "docs/scenarios.md shows no complete scenario"
    corridor = REPO / "models" / "northern_triangle_2019"
    for i, block in enumerate(examples):
        data = yaml.safe_load(block)
        data["corridor"] = str(corridor)
        path = tmp_path / f"example_{i}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        model = MigrationModel(load_scenario(path, days=3), families_per_year=2000)
        for _ in range(3):
            model.step()
        assert model.families_created > 0


def test_every_doc_is_linked_from_the_readme():
    readme = README.read_text(encoding="utf-8")
    docs = sorted({*EXPECTED_DOCS, *(p.name for p in DOCS.glob("*.md"))})
    missing = [name for name in docs if f"](docs/{name})" not in readme]
    assert not missing, f"README.md has no link to: {', '.join(f'docs/{n}' for n in missing)}"
