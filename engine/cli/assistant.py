"""``assistant``: the WORKFLOW assistant headless.

``build`` takes a Safe Actions contract (JSON, e.g. written by hand or by another tool), validates it against
the app's current dataframe, and appends it as a stage; ``ask`` sends a request to the Responses API and
prints (``--save``: appends) the validated answer. Neither ever runs generated code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .output import add_json_flag, answer


def _frame(engine: Any, app: str) -> Any:
    from ..assistant.workbench import load_current_frame

    frame = load_current_frame(engine, app)
    if frame.error:
        from ..errors import AgilabError

        raise AgilabError(f"the current dataframe is unreadable: {frame.error}")
    return frame


def _read_contract(source: str) -> str:
    from ..errors import AgilabError

    if source == "-":
        return sys.stdin.read()
    path = Path(source).expanduser()
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgilabError(f"{path}: cannot read the contract: {exc}") from exc


def _stage_payload(saved: Any) -> dict[str, Any] | None:
    return None if saved is None else {"path": str(saved.path), "index": saved.index, "count": saved.count}


def cmd_build(options: argparse.Namespace) -> int:
    from ..assistant import parse_contract_text, render_pandas_code, validate_contract
    from ..assistant.workbench import save_contract_stage
    from ..facade import Engine

    engine = Engine()
    frame = _frame(engine, options.app)
    contract = validate_contract(parse_contract_text(_read_contract(options.contract)), frame.schema).payload()
    code = render_pandas_code(contract)
    saved = None if options.dry_run else save_contract_stage(engine, options.app, contract, frame.schema,
                                                             options.question or "", "")
    payload = {"ok": True, "contract": contract, "code": code, "dataframe": str(frame.path) if frame.path else None,
               "checked_columns": frame.schema is not None, "stage": _stage_payload(saved)}

    def lines() -> list[str]:
        out = [code.rstrip(), ""]
        if frame.schema is None:
            out.append("note: no dataframe yet, so column names were not checked")
        out.append(f"saved as stage {saved.index + 1} of {saved.count} in {saved.path}" if saved
                   else "dry run: nothing saved")
        return out

    return answer(options.json, payload, lines)


def cmd_ask(options: argparse.Namespace) -> int:
    import asyncio

    from ..assistant import AssistantSettings, ask_python_snippet, ask_safe_actions
    from ..assistant.workbench import save_contract_stage, save_snippet_stage
    from ..facade import Engine

    engine = Engine()
    frame = _frame(engine, options.app)
    state = engine.workspace.read_state()
    settings = AssistantSettings(**{k: v for k, v in (
        ("model", options.model or state.get("assistant_model")),
        ("base_url", options.base_url or state.get("assistant_base_url")),
        ("timeout_s", options.timeout)) if v})
    ask = ask_python_snippet if options.mode == "python_snippet" else ask_safe_actions
    result = asyncio.run(ask(settings, options.question, frame.schema, workspace=engine.workspace))
    saved = None
    if options.save:
        saved = (save_contract_stage(engine, options.app, result.contract, frame.schema, result.question, result.model)
                 if result.contract is not None else save_snippet_stage(engine, options.app, result))
    payload = {"ok": True, "mode": result.mode, "model": result.model, "question": result.question,
               "contract": result.contract, "code": result.code, "notes": result.notes,
               "response_id": result.response_id, "stage": _stage_payload(saved)}

    def lines() -> list[str]:
        out = [result.code.rstrip(), ""]
        if result.mode == "python_snippet":
            out.append("python snippet: review it before running; it was not executed")
        out.append(f"saved as stage {saved.index + 1} of {saved.count} in {saved.path}" if saved
                   else "not saved (add --save to append it as a stage)")
        return out

    return answer(options.json, payload, lines)


def register(subparsers: Any) -> None:
    """Add ``assistant`` to the CLI."""
    assistant = subparsers.add_parser("assistant", help="Safe Actions: build a stage from a contract, or ask the model")
    verbs = assistant.add_subparsers(dest="verb", metavar="VERB", required=True)
    build = verbs.add_parser("build", help="validate a Safe Actions contract and append it as a WORKFLOW stage")
    build.add_argument("app")
    build.add_argument("--contract", required=True, help="contract JSON file, or - for standard input")
    build.add_argument("--question", help="the request the contract answers (kept with the stage)")
    build.add_argument("--dry-run", action="store_true", help="validate and render only; save nothing")
    build.set_defaults(handler=cmd_build)
    ask = verbs.add_parser("ask", help="ask the Responses API for a contract (or a snippet) for the current dataframe")
    ask.add_argument("app")
    ask.add_argument("question")
    ask.add_argument("--mode", choices=("safe_actions", "python_snippet"), default="safe_actions")
    ask.add_argument("--model", help="model name (default: $OPENAI_MODEL or the workspace's last choice)")
    ask.add_argument("--base-url", help="Responses API base URL (default: $OPENAI_BASE_URL)")
    ask.add_argument("--timeout", type=float, help="seconds before the request is abandoned")
    ask.add_argument("--save", action="store_true", help="append the answer as a stage")
    ask.set_defaults(handler=cmd_ask)
    for sub in (build, ask):
        add_json_flag(sub)
