"""``agilab-tui trust-host --json`` against a real sshd: the key is recorded and the answer is one JSON document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_trust_host_json_records_the_key(workspace, ssh_home, host1):
    env = {**os.environ, "AGILAB_TUI_HOME": str(workspace.root), "HOME": str(ssh_home)}
    argv = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())", "trust-host",
            host1.spec, "--json"]
    out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["ok"] and payload["host"] == host1.spec and payload["fingerprint"].startswith("SHA256:")
    recorded = Path(payload["known_hosts"]).read_text()
    # Port 22 is written bare, other ports as [host]:port (OpenSSH's known_hosts syntax).
    entry = host1.address if host1.port == 22 else f"[{host1.address}]:{host1.port}"
    assert f"{entry} ssh-ed25519 " in recorded

    wrong = subprocess.run([*argv, "--fingerprint", "SHA256:not-the-key"], env=env, capture_output=True,
                           text=True, timeout=120, cwd=REPO)
    assert wrong.returncode == 1 and json.loads(wrong.stdout)["ok"] is False
