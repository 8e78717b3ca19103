"""Stage runs and template actions of the Stages sub-tab (mixed into ``StagesPanel``).

A run is an engine Operation started on the App (``app.run_operation``), so it outlives any re-render
of this panel; its events come back here. A successful run reloads the ``lab_out.csv`` preview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.events import LogLines, OperationFailed, OperationFinished, OperationStarted
from tui.clock import clock_of
from tui.workflow.panel import RunStateChanged
from tui.workflow.results import ResultsPane

if TYPE_CHECKING:
    from tui.workflow.editor import StageEditor
    from tui.workflow.lab import StageInfo
    from tui.workflow.panel import LabPanel

    class _Base(LabPanel):
        """What the mixin uses of ``StagesPanel``, declared here so this module never imports it back."""

        operation: Any

        @property
        def editor(self) -> StageEditor: ...

        def info(self, index: int | None = None) -> StageInfo | None: ...

        def action_save(self, then: str = "") -> None: ...

        def _update_buttons(self) -> None: ...

        def confirm_diff(self, title: str, summary: str, diff: str, apply_label: str, then: Any) -> None: ...
else:
    _Base = object


class StageRunsMixin(_Base):
    """Run / Cancel, refresh from template, the one-shot converter, and the data preview."""

    def action_run(self) -> None:
        if not self.ready():
            return
        if self.running:
            self.notify("A stage or pipeline of this lab is already running", severity="warning")
            return
        info = self.info()
        if info is None or self.editor.changes():
            # The runner reads the stage from lab_stages.toml, so unsaved edits are saved first.
            self.action_save(then="run")
            return
        self.start_run(info.index)

    def start_run(self, index: int) -> None:
        assert self.lab is not None
        op = self.lab.run_stage(index)
        self.operation = op
        results = self.query_one(ResultsPane)
        results.log.clear(title=f"Stage {index + 1} output · starting")
        results.current = "stage-log"
        self._update_buttons()
        self.post_message(RunStateChanged(op))
        self.app.run_operation(op, self)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        if self.operation is None:
            return
        self.query_one(ResultsPane).set_status("cancelling…")
        self.app.cancel_operation(self.operation)  # type: ignore[attr-defined]

    def handle_event(self, operation: Any, event: Any) -> None:
        results = self.query_one(ResultsPane)
        if isinstance(event, OperationStarted):
            results.set_status("running")
        elif isinstance(event, LogLines):
            prefix = "! " if event.source == "stderr" else ""
            results.log.write_lines(prefix + self.redact(line) for line in event.lines)
        elif isinstance(event, OperationFinished | OperationFailed):
            self.operation = None
            self._update_buttons()
            self.post_message(RunStateChanged(None))
            stage = operation.detail.rsplit(" ", 1)[-1]
            label = f"Stage {int(stage) + 1}" if stage.isdigit() else "Stage"
            seconds = f" in {clock_of(self).measured(event.seconds):.1f}s"
            if isinstance(event, OperationFinished):
                produced = (event.result.get("stages") or [{}])[0].get("produced_dataframe")
                results.set_status(f"finished{seconds}" + ("" if produced else " · no new dataframe"), ok=True)
                # A stage that wrote no dataframe keeps its output in view: that output is the result.
                self.call("preview", self.lab.preview, switch=bool(produced))  # type: ignore[union-attr]
            elif event.cancelled:
                results.set_status("cancelled", ok=False)
                results.log.write_lines(["— cancelled: the stage's processes were stopped —"])
            else:
                results.set_status(f"failed: {self.redact(event.error)}", ok=False)
                self.notify(self.redact(event.error), title=f"{label} failed", severity="error", timeout=8)

    # --- templates ------------------------------------------------------------------------------------
    def action_refresh_template(self) -> None:
        if not self.ready():
            return
        info = self.info()
        if info is None or not info.template:
            self.notify("Only template stages can be refreshed; this one is custom Python", severity="warning")
            return
        self.call("refresh_preview", self.lab.refresh_preview, info.index, index=info.index)  # type: ignore[union-attr]

    def action_convert(self) -> None:
        if self.ready():
            self.call("convert_preview", self.lab.convert_preview)  # type: ignore[union-attr]

    def handle_result(self, tag: str, value: Any, context: dict[str, Any]) -> None:
        lab = self.lab
        assert lab is not None
        if tag == "preview":
            results = self.query_one(ResultsPane)
            results.preview.show(value)
            if context.get("switch"):
                results.current = "preview"
        elif tag == "refresh_preview":
            index = context["index"]
            if not value.changed:
                self.notify(f"Stage {index + 1} is already current with its template")
                return
            summary = (f"Stage {index + 1}: re-render from the current template version.\n"
                       "Nothing is written until you apply.")
            self.confirm_diff("Refresh from template", summary, value.diff, "Apply refresh",
                              lambda: self.call("refresh_apply", lab.apply_refresh, index, value, index=index))
        elif tag == "refresh_apply":
            self.lab_written(value)
            self.notify(f"Stage {context['index'] + 1} refreshed from its template")
        elif tag == "convert_preview":
            if not value:
                self.notify("Nothing to convert: no stage is a recognised generated snippet")
                return
            lines = [f"  stage {p.index + 1}: {p.before.get('D') or '(no description)'} → {p.after['template_id']}"
                     for p in value]
            summary = (f"{len(value)} stage(s) would become template stages; every other stage stays as it is:\n"
                       + "\n".join(lines))
            diff = "\n".join(p.diff for p in value)
            self.confirm_diff("Convert generated snippets", summary, diff, "Convert",
                              lambda: self.call("convert_apply", lab.convert_apply, value, count=len(value)))
        elif tag == "convert_apply":
            self.lab_written(value)
            self.notify(f"Converted {context['count']} stage(s) to templates")
