"""A JSON-RPC node on 127.0.0.1 that replays recorded answers, for the RPC ingest tests.

Like ethereum-etl's ``MockWeb3Provider``, answers are looked up by (method, params), but over
real HTTP so batching, retries and dropped connections are exercised end to end. It can be
told to fail: HTTP 503/429, a dropped connection, a transient JSON-RPC error, or -32601 for
methods it should pretend not to have.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

FaultKind = Literal["503", "429", "drop", "transient", "invalid"]
SYNTHETIC = Path(__file__).resolve().parent / "fixtures" / "synthetic_node.json"


def answer_key(method: str, params: list[Any]) -> tuple[str, str]:
    return method, json.dumps(params, sort_keys=True)


def load_answers(path: Path) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["answers"]
    return answers


@dataclass
class Fault:
    kind: FaultKind
    times: int  # -1: forever
    method: str | None  # None: any POST / any call


class FakeNode:
    """Replays recorded answers; counts POSTs and calls; fails on request."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = {answer_key(a["method"], a["params"]): a for a in answers}
        self.methods = {a["method"] for a in answers}
        self.missing: set[str] = set()  # methods answered with -32601
        self.faults: list[Fault] = []
        self.posts: list[int] = []  # calls per POST (in order)
        self.batched: list[bool] = []  # whether each POST was a JSON array
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.node = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> FakeNode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def fail(self, kind: FaultKind, times: int = 1, method: str | None = None) -> None:
        """Fail the next ``times`` POSTs (HTTP-level kinds) or calls (JSON-RPC kinds)."""
        with self.lock:
            self.faults.append(Fault(kind, times, method))

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The recorded answer to one call (or the error a real node would give)."""
        method = str(request.get("method"))
        params = request.get("params") or []
        base: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        with self.lock:
            self.calls[method] += 1
            fault = self._take({"transient", "invalid"}, [method])
        if fault is not None and fault.kind == "transient":
            return base | {"error": {"code": -32005, "message": "limit exceeded"}}
        if fault is not None:
            return base | {"error": {"code": -32602, "message": "invalid argument 0"}}
        if method in self.missing or method not in self.methods:
            return base | {
                "error": {
                    "code": -32601,
                    "message": f"the method {method} does not exist/is not available",
                }
            }
        recorded = self.answers.get(answer_key(method, params))
        if recorded is None:
            return base | {
                "error": {"code": -32602, "message": f"fake node: nothing recorded for {params}"}
            }
        if "error" in recorded:
            return base | {"error": recorded["error"]}
        return base | {"result": recorded["result"]}

    def take_http_fault(self, methods: list[str]) -> Fault | None:
        with self.lock:
            return self._take({"503", "429", "drop"}, methods)

    def _take(self, kinds: set[str], methods: list[str]) -> Fault | None:
        for fault in self.faults:
            if (
                fault.kind in kinds
                and fault.times != 0
                and (fault.method is None or fault.method in methods)
            ):
                if fault.times > 0:
                    fault.times -= 1
                return fault
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    node: FakeNode

    def handle_error(self, request: object, client_address: object) -> None:
        """Connections the client drops on purpose are not errors here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stalls
    server: _Server

    def do_POST(self) -> None:
        node = self.server.node
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        payload = json.loads(body)
        batch = isinstance(payload, list)
        requests = payload if batch else [payload]
        with node.lock:
            node.posts.append(len(requests))
            node.batched.append(batch)
        fault = node.take_http_fault([str(r.get("method")) for r in requests])
        if fault is not None and fault.kind == "drop":
            self.close_connection = True  # no answer at all: the client sees a dropped line
            return
        if fault is not None:
            self._send(int(fault.kind), b"busy", "text/plain")
            return
        answers = [node.answer(r) for r in requests]
        data = json.dumps(answers if batch else answers[0]).encode()
        self._send(200, data, "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read counters, not logs."""
