"""A local HTTP server speaking the OpenAI Responses API, for the real openai client in tests."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# How long a "slow" reply is held at most; the test releases it earlier at teardown.
SLOW_REPLY_HOLD_S = 30.0

def response_body(text: str, *, model: str = "gpt-test", response_id: str = "resp_test_1") -> dict[str, Any]:
    """A well-formed Responses API body whose single message holds ``text`` as ``output_text``."""
    return {
        "id": response_id,
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_test_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "parallel_tool_calls": True,
        "temperature": 1.0,
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "usage": {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        },
    }


@dataclass
class Reply:
    """One scripted answer of the fake server."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    slow: bool = False
    """Hold the answer until the test releases it (exercises timeouts and cancellation)."""


@dataclass
class RecordedRequest:
    """What the server received: method, path, headers (lower-cased names), raw body and decoded JSON."""

    method: str
    path: str
    headers: dict[str, str]
    raw_body: bytes
    json: Any


class FakeResponsesServer:
    """A threaded ``http.server`` on 127.0.0.1 answering ``POST /v1/responses`` from a script of replies."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self.received = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    decoded = json.loads(raw or b"null")
                except json.JSONDecodeError:
                    decoded = None
                headers = {name.lower(): value for name, value in self.headers.items()}
                with server._lock:
                    server.requests.append(RecordedRequest("POST", self.path, headers, raw, decoded))
                    if self.path != "/v1/responses":
                        reply = Reply(404, {"error": {"message": f"unknown path {self.path}", "type": "not_found"}})
                    elif server.replies:
                        reply = server.replies.pop(0)
                    else:
                        reply = Reply(500, {"error": {"message": "no scripted reply", "type": "server_error"}})
                server.received.set()
                if reply.slow:
                    server.release.wait(SLOW_REPLY_HOLD_S)
                payload = json.dumps(reply.body if reply.body is not None else {}).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout or cancel), which is what slow replies test

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll interval keeps shutdown at teardown quick.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-responses", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def answer(self, text: str, **kwargs: Any) -> None:
        """Script a 200 reply whose output_text is ``text``."""
        self.replies.append(Reply(200, response_body(text, **kwargs)))

    def fail(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        """Script an error reply in the OpenAI error format."""
        body = {"error": {"message": message, "type": "error", "code": str(status)}}
        self.replies.append(Reply(status, body, headers or {}))

    def answer_slowly(self, text: str) -> None:
        """Script a reply held until :attr:`release` is set."""
        self.replies.append(Reply(200, response_body(text), slow=True))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
