"""The README's two commands stay true, and CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, re.S)]


def test_ci_runs_the_readme_test_command():
    blocks = _bash_blocks((REPO / "README.md").read_text())
    test_command = blocks[1]
    assert "pytest" in test_command
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_start_command_uses_the_console_script():
    pyproject = (REPO / "pyproject.toml").read_text()
    start = _bash_blocks((REPO / "README.md").read_text())[0]
    assert start.endswith("agilab-tui")
    assert 'agilab-tui = "tui.__main__:main"' in pyproject
