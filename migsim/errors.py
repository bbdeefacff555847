"""Errors for bad user input: one clear message naming the file, the row or key, and the fix."""

from __future__ import annotations

from pathlib import Path


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


def read_yaml_mapping(path: str | Path, kind: str, keys: str) -> dict:
    """Read a YAML file that must hold a mapping, with one clear message for each problem.

    Args:
        path: The file.
        kind: What the file is, for messages (``"scenario"``, ``"experiment"``).
        keys: Some of its keys, for the message when the file is not a mapping.

    Raises:
        InputError: If the file is missing, is not valid YAML, or is not a mapping.
    """
    import yaml

    path = Path(path)
    if not path.is_file():
        a = "an" if kind[0] in "aeiou" else "a"
        raise InputError(path, f"{kind} file not found; give the path of {a} {kind} YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise InputError(path, f"is not valid YAML{where}; check indentation and colons") from None
    except ValueError as exc:  # e.g. a date such as 2019-13-01
        raise InputError(path, f"has an invalid value ({exc}); dates are YYYY-MM-DD") from None
    if not isinstance(data, dict):
        raise InputError(path, f"must be a YAML mapping with keys such as {keys}")
    return data
