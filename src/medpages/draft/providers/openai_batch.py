"""The OpenAI Batch API for an OpenAI-compatible provider: one JSONL file of `/v1/chat/completions` requests.

Upload the file (`POST /files`, purpose `batch`), create the batch (`POST /batches`, completion
window 24h), poll it (`GET /batches/{id}`), then read its output and error files
(`GET /files/{id}/content`); every line names its request by `custom_id`. The label a batch is
created under goes in its `metadata`, so a batch created just before a crash is found again by
listing `GET /batches` instead of being paid for twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx

from medpages.draft.providers.base import (
    BatchOutput,
    BatchStatus,
    DraftRequest,
    ProviderError,
    ProviderUnavailable,
    raise_for_status,
)
from medpages.draft.providers.openai import OpenAICompatibleProvider

ENDPOINT = "/v1/chat/completions"
MAX_REQUESTS = 50_000  # OpenAI's limits per batch: 50,000 requests, a 200 MB input file
MAX_BYTES = 190 * 1024 * 1024
LIST_PAGES = 5  # how far back `find` looks: 5 pages of 100 batches

_STATES = {"validating": "pending", "in_progress": "running", "finalizing": "finalizing", "completed": "completed",
           "failed": "failed", "expired": "expired", "cancelling": "cancelling", "cancelled": "cancelled"}


class OpenAIBatch:
    """`OpenAIBatch(provider)`: the batch API at the provider's base URL, with its key, model and structured output."""

    max_requests = MAX_REQUESTS
    max_bytes = MAX_BYTES

    def __init__(self, provider: OpenAICompatibleProvider):
        self.provider = provider
        self.name = provider.name
        self.model = provider.model
        self.base_url = provider.base_url

    def describe(self) -> str:
        return f"the Batch API at {self.base_url} ({self.model}, 24h window)"

    def _headers(self) -> dict[str, str]:
        return self.provider._headers()

    def _params(self) -> dict[str, str] | None:
        return {"api-version": self.provider.api_version} if self.provider.api_version else None

    def encode(self, key: str, request: DraftRequest) -> dict[str, Any]:
        return {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": self.provider.request_body(request)}

    async def submit(self, encoded: Sequence[dict[str, Any]], client: httpx.AsyncClient, *, label: str) -> str:
        jsonl = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in encoded).encode("utf-8")
        uploaded = await client.post(f"{self.base_url}/files", headers=self._headers(), params=self._params(),
                                     data={"purpose": "batch"},
                                     files={"file": (f"{label}.jsonl", jsonl, "application/jsonl")})
        raise_for_status(uploaded, self.name)
        file_id = _field(uploaded, "id", self.name)
        created = await client.post(f"{self.base_url}/batches", headers=self._headers(), params=self._params(), json={
            "input_file_id": file_id, "endpoint": ENDPOINT, "completion_window": "24h",
            "metadata": {"medpages_label": label}})
        raise_for_status(created, self.name)
        return _field(created, "id", self.name)

    async def find(self, label: str, client: httpx.AsyncClient) -> str | None:
        after = None
        for _ in range(LIST_PAGES):
            params = {"limit": "100", **({"after": after} if after else {}), **(self._params() or {})}
            response = await client.get(f"{self.base_url}/batches", headers=self._headers(), params=params)
            raise_for_status(response, self.name)
            body = _json(response, self.name)
            batches = (body.get("data") or []) if isinstance(body, dict) else []
            for batch in batches:
                if isinstance(batch, dict) and (batch.get("metadata") or {}).get("medpages_label") == label:
                    return str(batch["id"])
            if not (isinstance(body, dict) and body.get("has_more")) or not batches:
                return None
            after = batches[-1].get("id")
        return None

    async def status(self, batch_id: str, client: httpx.AsyncClient) -> BatchStatus:
        response = await client.get(f"{self.base_url}/batches/{batch_id}", headers=self._headers(),
                                    params=self._params())
        raise_for_status(response, self.name)
        body = _json(response, self.name)
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{self.name} sent a batch that is not a JSON object: {response.text[:200]}")
        raw_state = str(body.get("status") or "unknown")
        counts = body.get("request_counts") or {}
        errors = (body.get("errors") or {}).get("data") or []
        message = "; ".join(f"{e.get('code') or 'error'}: {e.get('message') or ''}".strip()
                            + (f" (line {e['line']})" if e.get("line") else "")
                            for e in errors[:5] if isinstance(e, dict)) or None
        completed, failed = int(counts.get("completed") or 0), int(counts.get("failed") or 0)
        return BatchStatus(id=batch_id, state=_STATES.get(raw_state, "running"), raw_state=raw_state,  # type: ignore[arg-type]
                           total=counts.get("total"), answered=completed + failed, failed=failed,
                           message=message, raw=body)

    async def output(self, status: BatchStatus, client: httpx.AsyncClient) -> BatchOutput:
        output = BatchOutput()
        for field_name in ("output_file_id", "error_file_id"):
            file_id = status.raw.get(field_name)
            if not file_id:
                continue
            response = await client.get(f"{self.base_url}/files/{file_id}/content", headers=self._headers(),
                                        params=self._params())
            raise_for_status(response, self.name)
            for number, line in enumerate(response.text.splitlines(), 1):
                if line.strip():
                    self._read_line(line, f"{field_name.removesuffix('_id').replace('_', ' ')} line {number}", output)
        return output

    def _read_line(self, line: str, where: str, output: BatchOutput) -> None:
        try:
            entry = json.loads(line)
        except ValueError:
            output.anomalies.append(f"{where}: not JSON ({line[:80]!r})")
            return
        key = entry.get("custom_id") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not key:
            output.anomalies.append(f"{where}: no custom_id")
            return
        if key in output.responses or key in output.errors:
            output.anomalies.append(f"{where}: {key} answered twice (the first answer is kept)")
            return
        response = entry.get("response") if isinstance(entry.get("response"), dict) else None
        status_code = int(response.get("status_code") or 0) if response else 0
        body = response.get("body") if response else None
        if response is not None and 200 <= status_code < 300:
            try:
                output.responses[key] = self.provider.parse_completion(body, status=status_code)
            except ProviderError as error:
                output.errors[key] = str(error)
            return
        error = entry.get("error") if isinstance(entry.get("error"), dict) else None
        if error is None and isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
        detail = (f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}" if error
                  else "no answer and no error")
        output.errors[key] = f"{detail} (status {status_code})" if status_code else detail


def _json(response: httpx.Response, name: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"{name} sent an answer that is not JSON: {response.text[:200]}",
                                  status=response.status_code) from exc


def _field(response: httpx.Response, key: str, name: str) -> str:
    body = _json(response, name)
    if not isinstance(body, dict) or not body.get(key):
        raise ProviderUnavailable(f"{name} sent an answer without {key!r}: {response.text[:200]}",
                                  status=response.status_code)
    return str(body[key])
