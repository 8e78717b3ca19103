"""SSH settings fields (written to [cluster] at once, validated) and the pure parsing behind the tables."""

from __future__ import annotations

from pathlib import Path

from cluster_tui_helpers import FLIGHT, settle

from engine.facade import Engine
from engine.workspace import Workspace
from tui.app import make_app
from tui.orchestrate.hosts import key_problem, step_of
from tui.orchestrate.log_filter import LogSourceFilter
from tui.orchestrate.ssh_form import SshSettingsForm


async def type_into(pilot, selector: str, text: str) -> None:
    """Type short text key by key; paste long text at once (one Input.Changed, as a terminal paste gives)."""
    field = pilot.app.view("orchestrate").query_one(selector)
    field.focus()
    field.value = ""
    if len(text) <= 12:
        await pilot.press(*text)
    else:
        field.value = text
    await settle(pilot)


async def test_ssh_fields_write_cluster_at_once_and_refuse_invalid_values(isolated_home: Path, tmp_path: Path):
    engine = Engine(Workspace(isolated_home))
    key = tmp_path / "id_test"
    key.write_text("not a real key, only its path is stored\n")
    app = make_app(test_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("hosts")
        await pilot.pause()
        form = view.query_one(SshSettingsForm)

        await type_into(pilot, "#ssh-user", "deploy")
        assert engine.settings(FLIGHT).cluster.user == "deploy"

        # Each keystroke is written when valid: "bad" lands, "bad@..." never does.
        await type_into(pilot, "#ssh-user", "bad@user")
        assert engine.settings(FLIGHT).cluster.user == "bad"
        assert "not a valid user name" in str(form.query_one("#ssh-err-user").content)
        assert form.query_one("#ssh-user").has_class("-invalid")

        await type_into(pilot, "#ssh-ssh_key_path", str(tmp_path / "missing"))
        assert "no key file" in str(form.query_one("#ssh-err-ssh_key_path").content)
        assert engine.settings(FLIGHT).cluster.ssh_key_path == ""
        await type_into(pilot, "#ssh-ssh_key_path", str(key) + ".pub")
        assert "private key" in str(form.query_one("#ssh-err-ssh_key_path").content)
        assert not engine.settings(FLIGHT).cluster.ssh_key_path.endswith(".pub")
        await type_into(pilot, "#ssh-ssh_key_path", str(key))
        assert engine.settings(FLIGHT).cluster.ssh_key_path == str(key)
        assert str(form.query_one("#ssh-err-ssh_key_path").content) == ""

        await type_into(pilot, "#ssh-remote_root", "relative/root")
        assert "absolute path" in str(form.query_one("#ssh-err-remote_root").content)
        await type_into(pilot, "#ssh-remote_root", "/srv/agilab/{host}")
        await type_into(pilot, "#ssh-remote_python", "/usr/bin/python3.11")
        cluster = engine.settings(FLIGHT).cluster
        assert (cluster.remote_root, cluster.remote_python) == ("/srv/agilab/{host}", "/usr/bin/python3.11")
        settings_text = engine.settings(FLIGHT).path.read_text()
        assert "password" not in settings_text.lower()  # only a key path, never a secret


def test_key_problems_are_read_from_the_ssh_errors_text():
    from engine.ssh import HostKeyChangedError, UnknownHostKeyError

    assert key_problem(str(UnknownHostKeyError("root@h:22", "SHA256:abc", 22))) == ("SHA256:abc", False)
    assert key_problem(str(HostKeyChangedError("root@h:22", "SHA256:xyz", 22))) == ("SHA256:xyz", True)
    assert key_problem("root@h:22: cannot connect: TimeoutError") == ("", False)


def test_install_steps_are_named_from_the_hosts_lines():
    assert step_of("shipped 11 file(s) of workers") == "ship sources"
    assert step_of("$ UV_PYTHON_DOWNLOADS=never /x/uv pip install --python /w/.venv/bin/python a b") == \
        "install dependencies"
    assert step_of("Resolved 12 packages") is None


def test_log_filter_cycles_all_scheduler_workers_then_generic_sources():
    log = LogSourceFilter(max_lines=10)
    log.record("engine", ["run starts"])
    log.record("127.0.0.1-1", ["w1 a"])
    log.record("scheduler", ["s a"])
    log.record("127.0.0.1-0", ["w0 a"])
    assert log.choices() == ["", "scheduler", "127.0.0.1-0", "127.0.0.1-1", "engine"]  # workers by name
    assert log.cycle() == "scheduler" and log.cycle() == "127.0.0.1-0"
    assert log.record("127.0.0.1-1", ["w1 b"]) == [] and log.record("127.0.0.1-0", ["w0 b"]) == ["w0 b"]
    assert log.lines() == ["w0 a", "w0 b"]
    assert log.cycle(-1) == "scheduler" and log.cycle(-1) == "" and log.lines()[0] == "run starts"
    for _ in range(20):
        log.record("stdout", ["x"])
    assert len(log.records) == 10  # bounded like the log pane itself
