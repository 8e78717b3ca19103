"""`.ci/run` finds a python3 that can pip-install whatever the Python state of a fresh Debian machine.

Each case runs the script's set-up (``AGILAB_CI_SETUP_ONLY=1``, no apt) in a mount namespace where
/root is empty, so this machine's pyenv Python is gone and only Debian's externally managed
/usr/bin/python3 (PEP 668) is left, as on a fresh machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .isolated import isolation_missing_reason

REPO = Path(__file__).resolve().parents[2]
MANAGED = Path("/usr/lib/python3.11/EXTERNALLY-MANAGED")


def fresh_machine(hide: list[str]) -> subprocess.CompletedProcess[str]:
    hides = " ".join(f"mount --bind /dev/null {h};" for h in hide)
    script = (f"mount -t tmpfs tmpfs /root && {hides} cd {REPO} && "
              "env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root AGILAB_CI_SKIP_APT=1 AGILAB_CI_SETUP_ONLY=1 "
              "bash .ci/run")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(autouse=True)
def needs_namespaces():
    reason = isolation_missing_reason()
    if reason:
        pytest.skip(reason)
    if not MANAGED.exists():
        pytest.skip(f"this machine's system Python is not externally managed ({MANAGED} missing)")


def test_externally_managed_system_python_gets_a_venv():
    out = fresh_machine([])
    assert out.returncode == 0, out.stderr + out.stdout
    assert "managed-" in out.stdout and "using the venv /root/.cache/agilab-tui-ci-venv" in out.stdout, out.stdout
    assert "python3 = /root/.cache/agilab-tui-ci-venv/bin/python3" in out.stdout


def test_without_the_venv_module_pip_override_is_used():
    venv_init = Path("/usr/lib/python3.11/venv/__init__.py")
    pip_present = subprocess.run(["/usr/bin/python3", "-c", "import pip"], capture_output=True).returncode == 0
    if not pip_present:
        pytest.skip("the system Python has no pip module here (python3-pip)")
    out = fresh_machine([str(venv_init)])
    assert out.returncode == 0, out.stderr + out.stdout
    assert "PIP_BREAK_SYSTEM_PACKAGES=1" in out.stdout and "python3 = /usr/bin/python3" in out.stdout, out.stdout


def test_neither_pip_nor_venv_fails_saying_what_to_install():
    pip_dir = subprocess.run(["/usr/bin/python3", "-c", "import pip,os; print(os.path.dirname(pip.__file__))"],
                             capture_output=True, text=True).stdout.strip()
    hide = [str(Path("/usr/lib/python3.11/venv/__init__.py"))]
    if pip_dir:
        hide.append(f"{pip_dir}/__init__.py")
    out = fresh_machine(hide)
    assert out.returncode != 0
    assert "apt-get install python3-venv python3-pip" in out.stderr, out.stderr + out.stdout
