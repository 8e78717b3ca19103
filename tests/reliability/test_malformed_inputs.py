"""Defect 10: every malformed input gets a clear error naming the file (and line/key), exit 1, no file changed.

Each case drives the real CLI in a subprocess.  ``MALFORMED`` is also the source of the README's
"malformed input -> what it now gets" table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rel_helpers import REPO, cli, tree_digest

SEED = (REPO / "apps" / "minimal_app_project" / "src" / "app_settings.toml").read_text("utf-8")
LAB_HEAD = '[__meta__]\nschema = "agilab.lab_stages.v1"\nversion = 1\n'
STAGE = '\n[[demo]]\nD = "d"\nQ = "q"\nC = "print(1)"\n'


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    write: Callable[[Path, Path], Path]
    """(home, tmp) -> the malformed file; it creates whatever the command reads."""
    argv: Callable[[Path, Path], list[str]]
    expect: tuple[str, ...]
    """Substrings of stderr besides the file's path."""


def _settings(content: str | bytes | None) -> Callable[[Path, Path], Path]:
    def write(home: Path, _tmp: Path) -> Path:
        path = home / "settings" / "minimal_app_project" / "app_settings.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, "utf-8")
        return path
    return write


def _lab(content: str | None) -> Callable[[Path, Path], Path]:
    def write(_home: Path, tmp: Path) -> Path:
        path = tmp / "demo" / "lab_stages.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            path.mkdir()
        else:
            path.write_text(content, "utf-8")
        return path
    return write


def _settings_get(_home: Path, _tmp: Path) -> list[str]:
    return ["settings", "get", "minimal_app"]


def _stages_list(_home: Path, tmp: Path) -> list[str]:
    return ["stages", "list", str(tmp / "demo" / "lab_stages.toml")]


def _stages_run(_home: Path, tmp: Path) -> list[str]:
    return ["stages", "run", str(tmp / "demo" / "lab_stages.toml"), "--stage", "0"]


def _notebook(source: object) -> Callable[[Path, Path], Path]:
    def write(_home: Path, tmp: Path) -> Path:
        (tmp / "demo").mkdir(exist_ok=True)
        (tmp / "demo" / "lab_stages.toml").write_text(LAB_HEAD + STAGE)
        path = tmp / "bad.ipynb"
        path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
            {"cell_type": "code", "id": "c0", "metadata": {}, "execution_count": None, "outputs": [],
             "source": source}]}))
        return path
    return write


def _app_lab_directory(home: Path, _tmp: Path) -> Path:
    path = home / "export" / "minimal_app" / "lab_stages.toml"
    path.mkdir(parents=True)
    return path


def _deep_plan(_home: Path, tmp: Path) -> Path:
    path = tmp / "deep.json"
    path.write_text('{"schema": ' + "[" * 100_000 + "]" * 100_000 + "}")
    return path


MALFORMED = [
    Case("settings_duplicate_key", "duplicate TOML key in settings", _settings(SEED.replace("verbose = 1", "verbose = 1\nverbose = 2")),
         _settings_get, ("line 15", "verbose", "already exists")),
    Case("settings_binary", "binary settings file", _settings(b"\x00\xff\xfe\x01garbage"), _settings_get, ("not UTF-8",)),
    Case("settings_not_utf8", "non-UTF-8 (Latin-1) settings", _settings(SEED.replace("csv", "caf\xe9").encode("latin-1")),
         _settings_get, ("not UTF-8", "line 8")),
    Case("settings_directory", "settings path is a directory", _settings(None), _settings_get, ("is a directory",)),
    Case("args_string", '`args = "x"`', _settings('args = "x"\n' + SEED.replace("[args]", "[old_args]")), _settings_get,
         ("line 1", "key 'args'", "must be a table")),
    Case("args_list", "`args = [1, 2]`", _settings("args = [1, 2]\n" + SEED.replace("[args]", "[old_args]")), _settings_get,
         ("line 1", "key 'args'", "must be a table")),
    Case("settings_empty", "empty settings file", _settings(""), _settings_get, ("empty settings file",)),
    Case("pool_yes", '`pool = "yes"`', _settings(SEED.replace("pool = false", 'pool = "yes"')), _settings_get,
         ("line 16", "cluster.pool", "valid boolean")),
    Case("cython_7", "`cython = 7`", _settings(SEED.replace("cython = false", "cython = 7")), _settings_get,
         ("line 15", "cluster.cython", "true/false")),
    Case("schema_v99", "settings schema `v99`", _settings(SEED.replace("app_settings.v1", "app_settings.v99")),
         _settings_get, ("line 2", "__meta__.schema", "unsupported schema")),
    Case("lab_duplicate_key", "duplicate TOML key in a lab", _lab(LAB_HEAD + STAGE.replace('D = "d"', 'D = "d"\nD = "e"')),
         _stages_list, ("line 7", "already exists")),
    Case("lab_directory", "lab path is a directory", _app_lab_directory, lambda _h, _t: ["stages", "list", "minimal_app"],
         ("is a directory",)),
    Case("stage_code_number", "a stage with `C = 5`", _lab(LAB_HEAD + STAGE.replace('C = "print(1)"', "C = 5")),
         _stages_list, ("line 8", "demo[0].C", "must be a string")),
    Case("stage_unknown_runner", "a stage with unknown runner `R`", _lab(LAB_HEAD + STAGE + 'R = "perl"\n'), _stages_list,
         ("line 9", "demo[0].R", "unknown runner 'perl'")),
    Case("sequence_repeats", "a sequence `[0, 0, 5]`", _lab(LAB_HEAD + "demo__sequence = [0, 0, 5]\n" + STAGE + STAGE),
         _stages_list, ("line 4", "__meta__.demo__sequence", "stage 0 twice", "no stage 5")),
    Case("stage_without_code", "a stage without code, run", _lab(LAB_HEAD + '\n[[demo]]\nD = "d"\nQ = "q"\n'), _stages_run,
         ("demo[0]", "no code")),
    Case("dag_deeply_nested", "deeply nested DAG JSON", _deep_plan, lambda _h, t: ["dag", "check", str(t / "deep.json")],
         ("nested too deeply",)),
    Case("notebook_source_number", "notebook cell with `source: 5`", _notebook(5),
         lambda _h, t: ["stages", "import-notebook", str(t / "bad.ipynb"), "--into", str(t / "demo"), "--apply"],
         ("cell 0", "source")),
]


def _no_traceback(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout, out.stderr[-3000:]


@pytest.mark.parametrize("case", MALFORMED, ids=[c.name for c in MALFORMED])
def test_malformed_input_is_refused_naming_the_file(case: Case, isolated_home: Path, tmp_path: Path):
    bad = case.write(isolated_home, tmp_path)
    before_home, before_tmp = tree_digest(isolated_home), tree_digest(tmp_path)
    out = cli(isolated_home, *case.argv(isolated_home, tmp_path), timeout=120)
    _no_traceback(out)
    assert out.returncode == 1, (out.returncode, out.stdout[-1500:], out.stderr[-1500:])
    # `dag check` and `stages run` report their verdict on stdout, the others on stderr.
    said = out.stderr + out.stdout
    assert str(bad) in said, said[-1500:]
    for expected in case.expect:
        assert expected in said, (expected, said[-1500:])
    assert tree_digest(tmp_path) == before_tmp, "an input file changed"
    changed = {k for k in set(tree_digest(isolated_home)) ^ set(before_home) if not k.startswith("log/")}
    assert not {k for k in changed if k.startswith(("settings/", "export/"))}, changed


def test_home_that_is_a_file_is_refused(tmp_path: Path):
    home = tmp_path / "home_file"
    home.write_text("not a folder")
    out = cli(home, "apps")
    _no_traceback(out)
    assert out.returncode == 1 and str(home) in out.stderr and "not a folder" in out.stderr
    assert home.read_text() == "not a folder"


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path):
    folder = tmp_path / "small"
    if os.geteuid() != 0 or shutil.which("mount") is None or not _mount_tmpfs(folder, "64k"):
        pytest.skip("needs root and a mountable tmpfs to fill a disk")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_disk_full_during_import_notebook_names_the_file(isolated_home: Path, tmp_path: Path, small_disk: Path):
    lab = small_disk / "demo" / "lab_stages.toml"
    lab.parent.mkdir()
    lab.write_text(LAB_HEAD + STAGE)
    original = lab.read_bytes()
    sys_path = str(REPO / "tests" / "bench")
    notebook = tmp_path / "big.ipynb"
    subprocess.run(["python3", "-c", f"import sys; sys.path.insert(0, {sys_path!r}); from pathlib import Path; "
                    f"from bench_notebook_import import make_notebook; make_notebook(Path({str(notebook)!r}), 2000)"],
                   check=True)
    out = cli(isolated_home, "stages", "import-notebook", str(notebook), "--into", str(lab), "--apply")
    _no_traceback(out)
    assert out.returncode == 1, out.stderr[-2000:]
    assert str(lab) in out.stderr and ("No space left" in out.stderr or "disk full" in out.stderr), out.stderr[-2000:]
    assert lab.read_bytes() == original, "the lab must be left as it was"
    assert sorted(p.name for p in lab.parent.iterdir() if not p.name.endswith(".lock")) == ["lab_stages.toml"]
