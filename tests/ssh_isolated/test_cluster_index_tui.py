"""ORCHESTRATE shows and edits [cluster.index], and asks for the SSH password in a modal (never stored)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from engine.facade import Engine
from engine.ssh.credentials import has_password, remember_password
from engine.workspace import Workspace
from tui.app import make_app
from tui.orchestrate.index_form import IndexSettingsForm
from tui.orchestrate.password_prompt import PasswordScreen

FLIGHT = "flight_telemetry_project"


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def put(pilot, selector: str, text: str) -> None:
    field = pilot.app.view("orchestrate").query_one(selector)
    field.focus()
    field.value = text
    await settle(pilot)


async def test_index_fields_write_cluster_index_and_show_what_hosts_get(isolated_home: Path, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:s3cret@proxy.corp:3128")
    engine = Engine(Workspace(isolated_home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("hosts")
        await pilot.pause()
        form = view.query_one(IndexSettingsForm)
        effective = str(form.query_one("#index-effective").content)
        # derived from this machine: the CA bundle to ship, the proxy with its password hidden
        assert "CA file shipped: /etc/ssl/certs/ca-certificates.crt  ($SSL_CERT_FILE here)" in effective, effective
        assert "https_proxy: http://***@proxy.corp:3128  ($HTTPS_PROXY here)" in effective
        assert "s3cret" not in effective

        await put(pilot, "#index-url", "not a url")
        assert "is not a URL" in str(form.query_one("#index-error").content)
        assert engine.settings(FLIGHT).cluster.index.url == ""
        await put(pilot, "#index-url", "https://mirror.corp/simple")
        await put(pilot, "#index-extra_urls", "https://a.corp/simple https://b.corp/simple")
        form.query_one("#index-wheels").value = "always"
        form.query_one("#index-native_tls").value = "yes"
        await settle(pilot)
        index = engine.settings(FLIGHT).cluster.index
        assert index.url == "https://mirror.corp/simple" and index.wheels == "always" and index.native_tls is True
        assert index.extra_urls == ["https://a.corp/simple", "https://b.corp/simple"]
        text = engine.settings(FLIGHT).path.read_text()
        assert "[cluster.index]" in text and "s3cret" not in text
        effective = str(form.query_one("#index-effective").content)
        assert "index url: https://mirror.corp/simple  ([cluster.index] url)" in effective


async def test_password_is_asked_in_a_modal_held_in_memory_and_written_nowhere(isolated_home: Path):
    engine = Engine(Workspace(isolated_home))
    settings = engine.settings(FLIGHT)
    settings.update_cluster(cluster_enabled=True, auth_method="password")
    settings.set_workers({"deploy@127.0.0.1:1": 1})
    settings.save()
    secret = "pw-modal-Zq81xx"
    remember_password(isolated_home, None)
    app = make_app(test_mode=True)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(pilot)
            view = app.view("orchestrate")
            view.action_install()
            await pilot.pause()
            assert isinstance(app.screen, PasswordScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert view.current is None and not has_password(isolated_home)  # cancelled: nothing started

            view.action_install()
            await pilot.pause()
            assert isinstance(app.screen, PasswordScreen)
            app.screen.query_one("#ssh-password").value = secret
            await pilot.press("enter")
            await pilot.pause()
            assert not isinstance(app.screen, PasswordScreen)
            assert has_password(isolated_home) and view.current is not None and view.current.kind == "install"
            await view.current.cancel()
            await settle(pilot)
            # the palette has both: forget, then enter ahead of time (the same modal)
            commands = {c.title: c for c in view.palette_commands()}
            commands["hosts: forget ssh password"].callback()
            assert not has_password(isolated_home)
            commands["hosts: enter ssh password"].callback()
            await pilot.pause()
            assert isinstance(app.screen, PasswordScreen)
            app.screen.query_one("#ssh-password").value = secret
            await pilot.press("enter")
            await pilot.pause()
            assert has_password(isolated_home) and view.current is None  # held, nothing started
    finally:
        remember_password(isolated_home, None)
    found = subprocess.run(["grep", "-rlaF", secret, str(isolated_home)], capture_output=True, text=True).stdout
    assert found == "", found
