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
