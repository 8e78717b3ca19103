"""System settings: pool / cython / cluster / rapids switches, scheduler, worker map, verbosity, data share,
pool executor and size, live mode.

Each valid change is posted as :class:`SettingsForm.Changed` (the page writes it to ``[cluster]`` at
once); invalid text stays in the field with the error shown under it and nothing is posted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, Switch

FLAGS = (("pool", "Pool (+1)"), ("cython", "Cython (+2)"), ("cluster_enabled", "Cluster (+4)"), ("rapids", "RAPIDS (+8)"))
VERBOSITY = [("0 quiet", 0), ("1 info", 1), ("2 debug", 2), ("3 trace", 3)]
POOL_EXECUTORS = [("auto", "auto"), ("process", "process"), ("thread", "thread")]


def parse_pool_workers(text: str) -> int | None:
    """Empty -> None (one per CPU); otherwise a whole number >= 1."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"'{text}': the pool size must be a whole number of at least 1 (or empty)")
    return int(text)


def validate_data_share(text: str) -> str:
    text = text.strip()
    if text and not text.startswith(("/", "~")):
        raise ValueError("the data share must be an absolute path (or start with ~) that every worker mounts")
    return text


def format_workers(workers: dict[str, int]) -> str:
    return ", ".join(f"{host}={slots}" for host, slots in workers.items())


def parse_workers(text: str) -> dict[str, int]:
    """``host=slots, host=slots`` (or AGILab's JSON object) -> validated map; ValueError says why."""
    from engine.settings import validate_worker_map

    text = text.strip()
    if text.startswith("{"):
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg}") from exc
        if not isinstance(raw, dict):
            raise ValueError("the JSON must be an object of host: slots")
        return validate_worker_map(raw)
    workers: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        host, sep, slots = part.rpartition("=")
        if not sep or not host.strip():
            raise ValueError(f"'{part}' must look like host=slots")
        if not slots.strip().isdigit():
            raise ValueError(f"'{part}': slots must be a whole number")
        workers[host.strip()] = int(slots)
    return validate_worker_map(workers)


class SettingsForm(VerticalScroll):
    """The form; ``load()`` fills it, ``Changed`` reports each valid edit."""

    @dataclass
    class Changed(Message):
        """A valid change of ``[cluster]`` keys."""

        values: dict[str, Any]

    def compose(self) -> ComposeResult:
        yield Static("", id="mode-label")
        for key, label in FLAGS:
            with Horizontal(classes="row"):
                yield Label(label, classes="field-label")
                yield Switch(id=f"set-{key}")
        with Horizontal(classes="row"):
            yield Label("Scheduler", classes="field-label")
            yield Input(placeholder="host:port", id="set-scheduler", compact=True)
        yield Static("", id="err-scheduler", classes="field-error")
        with Horizontal(classes="row"):
            yield Label("Workers", classes="field-label")
            yield Input(placeholder="127.0.0.1=2, 192.168.1.22=1", id="set-workers", compact=True)
        yield Static("", id="err-workers", classes="field-error")
        with Horizontal(classes="row"):
            yield Label("Verbosity", classes="field-label")
            yield Select(VERBOSITY, allow_blank=False, value=1, id="set-verbose", compact=True)
        with Horizontal(classes="row"):
            yield Label("Data share", classes="field-label")
            yield Input(placeholder="empty: data travels through Dask", id="set-workers_data_path", compact=True)
        yield Static("", id="err-workers_data_path", classes="field-error")
        with Horizontal(classes="row"):
            yield Label("Pool executor", classes="field-label")
            yield Select(POOL_EXECUTORS, allow_blank=False, value="auto", id="set-pool_executor", compact=True)
        with Horizontal(classes="row"):
            yield Label("Pool workers", classes="field-label")
            yield Input(placeholder="empty: one per CPU", id="set-pool_max_workers", compact=True)
        yield Static("", id="err-pool_max_workers", classes="field-error")

    def load(self, cluster: Any, mode_label: str) -> None:
        """Fill every field from a ``ClusterSettings`` without posting changes."""
        # prevent(): programmatic fills must not be written back as user edits.
        with self.prevent(Switch.Changed, Input.Changed, Select.Changed):
            for key, _ in FLAGS:
                self.query_one(f"#set-{key}", Switch).value = bool(getattr(cluster, key))
            self.query_one("#set-scheduler", Input).value = cluster.scheduler
            self.query_one("#set-workers", Input).value = format_workers(cluster.workers)
            self.query_one("#set-verbose", Select).value = cluster.verbose
            self.query_one("#set-workers_data_path", Input).value = cluster.workers_data_path
            self.query_one("#set-pool_executor", Select).value = cluster.pool_executor
            workers = cluster.pool_max_workers
            self.query_one("#set-pool_max_workers", Input).value = "" if workers is None else str(workers)
            for key in ("scheduler", "workers", "workers_data_path", "pool_max_workers"):
                self.show_error(key, "")
            self.set_mode_label(mode_label)

    def set_mode_label(self, label: str) -> None:
        self.query_one("#mode-label", Static).update(f"Mode {label}")

    def show_error(self, key: str, message: str) -> None:
        """Show ``message`` under the field of ``key`` (scheduler or workers); empty clears it."""
        error = self.query(f"#err-{key}")
        if error:
            error.first(Static).update(f"✗ {message}" if message else "")
        field = self.query(f"#set-{key}")
        if field:
            field.first().set_class(bool(message), "-invalid")

    def flags(self) -> dict[str, bool]:
        return {key: self.query_one(f"#set-{key}", Switch).value for key, _ in FLAGS}

    def _post(self, values: dict[str, Any]) -> None:
        self.post_message(self.Changed(values))

    @on(Switch.Changed)
    def _flag_changed(self, event: Switch.Changed) -> None:
        from engine.modes import compute_mode, mode_label

        flags = self.flags()
        self.set_mode_label(mode_label(compute_mode(pool=flags["pool"], cython=flags["cython"],
                                                    cluster=flags["cluster_enabled"], rapids=flags["rapids"])))
        key = (event.switch.id or "").removeprefix("set-")
        self._post({key: event.value})

    @on(Input.Changed, "#set-scheduler")
    def _scheduler_changed(self, event: Input.Changed) -> None:
        from engine.settings import validate_scheduler

        try:
            validate_scheduler(event.value.strip())
        except ValueError as exc:
            self.show_error("scheduler", str(exc))
            return
        self.show_error("scheduler", "")
        self._post({"scheduler": event.value.strip()})

    @on(Input.Changed, "#set-workers")
    def _workers_changed(self, event: Input.Changed) -> None:
        try:
            workers = parse_workers(event.value)
        except ValueError as exc:
            self.show_error("workers", str(exc))
            return
        self.show_error("workers", "")
        self._post({"workers": workers})

    @on(Select.Changed, "#set-verbose")
    def _verbose_changed(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self._post({"verbose": int(event.value)})  # type: ignore[arg-type]

    @on(Input.Changed, "#set-workers_data_path")
    def _share_changed(self, event: Input.Changed) -> None:
        try:
            value = validate_data_share(event.value)
        except ValueError as exc:
            self.show_error("workers_data_path", str(exc))
            return
        self.show_error("workers_data_path", "")
        self._post({"workers_data_path": value})

    @on(Input.Changed, "#set-pool_max_workers")
    def _pool_workers_changed(self, event: Input.Changed) -> None:
        try:
            value = parse_pool_workers(event.value)
        except ValueError as exc:
            self.show_error("pool_max_workers", str(exc))
            return
        self.show_error("pool_max_workers", "")
        self._post({"pool_max_workers": value})

    @on(Select.Changed, "#set-pool_executor")
    def _executor_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self._post({"pool_executor": event.value})
