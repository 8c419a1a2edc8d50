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

Batch APIs, both flows: OpenAI `POST /v1/files` (multipart), `POST /v1/batches`, `GET /v1/batches[/{id}]`,
`GET /v1/files/{id}/content`; Gemini `POST /v1beta/models/{model}:batchGenerateContent`,
`GET /v1beta/batches[/{id}]`. Each line is answered with the medicine's next scripted behaviour,
plus `error_line` (an error for that line: OpenAI's error file, Gemini's inline `error`) and
`missing` (no line at all). `server.script_batch(["running", "running", "completed"], extra=["unknown",
"malformed", "duplicate"])` scripts the next batch created: one state per poll (the last stays;
pending, running, finalizing, completed, failed, expired, cancelled) and hostile lines added to its output.
`server.create_failures.append("after")` answers the next batch creation 502 after creating it (the
answer lost), `"before"` 503 without creating it.

The limit counts over a sliding window of `window` seconds, or a fixed one (`fixed_window=True`);
`rate_headers=True` adds OpenAI's `x-ratelimit-{limit,remaining,reset}-requests` to every answer,
and `retry_after_header=False` makes the 429s over the limit bare (no Retry-After).

Run alone for the benchmark: `python fake_llm_server.py --rpm 1200 --latency-median 0.2` (and
`--window`, `--fixed-window`, `--rate-headers`, `--no-retry-after`) prints `PORT <n>`; `GET /stats`
returns the counters as JSON.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
import random
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
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


def answer_text(medicine: str, behaviour: str) -> tuple[str, str]:
    """The text a model answers with for `behaviour`, and its finish reason (`stop` or `length`)."""
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
    return text, finish


def _usage(body: dict[str, Any], text: str) -> tuple[int, int]:
    return len(json.dumps(body)) // 4, max(1, len(text) // 4) if text else 0


def openai_completion(body: dict[str, Any], text: str, finish: str, behaviour: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if behaviour == "refusal":
        message = {"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help with that request."}
    elif behaviour == "safety":
        message, finish = {"role": "assistant", "content": ""}, "content_filter"
    prompt_tokens, completion_tokens = _usage(body, text)
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "model": body.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def gemini_generation(body: dict[str, Any], text: str, finish: str, behaviour: str) -> dict[str, Any]:
    prompt_tokens, completion_tokens = _usage(body, text)
    usage = {"promptTokenCount": prompt_tokens, "candidatesTokenCount": completion_tokens,
             "totalTokenCount": prompt_tokens + completion_tokens}
    if behaviour == "safety":
        return {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": usage}
    if behaviour == "refusal":
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]},
                                "finishReason": "PROHIBITED_CONTENT"}], "usageMetadata": usage}
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                        "finishReason": "MAX_TOKENS" if finish == "length" else "STOP"}],
        "usageMetadata": usage, "modelVersion": "fake",
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


def go_duration(seconds: float) -> str:
    """A duration as OpenAI writes it: `20ms`, `1.5s`, `6m0s`."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:.3g}s" if minutes else f"{rest:.3f}".rstrip("0").rstrip(".") + "s"


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
                 keep_bodies: bool = True, fixed_window: bool = False, rate_headers: bool = False,
                 retry_after_header: bool = True):
        self.limit = limit
        self.window = window
        self.fixed_window = fixed_window  # count per window of `window` seconds from the start, not sliding
        self.rate_headers = rate_headers  # send x-ratelimit-{limit,remaining,reset}-requests on every answer
        self.retry_after_header = retry_after_header  # False: a bare 429 over the limit, nothing said
        self.started = time.monotonic()
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
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, FakeBatch] = {}
        self.batch_scripts: collections.deque[tuple[list[str], list[str]]] = collections.deque()
        self.batch_polls = 0
        self.ids = itertools.count(1)
        self.create_failures: collections.deque[str] = collections.deque()  # "before" | "after" (answer lost)

    def script_batch(self, states: list[str], extra: list[str] | None = None) -> None:
        """The next batch created goes through `states`, one per poll (the last stays), and its output gets
        the hostile lines in `extra` (unknown, malformed, duplicate)."""
        with self.lock:
            self.batch_scripts.append((list(states), list(extra or [])))

    def new_batch(self, api: str, lines: list[tuple[str, str, dict[str, Any]]], *, label: str,
                  input_file_id: str | None = None, problems: list[str] | None = None) -> FakeBatch:
        with self.lock:
            states, extra = self.batch_scripts.popleft() if self.batch_scripts else (["running", "completed"], [])
            prefix = "batch_" if api == "openai" else "batches/"
            batch = FakeBatch(id=f"{prefix}fake{next(self.ids)}", api=api, label=label, lines=lines,
                              states=collections.deque(["failed"] if problems else states), extra=extra,
                              problems=problems or [], input_file_id=input_file_id)
            self.batches[batch.id] = batch
            return batch

    def poll(self, batch: FakeBatch) -> str:
        """The batch's state at this poll; when it first reaches a final state, its answers are made."""
        with self.lock:
            self.batch_polls += 1
            if len(batch.states) > 1:
                batch.state = batch.states.popleft()
            else:
                batch.state = batch.states[0]
            finished = batch.state in ("completed", "failed", "expired", "cancelled")
        if finished and batch.results is None:
            batch.results = []
            if batch.state == "completed":
                for key, medicine, body in batch.lines:
                    behaviour = self.next_behaviour(medicine, time.monotonic())
                    self.record(Recorded(time.monotonic(), f"{batch.api}-batch", medicine, behaviour, 200,
                                         body if self.keep_bodies else {}))
                    batch.results.append((key, medicine, behaviour, body))
        return batch.state

    def script(self, medicine: str, behaviours: list[str]) -> None:
        with self.lock:
            self.scripts[medicine] = collections.deque(behaviours)

    def next_behaviour(self, medicine: str, now: float) -> str:
        with self.lock:
            self.arrivals.append(now)
            if self.limit is not None:
                self._forget(now)
                if len(self.accepted) >= self.limit:
                    self.rate_limited += 1
                    return "over_limit"
                self.accepted.append(now)
            queue = self.scripts.get(medicine)
            return queue.popleft() if queue else "valid"

    def _forget(self, now: float) -> None:
        """Drop the accepted requests that no longer count: older than the window, or of a past fixed window."""
        start = (self.window_start(now) - 1e-9) if self.fixed_window else now - self.window
        while self.accepted and self.accepted[0] <= start:
            self.accepted.popleft()

    def window_start(self, now: float) -> float:
        return self.started + math.floor((now - self.started) / self.window) * self.window

    def limit_state(self, now: float) -> tuple[int, float, float]:
        """Requests left, seconds until the count is whole again, seconds until one more is allowed."""
        with self.lock:
            self._forget(now)
            left = max(0, (self.limit or 0) - len(self.accepted))
            if self.fixed_window:
                reset = self.window_start(now) + self.window - now
                return left, reset, reset if left == 0 else 0.0
            if not self.accepted:
                return left, 0.0, 0.0
            return left, self.accepted[-1] + self.window - now, self.accepted[0] + self.window - now if left == 0 else 0.0

    def limit_headers(self, now: float) -> dict[str, str]:
        """OpenAI's x-ratelimit-*-requests headers, when the server sends them."""
        if not (self.rate_headers and self.limit):
            return {}
        left, reset, _ = self.limit_state(now)
        return {"x-ratelimit-limit-requests": str(self.limit), "x-ratelimit-remaining-requests": str(left),
                "x-ratelimit-reset-requests": go_duration(reset)}

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


_OPENAI_BATCH_STATES = {"pending": "validating", "running": "in_progress", "finalizing": "finalizing",
                        "completed": "completed", "failed": "failed", "expired": "expired", "cancelled": "cancelled"}
_GEMINI_BATCH_STATES = {"pending": "BATCH_STATE_PENDING", "running": "BATCH_STATE_RUNNING",
                        "finalizing": "BATCH_STATE_RUNNING", "completed": "BATCH_STATE_SUCCEEDED",
                        "failed": "BATCH_STATE_FAILED", "expired": "BATCH_STATE_EXPIRED",
                        "cancelled": "BATCH_STATE_CANCELLED"}


@dataclass
class FakeBatch:
    id: str
    api: str  # openai | gemini
    label: str
    lines: list[tuple[str, str, dict[str, Any]]]  # key, medicine, request body
    states: collections.deque[str]
    extra: list[str]
    problems: list[str]
    input_file_id: str | None = None
    state: str = "pending"
    results: list[tuple[str, str, str, dict[str, Any]]] | None = None  # key, medicine, behaviour, body
    created: float = field(default_factory=time.time)
    files: dict[str, str] | None = None  # output_file_id, error_file_id once made


def _medicine_of(api: str, body: dict[str, Any]) -> str:
    if api == "openai":
        first_user = next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"), "")
    else:
        contents = body.get("contents") or [{}]
        first_user = "".join(p.get("text", "") for p in contents[0].get("parts", []))
    found = _MEDICINE.search(first_user)
    return found.group(1).strip() if found else "?"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if self.path == "/stats":
            state = self.server.state
            stats = state.stats() | {"max_in_window": state.max_in_window()}
            self._send(200, stats)
        elif path.startswith(("/v1/batches", "/v1/files/", "/v1beta/batches")):
            self._batch_get(path)
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        now = time.monotonic()
        state = self.server.state
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        if path == "/v1/files":
            return self._upload(raw)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return self._send(400, {"error": {"message": "body is not JSON"}})
        if path == "/v1/batches" or path.endswith(":batchGenerateContent"):
            failure = state.create_failures.popleft() if state.create_failures else None
            if failure == "before":
                return self._send(503, {"error": {"message": "The service is overloaded (scripted)"}})
            created = self._openai_create if path == "/v1/batches" else self._gemini_create
            return created(body, lost=failure == "after")
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
        limit_headers = state.limit_headers(time.monotonic())
        if behaviour == "over_limit":
            headers = dict(limit_headers)
            if state.retry_after_header:
                _, _, retry = state.limit_state(time.monotonic())
                retry = max(0.05, retry)
                headers |= {"Retry-After": str(math.ceil(retry)), "Retry-After-Ms": str(math.ceil(retry * 1000))}
            self._send(429, {"error": {"message": "Rate limit reached for requests"}}, headers)
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
        text, finish = answer_text(medicine, behaviour)
        if api == "openai":
            return self._openai(body, text, finish, behaviour, limit_headers)
        return self._gemini(body, text, finish, behaviour, limit_headers)

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

    def _openai(self, body: dict[str, Any], text: str, finish: str, behaviour: str,
                headers: dict[str, str] | None = None) -> int:
        self._send(200, openai_completion(body, text, finish, behaviour), headers)
        return 200

    def _gemini(self, body: dict[str, Any], text: str, finish: str, behaviour: str,
                headers: dict[str, str] | None = None) -> int:
        self._send(200, gemini_generation(body, text, finish, behaviour), headers)
        return 200

    # ------------------------------------------------------------------ batch APIs

    def _upload(self, raw: bytes) -> None:
        state = self.server.state
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + (self.headers.get("content-type") or "").encode() + b"\r\n\r\n" + raw)
        fields = {}
        if message.is_multipart():
            for part in message.iter_parts():
                fields[part.get_param("name", header="content-disposition")] = part.get_payload(decode=True)
        if fields.get("purpose") != b"batch" or "file" not in fields:
            return self._send(400, {"error": {"message": "a multipart form with purpose=batch and a file is needed"}})
        file_id = f"file-fake{next(state.ids)}"
        with state.lock:
            state.files[file_id] = fields["file"]
        self._send(200, {"id": file_id, "object": "file", "purpose": "batch", "bytes": len(fields["file"])})

    def _openai_create(self, body: dict[str, Any], *, lost: bool = False) -> None:
        state = self.server.state
        content = state.files.get(body.get("input_file_id") or "")
        if content is None:
            return self._send(404, {"error": {"message": f"No such File object: {body.get('input_file_id')}"}})
        if body.get("endpoint") != "/v1/chat/completions" or body.get("completion_window") != "24h":
            return self._send(400, {"error": {"message": "endpoint must be /v1/chat/completions, window 24h"}})
        lines, problems, seen = [], [], set()
        for number, line in enumerate(content.decode("utf-8").splitlines(), 1):
            try:
                entry = json.loads(line)
            except ValueError:
                problems.append(f"line {number}: not JSON")
                continue
            key = entry.get("custom_id")
            if key in seen:
                problems.append(f"line {number}: duplicate custom_id {key}")
            seen.add(key)
            if entry.get("method") != "POST" or entry.get("url") != "/v1/chat/completions":
                problems.append(f"line {number}: method/url must be POST /v1/chat/completions")
            problems += [f"line {number}: {p}" for p in self._schema_problems("openai", entry.get("body") or {})]
            lines.append((key, _medicine_of("openai", entry.get("body") or {}), entry.get("body") or {}))
        label = (body.get("metadata") or {}).get("medpages_label", "")
        batch = state.new_batch("openai", lines, label=label, input_file_id=body["input_file_id"], problems=problems)
        if lost:
            return self._send(502, {"error": {"message": "Bad gateway (scripted: the batch was created)"}})
        self._send(200, self._openai_batch(batch))

    def _gemini_create(self, body: dict[str, Any], *, lost: bool = False) -> None:
        state = self.server.state
        spec = body.get("batch") or {}
        requests = ((spec.get("input_config") or {}).get("requests") or {}).get("requests")
        if not spec.get("display_name") or not isinstance(requests, list):
            return self._send(400, {"error": {"message": "batch.display_name and input_config.requests needed"}})
        lines, problems = [], []
        for number, item in enumerate(requests, 1):
            request = item.get("request") or {}
            problems += [f"request {number}: {p}" for p in self._schema_problems("gemini", request)]
            lines.append(((item.get("metadata") or {}).get("key"), _medicine_of("gemini", request), request))
        if problems:  # Gemini rejects a bad inline batch at once
            return self._send(400, {"error": {"message": "; ".join(problems[:5])}})
        batch = state.new_batch("gemini", lines, label=spec["display_name"])
        if lost:
            return self._send(502, {"error": {"message": "Bad gateway (scripted: the batch was created)"}})
        self._send(200, self._gemini_operation(batch))

    def _batch_get(self, path: str) -> None:
        state = self.server.state
        if path == "/v1/batches":
            data = [self._openai_batch(b) for b in reversed(state.batches.values()) if b.api == "openai"]
            return self._send(200, {"object": "list", "data": data, "has_more": False})
        if path == "/v1beta/batches":
            ops = [self._gemini_operation(b) for b in reversed(state.batches.values()) if b.api == "gemini"]
            return self._send(200, {"operations": ops})
        if path.startswith("/v1/files/") and path.endswith("/content"):
            content = state.files.get(path.removeprefix("/v1/files/").removesuffix("/content"))
            if content is None:
                return self._send(404, {"error": {"message": "No such File object"}})
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        batch_id = path.removeprefix("/v1/batches/") if path.startswith("/v1/batches/") else path.removeprefix("/v1beta/")
        batch = state.batches.get(batch_id)
        if batch is None:
            return self._send(404, {"error": {"message": f"No batch {batch_id}"}})
        state.poll(batch)
        if batch.api == "openai":
            return self._send(200, self._openai_batch(batch))
        self._send(200, self._gemini_operation(batch))

    def _openai_batch(self, batch: FakeBatch) -> dict[str, Any]:
        state = self.server.state
        outcome: dict[str, Any] = {"output_file_id": None, "error_file_id": None}
        completed = failed = 0
        if batch.results is not None and batch.state == "completed":
            if batch.files is None:
                output, errors = [], []
                for key, medicine, behaviour, body in batch.results:
                    if behaviour == "missing":
                        continue
                    line_id = f"batch_req_{next(state.ids)}"
                    if behaviour in ("error_line", "error", "rate_limit", "unauthorized"):
                        errors.append({"id": line_id, "custom_id": key, "response": {
                            "status_code": 500, "request_id": line_id,
                            "body": {"error": {"message": "The server had an error processing this request",
                                               "type": "server_error"}}}, "error": None})
                        continue
                    text, finish = answer_text(medicine, behaviour)
                    output.append({"id": line_id, "custom_id": key, "response": {
                        "status_code": 200, "request_id": line_id,
                        "body": openai_completion(body, text, finish, behaviour)}, "error": None})
                lines = [json.dumps(line) for line in output]
                if "unknown" in batch.extra:
                    text, finish = answer_text("Unknown 1mg", "valid")
                    lines.append(json.dumps({"id": "batch_req_x", "custom_id": "nobody-asked-000000000000",
                                             "response": {"status_code": 200, "body": openai_completion(
                                                 {}, text, finish, "valid")}, "error": None}))
                if "malformed" in batch.extra:
                    lines.append('{"id": "batch_req_y", "custom_id": ')
                if "duplicate" in batch.extra and output:
                    lines.append(json.dumps(output[0]))
                batch.files = {}
                if lines:
                    file_id = f"file-fake{next(state.ids)}"
                    state.files[file_id] = ("\n".join(lines) + "\n").encode()
                    batch.files["output_file_id"] = file_id
                if errors:
                    file_id = f"file-fake{next(state.ids)}"
                    state.files[file_id] = "".join(json.dumps(e) + "\n" for e in errors).encode()
                    batch.files["error_file_id"] = file_id
            outcome.update(batch.files or {})
            failed = sum(1 for r in batch.results if r[2] != "missing" and r[2] in ("error_line", "error"))
            completed = sum(1 for r in batch.results if r[2] != "missing") - failed
        errors = {"object": "list", "data": [{"code": "invalid_request", "message": p, "line": None}
                                             for p in batch.problems]} if batch.problems else None
        return {"id": batch.id, "object": "batch", "endpoint": "/v1/chat/completions", "errors": errors,
                "input_file_id": batch.input_file_id, "completion_window": "24h",
                "status": _OPENAI_BATCH_STATES.get(batch.state, batch.state), "created_at": int(batch.created),
                "request_counts": {"total": len(batch.lines), "completed": completed, "failed": failed},
                "metadata": {"medpages_label": batch.label}, **outcome}

    def _gemini_operation(self, batch: FakeBatch) -> dict[str, Any]:
        state_name = _GEMINI_BATCH_STATES.get(batch.state, batch.state)
        metadata: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch",
            "name": batch.id, "model": "models/fake-model", "displayName": batch.label, "state": state_name,
            "batchStats": {"requestCount": str(len(batch.lines))}}
        operation: dict[str, Any] = {"name": batch.id, "metadata": metadata,
                                     "done": batch.state in ("completed", "failed", "expired", "cancelled")}
        if batch.state == "failed":
            operation["error"] = {"code": 13, "message": "the batch failed (scripted)"}
        if batch.results is not None and batch.state == "completed":
            items: list[Any] = []
            for key, medicine, behaviour, body in batch.results:
                if behaviour == "missing":
                    continue
                if behaviour in ("error_line", "error", "rate_limit", "unauthorized"):
                    items.append({"error": {"code": 13, "message": "Internal error encountered."},
                                  "metadata": {"key": key}})
                    continue
                text, finish = answer_text(medicine, behaviour)
                items.append({"response": gemini_generation(body, text, finish, behaviour), "metadata": {"key": key}})
            if "unknown" in batch.extra:
                text, finish = answer_text("Unknown 1mg", "valid")
                items.append({"response": gemini_generation({}, text, finish, "valid"),
                              "metadata": {"key": "nobody-asked-000000000000"}})
            if "malformed" in batch.extra:
                items.append("not an object")
            if "duplicate" in batch.extra and items:
                items.append(items[0])
            failed = sum(1 for item in items if isinstance(item, dict) and "error" in item)
            metadata["batchStats"].update({"successfulRequestCount": str(len(items) - failed),
                                           "failedRequestCount": str(failed)})
            operation["response"] = {
                "@type": "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",
                "inlinedResponses": {"inlinedResponses": items}}
        return operation

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
    parser.add_argument("--rpm", type=int, default=1200, help="requests per window before 429s")
    parser.add_argument("--window", type=float, default=60.0, help="seconds the limit counts over")
    parser.add_argument("--fixed-window", action="store_true", help="count per fixed window, not a sliding one")
    parser.add_argument("--rate-headers", action="store_true", help="send x-ratelimit-*-requests headers")
    parser.add_argument("--no-retry-after", action="store_true", help="429 without Retry-After")
    parser.add_argument("--latency-median", type=float, default=0.2, help="seconds (lognormal)")
    parser.add_argument("--latency-sigma", type=float, default=0.5)
    args = parser.parse_args(argv)
    server = FakeLLMServer(limit=args.rpm, window=args.window, latency_median=args.latency_median,
                           latency_sigma=args.latency_sigma, keep_bodies=False, fixed_window=args.fixed_window,
                           rate_headers=args.rate_headers, retry_after_header=not args.no_retry_after)
    server.start()
    print(f"PORT {server.port}", flush=True)
    try:
        for _ in sys.stdin:  # runs until its parent closes stdin
            pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
