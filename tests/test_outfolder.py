"""A results folder never costs a user a file, even when a write is killed."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migsim.cli import main
from migsim.errors import InputError
from migsim.outfolder import recover, write_folder

NAMES = ("a.txt", "b.txt")
SMALL = ["run", "--days", "2", "--families-per-year", "300", "--quiet", "--no-plots"]


def fill(text: str):
    def write(tmp: Path) -> None:
        (tmp / "a.txt").write_text(text)

    return write


def test_new_folder_written_whole(tmp_path):
    out = write_folder(tmp_path / "res", fill("one"), names=NAMES, what="results")
    assert (out / "a.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_own_folder_replaced(tmp_path):
    out = tmp_path / "res"
    write_folder(out, fill("one"), names=NAMES, what="results")
    write_folder(out, fill("two"), names=NAMES, what="results")
    assert (out / "a.txt").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_users_file_refused_and_kept(tmp_path):
    out = tmp_path / "res"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    with pytest.raises(InputError, match="thesis.docx"):
        write_folder(out, fill("one"), names=NAMES, what="results")
    assert (out / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_failed_write_leaves_old_folder(tmp_path):
    out = tmp_path / "res"
    write_folder(out, fill("one"), names=NAMES, what="results")

    def broken(tmp: Path) -> None:
        (tmp / "a.txt").write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_folder(out, broken, names=NAMES, what="results")
    assert (out / "a.txt").read_text() == "one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_cli_run_refuses_a_users_folder(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    status = main([*SMALL, "--out", str(out)])
    assert status == 2
    err = capsys.readouterr().err
    assert "thesis.docx" in err and "--out" in err
    assert (out / "thesis.docx").read_text() == "years of work"


def test_cli_run_refuses_the_current_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("keep")
    status = main([*SMALL, "--out", "."])
    assert status == 2
    assert "current folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep"


def test_cli_run_replaces_its_own_results(tmp_path):
    out = tmp_path / "res"
    args = ["run", "--days", "3", "--families-per-year", "500", "--quiet", "--out", str(out)]
    assert main(args + ["--seed", "1"]) == 0
    assert main(args + ["--seed", "2"]) == 0
    assert "seed: 2" in (out / "scenario.yaml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_cli_read_only_parent_exits_1(tmp_path, capsys):
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        status = main([*SMALL, "--out", str(ro / "res")])
    finally:
        ro.chmod(0o700)
    assert status == 1
    assert "nothing was written" in capsys.readouterr().err


def test_out_under_a_file_exits_cleanly(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("keep")
    status = main([*SMALL, "--out", str(tmp_path / "notes.txt" / "sub")])
    assert status in (1, 2)
    assert "Traceback" not in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep"


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from migsim import outfolder

    out, when = Path(sys.argv[1]), sys.argv[2]
    renames = []
    real_rename = Path.rename

    def rename(self, target):
        renames.append(self)
        # the second rename is the new folder moving in, after the old one moved aside
        if when == "swap" and len(renames) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_rename(self, target)

    Path.rename = rename

    def write(tmp):
        (tmp / "a.txt").write_text("new")
        if when == "write":
            os.kill(os.getpid(), signal.SIGKILL)

    outfolder.write_folder(out, write, names=("a.txt",), what="results")
    """
)


@pytest.mark.parametrize("when", ["write", "swap"])
def test_kill_9_loses_neither_folder(tmp_path, when):
    out = tmp_path / "res"
    write_folder(out, fill("old"), names=("a.txt",), what="results")
    proc = subprocess.run([sys.executable, "-c", KILLER, str(out), when], check=False)
    assert proc.returncode == -9
    recover(out)  # what the next run does first
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    write_folder(out, fill("again"), names=("a.txt",), what="results")
    assert (out / "a.txt").read_text() == "again"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
