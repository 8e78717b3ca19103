"""The swap of a built-aside worker environment, including one interrupted half-way (defect 6 of issue 16)."""

from __future__ import annotations

from pathlib import Path

from engine.env_swap import BUILDING, PREVIOUS, building_root, recover, swap_in


def _env(folder: Path, tag: str) -> None:
    (folder / ".venv" / "bin").mkdir(parents=True)
    (folder / ".venv" / "bin" / "python").write_text(tag)
    (folder / "src").mkdir()
    (folder / "src" / "tag").write_text(tag)


def _old_live_new_built(tmp_path: Path) -> tuple[Path, Path]:
    """A worker env folder with a live "old" env and a complete "new" build beside it."""
    root = tmp_path / "wenv"
    root.mkdir()
    _env(root, "old")
    build = building_root(root)
    _env(build, "new")
    return root, build


def _park_live(root: Path) -> None:
    """The swap's first step: the live venv and sources moved to .previous."""
    (root / PREVIOUS).mkdir()
    for name in (".venv", "src"):
        (root / name).rename(root / PREVIOUS / name)


def test_swap_replaces_venv_and_sources_and_keeps_the_rest(tmp_path: Path):
    root = tmp_path / "wenv"
    root.mkdir()
    _env(root, "old")
    (root / "distribution_tree.json").write_text("{}")
    build = building_root(root)
    _env(build, "new")
    swap_in(build, root)
    assert (root / ".venv" / "bin" / "python").read_text() == "new"
    assert (root / "src" / "tag").read_text() == "new"
    assert (root / "distribution_tree.json").exists()
    assert not (root / BUILDING).exists() and not (root / PREVIOUS).exists()


def test_an_interrupted_swap_is_rolled_back_to_the_previous_env(tmp_path: Path):
    root, build = _old_live_new_built(tmp_path)
    # the process died after parking the live env and before moving the build in
    _park_live(root)
    assert recover(root) == [".venv", "src"]
    assert (root / ".venv" / "bin" / "python").read_text() == "old"
    assert not (root / BUILDING).exists() and not (root / PREVIOUS).exists()


def test_a_swap_cut_between_its_two_moves_restores_venv_and_sources_together(tmp_path: Path):
    root, build = _old_live_new_built(tmp_path)
    # the live env was parked and the new venv moved in; the process died before the new sources
    _park_live(root)
    (build / ".venv").rename(root / ".venv")
    assert sorted(recover(root)) == [".venv", "src"]
    assert (root / ".venv" / "bin" / "python").read_text() == "old"
    assert (root / "src" / "tag").read_text() == "old"
    assert not (root / BUILDING).exists() and not (root / PREVIOUS).exists()


def test_a_swap_that_only_missed_its_clean_up_keeps_the_new_env(tmp_path: Path):
    root, build = _old_live_new_built(tmp_path)
    _park_live(root)
    for name in (".venv", "src"):
        (build / name).rename(root / name)
    assert recover(root) == []
    assert (root / ".venv" / "bin" / "python").read_text() == "new"
    assert (root / "src" / "tag").read_text() == "new"
    assert not (root / PREVIOUS).exists()
