"""The host-side swap scripts, run by a real bash on a real folder, in every state a cut connection can leave.

A worker host runs these scripts over SSH (tests/ssh_isolated/test_remote_reinstall_swap.py covers that
path end to end); here each interrupted state is laid out by hand, which SSH cannot time.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from engine.remote_env_swap import LOCK, aside_names, prepare_script, recover_script, swap_script


def sh(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)


def env(root: Path, tag: str) -> None:
    """A ``.venv`` and ``src`` pair whose files say which env they belong to."""
    for name in (".venv", "src"):
        (root / name).mkdir(parents=True)
        (root / name / "which").write_text(tag)


def which(root: Path) -> dict[str, str]:
    return {name: (root / name / "which").read_text() for name in (".venv", "src") if (root / name / "which").exists()}


def listing(wenv: Path) -> list[str]:
    return sorted(p.name for p in wenv.iterdir() if p.name != LOCK)


def test_swap_replaces_both_and_leaves_nothing_aside(tmp_path: Path):
    wenv = tmp_path / "wenv"
    env(wenv, "old")
    (wenv / "dask").mkdir()  # the rest of the folder is not the env's
    assert sh(prepare_script(str(wenv))).returncode == 0
    assert which(wenv / ".building") == {"src": "old"}  # the live sources are the build's starting point
    (wenv / ".building" / "src" / "which").write_text("new")
    (wenv / ".building" / ".venv").mkdir()
    (wenv / ".building" / ".venv" / "which").write_text("new")
    out = sh(swap_script(str(wenv)))
    assert out.returncode == 0, out.stderr
    assert which(wenv) == {".venv": "new", "src": "new"}
    assert listing(wenv) == [".venv", "dask", "src"]


def test_an_incomplete_build_is_never_swapped_in(tmp_path: Path):
    wenv = tmp_path / "wenv"
    env(wenv, "old")
    assert sh(prepare_script(str(wenv))).returncode == 0  # sources copied, no venv built
    out = sh(swap_script(str(wenv)))
    assert out.returncode == 1 and "the build is incomplete" in out.stdout
    assert which(wenv) == {".venv": "old", "src": "old"}


def test_cut_while_parking_the_old_env_puts_it_back(tmp_path: Path):
    wenv = tmp_path / "wenv"
    env(wenv, "old")
    (wenv / ".previous").mkdir()
    (wenv / ".venv").rename(wenv / ".previous" / ".venv")  # parked .venv, src not yet
    env(wenv / ".building", "new")
    out = sh(recover_script(str(wenv)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[0] == "restored .venv"
    assert which(wenv) == {".venv": "old", "src": "old"}
    assert listing(wenv) == [".venv", "src"]  # the stale build is gone too


def test_cut_while_moving_the_new_env_in_puts_the_whole_old_one_back(tmp_path: Path):
    wenv = tmp_path / "wenv"
    env(wenv / ".previous", "old")  # both parked
    env(wenv / ".building", "new")
    (wenv / ".building" / ".venv").rename(wenv / ".venv")  # the new venv is in, its sources are not
    out = sh(recover_script(str(wenv)))
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split()) == sorted(["restored", ".venv", "restored", "src"])
    assert which(wenv) == {".venv": "old", "src": "old"}  # never a new venv with old sources
    assert listing(wenv) == [".venv", "src"]


def test_cut_after_the_swap_keeps_the_new_env(tmp_path: Path):
    wenv = tmp_path / "wenv"
    env(wenv / ".previous", "old")
    env(wenv, "new")  # both new ones in; only deleting the parked ones was left
    out = sh(recover_script(str(wenv)))
    assert out.returncode == 0 and out.stdout == "", out
    assert which(wenv) == {".venv": "new", "src": "new"}
    assert listing(wenv) == [".venv", "src"]


def test_recover_on_a_host_without_the_env_does_nothing(tmp_path: Path):
    out = sh(recover_script(str(tmp_path / "absent")))
    assert out.returncode == 0 and out.stdout == ""
    assert listing(tmp_path / "absent") == []


def test_hosts_sharing_the_folder_keep_out_of_each_others_build(tmp_path: Path):
    """Two hosts with one NFS home: b's recovery leaves a's build in progress alone, and both swaps hold."""
    wenv = tmp_path / "wenv"
    env(wenv, "old")
    assert sh(prepare_script(str(wenv), "a")).returncode == 0
    assert sh(recover_script(str(wenv), "b")).returncode == 0
    assert sh(prepare_script(str(wenv), "b")).returncode == 0
    for tag in ("a", "b"):
        build = wenv / aside_names(tag)[0]
        assert which(build) == {"src": "old"}, tag
        (build / ".venv").mkdir()
        (build / ".venv" / "which").write_text(tag)
        (build / "src" / "which").write_text(tag)
    assert sh(swap_script(str(wenv), "a")).returncode == 0
    assert sh(swap_script(str(wenv), "b")).returncode == 0
    assert which(wenv) == {".venv": "b", "src": "b"}
    assert listing(wenv) == [".venv", "src"]
