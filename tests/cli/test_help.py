"""``agilab-tui --help`` lists every subcommand with one line each."""

from __future__ import annotations

from pathlib import Path

from conftest import cli

from engine.cli import command_summaries


def test_help_lists_every_subcommand_with_one_line(isolated_home: Path):
    out = cli(isolated_home, "--help")
    assert out.returncode == 0, out.stderr
    listed = {}
    in_commands = False
    for line in out.stdout.splitlines():
        if line == "commands:":
            in_commands = True
        elif in_commands and line.startswith("  ") and line.strip():
            name, _, summary = line.strip().partition(" ")
            listed[name] = summary.strip()
        elif in_commands and not line.strip():
            break
    expected = {name for name, _ in command_summaries()} | {"web", "(none)"}
    assert set(listed) == expected
    assert all(listed.values()), [name for name, text in listed.items() if not text]
    for group in ("project", "assistant", "analysis", "notebook", "runs", "settings"):
        if any(name == group for name, _ in command_summaries()):
            assert group in listed


def test_every_group_answers_its_own_help(isolated_home: Path):
    for name, _ in command_summaries():
        out = cli(isolated_home, name, "--help")
        assert out.returncode == 0, (name, out.stderr)
        assert "usage: agilab-tui" in out.stdout
