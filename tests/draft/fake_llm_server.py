"""A real HTTP server on 127.0.0.1 that behaves like an LLM provider, for the runner's tests and benchmark.

It speaks OpenAI `POST /v1/chat/completions` and Gemini `POST .../models/{model}:generateContent`
(Gemini API and Vertex AI paths), checks the structured-output schema the way each provider
does (400 when it would be rejected), enforces a requests-per-window limit (429 with Retry-After
beyond it), records every request with its arrival time, and answers each request as scripted
per medicine: `server.script("Aspirin 75mg", ["rate_limit", "valid"])`.

Behaviours: valid, rate_limit (429, Retry-After seconds), rate_limit_date (Retry-After as an HTTP
date), error (500), slow (longer than the client's timeout, then valid), drop (connection closed
without an answer), truncated (cut-off JSON, finish reason length), broken_json (cut-off JSON,
finish reason stop), invalid (JSON that breaks the schema), refusal, safety, empty, loop,
unauthorized (401).

Run alone for the benchmark: `python fake_llm_server.py --rpm 1200 --latency-median 0.2`
prints `PORT <n>`; `GET /stats` returns the counters as JSON.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_MEDICINE = re.compile(r"^Medicine: (.+)$", re.MULTILINE)
_GEMINI_PATH = re.compile(r"/models/([^/:]+):generateContent$")


def valid_page(title: str) -> dict[str, Any]:
    name = title.split()[0]
    return {
        "generic_name": name,
        "usage": {"lead": f"{name} is used to treat pain and fever.",
                  "items": [{"label": "Pain", "text": "It eases mild to moderate pain."}], "closing": ""},
        "side_effects": {"lead": "Some people get side effects:",
                         "items": [{"name": "Nausea", "explanation": "Feeling sick."},
                                   {"name": "Headache", "explanation": ""}], "closing": ""},
        "important_note": {"lead": "Do not take more than the label says.", "items": [], "closing": ""},
        "how_it_works": {"lead": f"{name} blocks signals that cause pain.", "items": [], "closing": ""},
        "faqs": {"lead": "", "items": [{"question": f"Can I drink alcohol with {name}?",
                                        "answer": "Ask your pharmacist."}]},
        "dosage": None, "precautions": None,
        "safety_advice": [{"topic": "alcohol", "verdict": "Consult your doctor", "advice": "Alcohol may add to side effects."}],
        "missed_dose": None, "overdose": None, "storage": None, "interactions": None, "serious_side_effects": None,
    }


# --------------------------------------------------------------------------- schema acceptance

_OPENAI_KEYS = {"type", "description", "properties", "required", "items", "enum", "anyOf", "additionalProperties"}
_GEMINI_KEYS = {"type", "format", "description", "nullable", "enum", "properties", "required", "items",
                "propertyOrdering", "minItems", "maxItems", "anyOf"}
_GEMINI_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT"}


def openai_strict_problems(schema: Any, path: str = "$", root: bool = True) -> list[str]:
    """What OpenAI's strict structured output would reject in `schema`."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return [f"{path}: not an object"]
    extra = set(schema) - _OPENAI_KEYS
    if extra:
        problems.append(f"{path}: unsupported keywords {sorted(extra)}")
    if root and schema.get("type") != "object":
        problems.append(f"{path}: the root must be an object, not anyOf")
    if "anyOf" in schema:
        for i, option in enumerate(schema["anyOf"]):
            problems += openai_strict_problems(option, f"{path}.anyOf[{i}]", False)
        return problems
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path}: additionalProperties must be false")
        if set(schema.get("required", [])) != set(properties):
            problems.append(f"{path}: every property must be required")
        for key, value in properties.items():
            problems += openai_strict_problems(value, f"{path}.{key}", False)
    elif kind == "array":
        problems += openai_strict_problems(schema.get("items"), f"{path}[]", False)
    elif kind not in {"string", "number", "integer", "boolean", "null"}:
        problems.append(f"{path}: unknown type {kind!r}")
    return problems


def gemini_schema_problems(schema: Any, path: str = "$") -> list[str]:
    """What Gemini's responseSchema (an OpenAPI 3.0 subset) would reject in `schema`."""
    if not isinstance(schema, dict):
        return [f"{path}: not an object"]
    problems = []
    extra = set(schema) - _GEMINI_KEYS
    if extra:
        problems.append(f"{path}: Unknown name {sorted(extra)}")
    if schema.get("type") not in _GEMINI_TYPES:
        problems.append(f"{path}: invalid type {schema.get('type')!r}")
    if "enum" in schema and schema.get("type") != "STRING":
        problems.append(f"{path}: enum only for STRING")
    for key, value in (schema.get("properties") or {}).items():
        problems += gemini_schema_problems(value, f"{path}.{key}")
    if schema.get("type") == "ARRAY":
        problems += gemini_schema_problems(schema.get("items"), f"{path}[]")
    return problems


# --------------------------------------------------------------------------- the server


@dataclass
class Recorded:
    at: float
    api: str  # openai | gemini
    medicine: str
    behaviour: str
    status: int
    body: dict[str, Any] = field(repr=False, default_factory=dict)


class FakeLLM:
    """The server's state: scripts, the rate window, the record of requests. Thread-safe."""

    def __init__(self, *, limit: int | None = None, window: float = 60.0, retry_after: float = 1.0,
                 latency_median: float = 0.0, latency_sigma: float = 0.5, slow_seconds: float = 2.0,
                 keep_bodies: bool = True):
        self.limit = limit
        self.window = window
        self.retry_after = retry_after
        self.latency_median = latency_median
        self.latency_sigma = latency_sigma
        self.slow_seconds = slow_seconds
        self.keep_bodies = keep_bodies
        self.scripts: dict[str, collections.deque[str]] = {}
        self.requests: list[Recorded] = []
        self.arrivals: list[float] = []
        self.accepted: collections.deque[float] = collections.deque()
        self.rate_limited = 0
        self.lock = threading.Lock()

    def script(self, medicine: str, behaviours: list[str]) -> None:
        with self.lock:
            self.scripts[medicine] = collections.deque(behaviours)

    def next_behaviour(self, medicine: str, now: float) -> str:
        with self.lock:
            self.arrivals.append(now)
            if self.limit is not None:
                while self.accepted and self.accepted[0] <= now - self.window:
                    self.accepted.popleft()
                if len(self.accepted) >= self.limit:
                    self.rate_limited += 1
                    return "over_limit"
                self.accepted.append(now)
            queue = self.scripts.get(medicine)
            return queue.popleft() if queue else "valid"

    def record(self, entry: Recorded) -> None:
        with self.lock:
            self.requests.append(entry)

    def max_in_window(self, window: float | None = None) -> int:
        """The most requests that arrived within any `window` seconds (half-open)."""
        window = window or self.window
        times = sorted(self.arrivals)
        best, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def count(self, medicine: str | None = None) -> int:
        return sum(1 for r in self.requests if medicine is None or r.medicine == medicine)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {"requests": len(self.arrivals), "rate_limited": self.rate_limited}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path == "/stats":
            state = self.server.state
            stats = state.stats() | {"max_in_window": state.max_in_window()}
            self._send(200, stats)
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        now = time.monotonic()
        state = self.server.state
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(400, {"error": {"message": "body is not JSON"}})
        path = self.path.split("?", 1)[0]
        if path.endswith("/chat/completions"):
            api = "openai"
            first_user = next((m["content"] for m in body.get("messages", []) if m.get("role") == "user"), "")
        elif _GEMINI_PATH.search(path):
            api = "gemini"
            contents = body.get("contents") or [{}]
            first_user = "".join(p.get("text", "") for p in contents[0].get("parts", []))
        else:
            return self._send(404, {"error": {"message": f"no such endpoint {path}"}})
        found = _MEDICINE.search(first_user)
        medicine = found.group(1).strip() if found else "?"
        behaviour = state.next_behaviour(medicine, now)
        entry = Recorded(now, api, medicine, behaviour, 0, body if state.keep_bodies else {})
        state.record(entry)  # on arrival: a request the client gave up on still counts
        entry.status = self._answer(api, body, medicine, behaviour, state)

    # ------------------------------------------------------------------ answers

    def _answer(self, api: str, body: dict[str, Any], medicine: str, behaviour: str, state: FakeLLM) -> int:
        problems = self._schema_problems(api, body)
        if problems:
            self._send(400, {"error": {"message": "Invalid schema: " + "; ".join(problems[:5])}})
            return 400
        if behaviour == "over_limit":
            retry = max(0.05, state.accepted[0] + state.window - time.monotonic()) if state.accepted else state.retry_after
            self._send(429, {"error": {"message": "Rate limit reached for requests"}},
                       {"Retry-After": str(math.ceil(retry)), "Retry-After-Ms": str(math.ceil(retry * 1000))})
            return 429
        if state.latency_median:
            time.sleep(random.lognormvariate(math.log(state.latency_median), state.latency_sigma))
        if behaviour == "rate_limit":
            self._send(429, {"error": {"message": "Rate limit reached"}}, {"Retry-After": f"{state.retry_after:g}"})
            return 429
        if behaviour == "rate_limit_date":
            self._send(429, {"error": {"message": "Rate limit reached"}},
                       {"Retry-After": formatdate(time.time() + 2, usegmt=True)})
            return 429
        if behaviour == "unauthorized":
            self._send(401, {"error": {"message": "Incorrect API key provided"}})
            return 401
        if behaviour == "error":
            self._send(500, {"error": {"message": "The server had an error while processing your request"}})
            return 500
        if behaviour == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return 0
        if behaviour == "slow":
            time.sleep(state.slow_seconds)
            behaviour = "valid"
        page_text = json.dumps(valid_page(medicine))
        text, finish = page_text, "stop"
        if behaviour == "truncated":
            text, finish = page_text[: len(page_text) // 2], "length"
        elif behaviour == "broken_json":
            text = page_text[: len(page_text) // 2]
        elif behaviour == "invalid":
            broken = valid_page(medicine)
            del broken["side_effects"]
            broken["faqs"] = "none"
            text = json.dumps(broken)
        elif behaviour == "empty":
            text = ""
        elif behaviour == "loop":
            page = valid_page(medicine)
            page["how_it_works"]["lead"] = " ".join(["It works by blocking the signals that cause pain."] * 40)
            text = json.dumps(page)
        if api == "openai":
            return self._openai(body, text, finish, behaviour)
        return self._gemini(body, text, finish, behaviour)

    def _schema_problems(self, api: str, body: dict[str, Any]) -> list[str]:
        if api == "openai":
            response_format = body.get("response_format") or {}
            if response_format.get("type") != "json_schema":
                return []
            spec = response_format.get("json_schema") or {}
            if spec.get("strict") is not True:
                return []
            return openai_strict_problems(spec.get("schema"))
        config = body.get("generationConfig") or {}
        if "responseSchema" not in config:
            return []
        problems = gemini_schema_problems(config["responseSchema"])
        if config.get("responseMimeType") != "application/json":
            problems.append("responseSchema needs responseMimeType application/json")
        return problems

    def _usage(self, body: dict[str, Any], text: str) -> tuple[int, int]:
        return len(json.dumps(body)) // 4, max(1, len(text) // 4) if text else 0

    def _openai(self, body: dict[str, Any], text: str, finish: str, behaviour: str) -> int:
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if behaviour == "refusal":
            message = {"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help with that request."}
        elif behaviour == "safety":
            message, finish = {"role": "assistant", "content": ""}, "content_filter"
        prompt_tokens, completion_tokens = self._usage(body, text)
        self._send(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
        })
        return 200

    def _gemini(self, body: dict[str, Any], text: str, finish: str, behaviour: str) -> int:
        prompt_tokens, completion_tokens = self._usage(body, text)
        usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": completion_tokens,
                 "totalTokenCount": prompt_tokens + completion_tokens}
        if behaviour == "safety":
            self._send(200, {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage})
            return 200
        if behaviour == "refusal":
            self._send(200, {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]},
                                             "finishReason": "PROHIBITED_CONTENT"}], "usageMetadata": usage})
            return 200
        self._send(200, {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                            "finishReason": "MAX_TOKENS" if finish == "length" else "STOP"}],
            "usageMetadata": usage, "modelVersion": "fake",
        })
        return 200

    def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, state: FakeLLM):
        self.state = state
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address) -> None:  # a client that timed out and left
        pass


class FakeLLMServer:
    """`with FakeLLMServer(limit=10, window=1.0) as server:` - `server.url` is the base URL."""

    def __init__(self, **options):
        self.state = FakeLLM(**options)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __getattr__(self, name: str):
        return getattr(self.state, name)

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpm", type=int, default=1200, help="requests per minute before 429s")
    parser.add_argument("--latency-median", type=float, default=0.2, help="seconds (lognormal)")
    parser.add_argument("--latency-sigma", type=float, default=0.5)
    args = parser.parse_args(argv)
    server = FakeLLMServer(limit=args.rpm, window=60.0, latency_median=args.latency_median,
                           latency_sigma=args.latency_sigma, keep_bodies=False)
    server.start()
    print(f"PORT {server.port}", flush=True)
    try:
        for _ in sys.stdin:  # runs until its parent closes stdin
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
