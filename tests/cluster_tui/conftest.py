"""Fixtures for the cluster/service TUI tests: the real fake SSH hosts of ``tests/ssh`` and a settle helper."""

from __future__ import annotations

from ssh.conftest import (  # noqa: F401  (pytest fixtures, used by name)
    blackhole,
    client_key,
    fake_hosts,
    no_leftovers,
    ssh_home,
    trusted_workspace,
    workspace,
)
