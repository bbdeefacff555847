"""Errors for bad user input: one clear message naming the file, the row or key, and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migsim.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES

# How much of a bad value a message shows.
SHOWN_CHARS = 80


class InputError(Exception):
    """A user-supplied file or option is malformed.

    The command-line interface prints ``str(error)`` and exits with status 2, without a
    traceback, so the message must say where the problem is and how to fix it.

    Args:
        source: The file (or option name) the problem is in.
        message: What is wrong and how to fix it.
        row: The 1-based data row in a CSV file (the header is row 1), if any.
        key: The key path in a YAML file, if any (e.g. ``levers[2].schedule.start``).
    """

    def __init__(
        self,
        source: str | Path,
        message: str,
        *,
        row: int | None = None,
        key: str | None = None,
    ) -> None:
        self.source = str(source)
        self.row = row
        self.key = key
        self.message = message
        where = self.source
        if row is not None:
            where += f", row {row}"
        if key is not None:
            where += f", key '{key}'"
        super().__init__(f"{where}: {message}")


class DamagedFileError(Exception):
    """A file migsim wrote earlier (a results table, its metadata) cannot be read back.

    This is the machine's or an earlier run's fault, not the command's input: the command line
    prints ``str(error)`` and exits with status 1, without a traceback.

    Args:
        path: The damaged file.
        problem: What is wrong with it, in a few words.
        fix: How to get a good copy (e.g. which command writes it again).
    """

    def __init__(self, path: str | Path, problem: str, fix: str) -> None:
        self.path = str(path)
        super().__init__(f"{path}: cannot be read ({problem}): it is damaged or truncated; {fix}")


def closest(name: Any, options: Iterable[str]) -> str | None:
    """The option most like ``name`` (half or more of the letters shared), or None."""
    match = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.5)
    return match[0] if match else None


def did_you_mean(name: Any, options: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the option most like ``name``, or ``""``."""
    match = closest(name, options)
    return f" (did you mean '{match}'?)" if match else ""


def unknown_key(name: Any, options: Iterable[str]) -> str:
    """The hint for an unknown key: the nearest valid key, or the list of valid keys."""
    options = list(options)
    match = closest(name, options)
    return f"did you mean '{match}'?" if match else f"valid keys: {', '.join(options)}"


def quiet_numeric_warnings() -> None:
    """Keep numpy's overflow and invalid-value warnings from a user's terminal.

    They report the model's arithmetic (an infinite cost on an unreachable route, say), which
    it handles; they say nothing a user could act on. Results are unchanged.
    """
    import warnings

    warnings.filterwarnings("ignore", category=RuntimeWarning, module="migsim")


def shown(value: Any) -> str:
    """A value as a message shows it: its repr, cut short if long."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 5] + " …" + text[-2:]


class _YamlTooBig(Exception):
    """A YAML document nests too deeply or unfolds into too many values."""


def _limited_loader() -> type:
    """A safe YAML loader that refuses deep nesting and documents that unfold too far."""
    import yaml

    class Loader(yaml.SafeLoader):
        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0
            self.sizes: dict[int, int] = {}

        def compose_node(self, parent: Any, index: Any) -> Any:
            alias = self.check_event(yaml.AliasEvent)
            self.depth += 1
            if self.depth > YAML_MAX_DEPTH:
                raise _YamlTooBig(f"nests more than {YAML_MAX_DEPTH} levels deep")
            try:
                node = super().compose_node(parent, index)
            finally:
                self.depth -= 1
            if alias:
                if id(node) not in self.sizes:
                    raise _YamlTooBig("has an alias inside its own anchor (a loop)")
                size = self.sizes[id(node)]
            elif isinstance(node, yaml.SequenceNode):
                size = 1 + sum(self.sizes[id(item)] for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                size = 1 + sum(self.sizes[id(k)] + self.sizes[id(v)] for k, v in node.value)
            else:
                size = 1
            if size > YAML_MAX_NODES:
                raise _YamlTooBig(
                    f"holds more than {YAML_MAX_NODES:,} values (counting each use of an "
                    "alias in full)"
                )
            self.sizes[id(node)] = size
            return node

    return Loader


def read_text(path: Path, what: str, max_bytes: int | None = None) -> str:
    """Read a user's text file as UTF-8, with one message for a binary or non-UTF-8 file.

    Args:
        path: The file.
        what: What the file should be, for messages (``"YAML"``, ``"CSV"``).
        max_bytes: Refuse larger files (None: no limit).

    Raises:
        InputError: If the file is too large, binary, or not UTF-8 text.
    """
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise InputError(
            path, f"is {path.stat().st_size:,} bytes; a {what} file here is at most {max_bytes:,}"
        )
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise InputError(path, f"is a binary file, not {what} text; give the {what} file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}): an "
            f"encoding problem; save the {what} file as UTF-8",
        ) from None


def load_yaml(path: Path, what: str = "YAML") -> Any:
    """Parse a user's YAML file safely, refusing files built to exhaust memory.

    Raises:
        InputError: If the file is binary, not UTF-8, not valid YAML, nests too deeply or
            unfolds (through aliases) into too many values.
    """
    import yaml

    text = read_text(path, what, YAML_MAX_BYTES)
    try:
        return yaml.load(text, Loader=_limited_loader())  # noqa: S506 - a SafeLoader subclass
    except _YamlTooBig as exc:
        raise InputError(path, f"{exc}; simplify the file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(path, f"is not valid YAML{where}; check indentation and colons") from None
    except ValueError as exc:  # e.g. a date such as 2019-13-01
        raise InputError(
            path, f"has an invalid date or number ({exc}); dates are YYYY-MM-DD"
        ) from None


def read_yaml_mapping(path: str | Path, kind: str, keys: str) -> dict:
    """Read a YAML file that must hold a mapping, with one clear message for each problem.

    Args:
        path: The file.
        kind: What the file is, for messages (``"scenario"``, ``"experiment"``).
        keys: Some of its keys, for the message when the file is not a mapping.

    Raises:
        InputError: If the file is missing, is not valid YAML (see :func:`load_yaml`), or is
            not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        a = "an" if kind[0] in "aeiou" else "a"
        raise InputError(path, f"{kind} file not found; give the path of {a} {kind} YAML file")
    data = load_yaml(path, f"{kind} YAML")
    if not isinstance(data, dict):
        raise InputError(path, f"must be a YAML mapping with keys such as {keys}")
    return data
