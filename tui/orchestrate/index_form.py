"""``[cluster.index]``: how the worker hosts reach the package index, and what they get in effect.

Blank fields mean "as on this machine": the engine derives them from this machine's uv/pip variables,
pip.conf, CA bundle and proxy variables. The effective table under the fields shows each value with
where it came from (credentials in URLs hidden). Each valid edit is posted as
:class:`~tui.widgets.settings_form.SettingsForm.Changed` with the whole ``index`` table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from tui.widgets.settings_form import SettingsForm

NATIVE_TLS = [("as on this machine", "derive"), ("yes: host's trust store", "yes"), ("no", "no")]
WHEELS = [("auto: when the host can't reach the index", "auto"), ("always (air-gapped hosts)", "always"),
          ("never", "never")]


def _url(value: str) -> str:
    if value and "://" not in value:
        raise ValueError(f"'{value}' is not a URL (https://host/simple)")
    return value


def validate_urls(value: str) -> str:
    for item in value.split():
        _url(item)
    return value


def validate_ca_file(value: str) -> str:
    if value and not Path(value).expanduser().is_file():
        raise ValueError(f"no CA bundle at {value} on this machine")
    return value


FIELDS = (
    ("url", "Index URL", "blank: as here, else PyPI", _url),
    ("extra_urls", "Extra indexes", "space-separated URLs", validate_urls),
    ("ca_file", "CA bundle", "blank: $SSL_CERT_FILE & co. here (shipped)", validate_ca_file),
    ("http_proxy", "HTTP proxy", "blank: $HTTP_PROXY here", _url),
    ("https_proxy", "HTTPS proxy", "blank: $HTTPS_PROXY here", _url),
    ("no_proxy", "No proxy", "blank: $NO_PROXY here", str),
)


class IndexSettingsForm(Vertical):
    """The index fields and the effective configuration the hosts get."""

    DEFAULT_CSS = """
    IndexSettingsForm {
        height: auto;
        margin-top: 1;
        .index-row { height: auto; width: 1fr; }
        .index-label { width: 16; padding: 0 1 0 0; }
        Input, Select { width: 1fr; }
        Input.-invalid { color: $error; }
        #index-error { color: $error; height: auto; padding-left: 16; }
        #index-effective { color: $text-muted; height: auto; padding-left: 1; }
    }
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.current: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Label("Package index on the hosts ([cluster.index])")
        for key, label, placeholder, _ in FIELDS:
            with Horizontal(classes="index-row"):
                yield Label(label, classes="index-label")
                yield Input(placeholder=placeholder, id=f"index-{key}", compact=True)
        with Horizontal(classes="index-row"):
            yield Label("Native TLS", classes="index-label")
            yield Select(NATIVE_TLS, allow_blank=False, value="derive", id="index-native_tls", compact=True)
        with Horizontal(classes="index-row"):
            yield Label("Wheels from here", classes="index-label")
            yield Select(WHEELS, allow_blank=False, value="auto", id="index-wheels", compact=True)
        yield Static("", id="index-error")
        yield Static("", id="index-effective")

    def load(self, cluster: Any) -> None:
        """Fill from a ``ClusterSettings`` without posting anything, then show the effective values."""
        from engine.index_access import index_settings

        settings = index_settings(cluster)
        self.current = settings.model_dump(exclude_none=True)
        with self.prevent(Input.Changed, Select.Changed):
            for key, *_ in FIELDS:
                value = getattr(settings, key)
                self.query_one(f"#index-{key}", Input).value = " ".join(value) if isinstance(value, list) else value
            tls = {None: "derive", True: "yes", False: "no"}[settings.native_tls]
            self.query_one("#index-native_tls", Select).value = tls
            self.query_one("#index-wheels", Select).value = settings.wheels
        self.show_effective(settings)

    def show_effective(self, settings: Any) -> None:
        """The effective values for an ``IndexSettings``: each with its origin."""
        from engine.errors import AgilabError
        from engine.index_access import resolve_index_access

        try:
            access = resolve_index_access(settings)
        except AgilabError as exc:
            self.query_one("#index-effective", Static).update(f"✗ {exc}")
            return
        lines = ["In effect on the hosts:"] + [f"  {name}: {value}  ({origin})" for name, value, origin in access.rows()]
        lines += [f"  note: {note}" for note in access.notes]
        self.query_one("#index-effective", Static).update("\n".join(lines))

    def _post(self, key: str, value: Any) -> None:
        table = {k: v for k, v in self.current.items() if k != key}
        if value not in (None, "", []):
            table[key] = value
        self.current = table
        self.post_message(SettingsForm.Changed({"index": dict(table)}))
        from engine.index_access import IndexSettings

        self.show_effective(IndexSettings.model_validate(table))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("index-")
        check = next((fn for k, _, _, fn in FIELDS if k == key), None)
        if check is None:
            return
        event.stop()
        value = event.value.strip()
        try:
            check(value)
        except ValueError as exc:
            event.input.add_class("-invalid")
            self.query_one("#index-error", Static).update(f"✗ {exc}")
            return
        event.input.remove_class("-invalid")
        self.query_one("#index-error", Static).update("")
        self._post(key, value.split() if key == "extra_urls" else value)

    @on(Select.Changed, "#index-native_tls")
    def _tls_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._post("native_tls", {"yes": True, "no": False}.get(str(event.value)))

    @on(Select.Changed, "#index-wheels")
    def _wheels_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._post("wheels", "" if event.value == "auto" else str(event.value))
