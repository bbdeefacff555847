"""Writing a results folder so that a user's files are never lost.

A results folder is written beside its destination under a hidden name and moved into place
with renames only once it is complete. An existing destination is replaced only when it holds
nothing but files migsim writes there; anything else (a user's notes, a thesis, the current
folder) is refused with a message and left untouched. The folder being replaced is kept under
a hidden name until the new one is in place, and a later run finishes or undoes whatever an
interrupted one left behind (a ``kill -9`` mid-swap loses neither folder).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from migsim.errors import InputError

# Hidden names beside the destination: ``.NAME.migsim-new-PID-XXXX`` while writing,
# ``.NAME.migsim-old-PID-XXXX`` for the folder being replaced during the swap.
NEW = "migsim-new"
OLD = "migsim-old"


def process_gone(pid: int) -> bool:
    """Whether a process has exited (a zombie counts as exited)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def _owner(path: Path, tag: str) -> int | None:
    """The process id in a hidden folder's name, or None if the name is not one of ours."""
    marker = f".{tag}-"
    if marker not in path.name:
        return None
    try:
        return int(path.name.split(marker, 1)[1].split("-", 1)[0])
    except ValueError:
        return None


def recover(out: Path) -> None:
    """Finish or undo what an interrupted write to ``out`` left behind.

    A folder being replaced is put back if the new one never arrived, and discarded if it did;
    half-written new folders are removed. Folders of a run still alive are left alone.
    """
    parent = out.parent
    if not parent.is_dir():
        return
    for tag in (OLD, NEW):
        for path in sorted(parent.glob(f".{out.name}.{tag}-*")):
            pid = _owner(path, tag)
            if pid is None or (pid != os.getpid() and not process_gone(pid)):
                continue
            if tag == OLD and not out.exists():
                path.rename(out)
            else:
                shutil.rmtree(path, ignore_errors=True)


def check_folder_path(out: Path) -> None:
    """Refuse a destination folder that is a file, or lies under one.

    Raises:
        InputError: Naming the file in the way.
    """
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a folder; give another --out", key="--out")
    above = next((p for p in out.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise InputError(
            out,
            f"lies under '{above}', which is a file, not a folder; give another --out",
            key="--out",
        )


def check_replaceable(out: Path, names: Iterable[str], what: str) -> None:
    """Refuse a destination that is not a folder migsim may replace.

    Args:
        out: The destination folder.
        names: The file and folder names (or glob patterns) migsim writes there; anything
            else is a user's.
        what: What the folder holds, for the message (e.g. ``"results"``).

    Raises:
        InputError: If ``out`` is a file or lies under one, is the current folder or one
            above it, or is a folder holding anything migsim did not write.
    """
    check_folder_path(out)
    resolved = out.resolve()
    if resolved == Path.cwd().resolve() or resolved in Path.cwd().resolve().parents:
        raise InputError(
            out,
            f"is the current folder or one above it; give a new folder for the {what}, "
            "e.g. --out results/mine",
            key="--out",
        )
    if not out.is_dir():
        return
    known = list(names)
    foreign = sorted(
        p.name for p in out.iterdir() if not any(fnmatch.fnmatchcase(p.name, k) for k in known)
    )
    if foreign:
        shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
        raise InputError(
            out,
            f"holds files migsim did not write ({shown}); migsim replaces only its own "
            f"{what} folders: give a new or empty folder with --out, or move those files",
            key="--out",
        )


def write_folder(
    out: str | Path, write: Callable[[Path], None], *, names: Iterable[str], what: str
) -> Path:
    """Write a folder in full or not at all, replacing an earlier one of migsim's.

    Args:
        out: The destination folder.
        write: Fills the (temporary) folder it is given.
        names: Every name ``write`` may create, and any other name migsim writes into such a
            folder later (e.g. an animation): only a folder holding nothing else is replaced.
        what: What the folder holds, for messages.

    Returns:
        The destination.

    Raises:
        InputError: If the destination may not be replaced (see :func:`check_replaceable`).
        OSError: If the disk is full or the folder cannot be written; nothing is left behind.
    """
    out = Path(out)
    check_replaceable(out, names, what)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    pid = os.getpid()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{NEW}-{pid}-", dir=out.parent))
    old: Path | None = None
    try:
        write(tmp)
        tmp.chmod(0o777 & ~_umask())
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{OLD}-{pid}-", dir=out.parent))
            old.rmdir()
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        if old is not None and old.exists() and not out.exists():
            old.rename(out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return out


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
