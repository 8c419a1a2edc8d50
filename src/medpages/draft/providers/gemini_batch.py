"""Gemini API batch mode with inline requests: `models/{model}:batchGenerateContent`, polled as `batches/{id}`.

The batch carries `generateContent` bodies, each with `metadata.key`; the create call returns a
long-running operation named `batches/...`, polled with `GET /v1beta/{name}` until its state
(`metadata.state`, or `state` on the batch resource) is final. Inline answers come back in
`response.inlinedResponses.inlinedResponses` (or `output.inlinedResponses...`), each with the
request's metadata and either a `GenerateContentResponse` or an `error`. Inline batches are
limited to 20 MB of requests, so large catalogues go in several batches. Vertex AI's batch
prediction reads and writes Cloud Storage or BigQuery and is not supported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from medpages.draft.providers.base import (
    BatchOutput,
    BatchStatus,
    DraftRequest,
    ProviderConfigError,
    ProviderError,
    ProviderUnavailable,
    raise_for_status,
)
from medpages.draft.providers.gemini import GeminiProvider

MAX_REQUESTS = 5_000
MAX_BYTES = 18 * 1024 * 1024  # inline requests: under 20 MB in all, with room for the envelope
LIST_PAGES = 5

_STATES = {"BATCH_STATE_PENDING": "pending", "BATCH_STATE_RUNNING": "running", "BATCH_STATE_SUCCEEDED": "completed",
           "BATCH_STATE_FAILED": "failed", "BATCH_STATE_CANCELLED": "cancelled", "BATCH_STATE_EXPIRED": "expired"}


class GeminiBatch:
    """`GeminiBatch(provider)`: batch mode of the Gemini API (with a key) at the provider's base URL."""

    max_requests = MAX_REQUESTS
    max_bytes = MAX_BYTES

    def __init__(self, provider: GeminiProvider):
        if provider.vertex:
            raise ProviderConfigError("Vertex AI batch prediction needs Cloud Storage or BigQuery, which medpages "
                                      "does not use: draft without --batch, or use the Gemini API with GEMINI_API_KEY")
        self.provider = provider
        self.name = provider.name
        self.model = provider.model
        self.base_url = provider.base_url

    def describe(self) -> str:
        return f"Gemini batch mode at {self.base_url} ({self.model}, inline requests)"

    async def _headers(self) -> dict[str, str]:
        return await self.provider._headers()

    def encode(self, key: str, request: DraftRequest) -> dict[str, Any]:
        return {"request": self.provider.request_body(request), "metadata": {"key": key}}

    async def submit(self, encoded: Sequence[dict[str, Any]], client: httpx.AsyncClient, *, label: str) -> str:
        body = {"batch": {"display_name": label, "input_config": {"requests": {"requests": list(encoded)}}}}
        response = await client.post(f"{self.base_url}/v1beta/models/{self.model}:batchGenerateContent", json=body,
                                     headers=await self._headers())
        raise_for_status(response, self.name)
        operation = _json(response, self.name)
        name = operation.get("name") if isinstance(operation, dict) else None
        if not name:
            raise ProviderUnavailable(f"{self.name} created a batch without a name: {response.text[:200]}",
                                      status=response.status_code)
        return str(name)

    async def find(self, label: str, client: httpx.AsyncClient) -> str | None:
        token = None
        for _ in range(LIST_PAGES):
            params = {"pageSize": "100", **({"pageToken": token} if token else {})}
            response = await client.get(f"{self.base_url}/v1beta/batches", headers=await self._headers(),
                                        params=params)
            raise_for_status(response, self.name)
            body = _json(response, self.name)
            if not isinstance(body, dict):
                return None
            for operation in body.get("operations") or body.get("batches") or []:
                if isinstance(operation, dict) and _batch(operation).get("displayName") == label:
                    return str(operation.get("name"))
            token = body.get("nextPageToken")
            if not token:
                return None
        return None

    async def status(self, batch_id: str, client: httpx.AsyncClient) -> BatchStatus:
        response = await client.get(f"{self.base_url}/v1beta/{batch_id}", headers=await self._headers())
        raise_for_status(response, self.name)
        operation = _json(response, self.name)
        if not isinstance(operation, dict):
            raise ProviderUnavailable(f"{self.name} sent a batch that is not a JSON object: {response.text[:200]}")
        batch = _batch(operation)
        raw_state = str(batch.get("state") or "BATCH_STATE_UNSPECIFIED").replace("JOB_STATE_", "BATCH_STATE_")
        state = _STATES.get(raw_state, "running")
        error = operation.get("error") if isinstance(operation.get("error"), dict) else None
        if error and state not in ("failed", "cancelled", "expired"):
            state = "failed"  # a finished operation with an error
        stats = batch.get("batchStats") or {}
        total = stats.get("requestCount")
        succeeded, failed = int(stats.get("successfulRequestCount") or 0), int(stats.get("failedRequestCount") or 0)
        return BatchStatus(id=batch_id, state=state, raw_state=raw_state,  # type: ignore[arg-type]
                           total=int(total) if total is not None else None, answered=succeeded + failed,
                           failed=failed, message=(error or {}).get("message"), raw=operation)

    async def output(self, status: BatchStatus, client: httpx.AsyncClient) -> BatchOutput:
        output = BatchOutput()
        operation = status.raw
        containers = [operation.get("response"), _batch(operation).get("output"), operation.get("output")]
        items = None
        for container in containers:
            if isinstance(container, dict):
                inlined = container.get("inlinedResponses")
                if isinstance(inlined, dict):
                    inlined = inlined.get("inlinedResponses")
                if isinstance(inlined, list):
                    items = inlined
                    break
                if container.get("responsesFile"):
                    output.anomalies.append(f"the answers are in the file {container['responsesFile']}, which "
                                            "medpages does not read (it submits inline requests only)")
                    return output
        if items is None:
            if status.state == "completed":
                output.anomalies.append("the finished batch holds no inline responses")
            return output
        for number, item in enumerate(items, 1):
            self._read_item(item, f"inline response {number}", output)
        return output

    def _read_item(self, item: Any, where: str, output: BatchOutput) -> None:
        if not isinstance(item, dict):
            output.anomalies.append(f"{where}: not an object ({str(item)[:80]!r})")
            return
        key = (item.get("metadata") or {}).get("key") if isinstance(item.get("metadata"), dict) else None
        if not isinstance(key, str) or not key:
            output.anomalies.append(f"{where}: no metadata key")
            return
        if key in output.responses or key in output.errors:
            output.anomalies.append(f"{where}: {key} answered twice (the first answer is kept)")
            return
        error = item.get("error")
        if isinstance(error, dict) or "response" not in item:
            error = error if isinstance(error, dict) else {}
            output.errors[key] = f"{error.get('code') or 'error'}: {error.get('message') or 'no answer and no error'}"
            return
        try:
            output.responses[key] = self.provider.parse_generation(item["response"])
        except ProviderError as failure:
            output.errors[key] = str(failure)


def _batch(operation: dict[str, Any]) -> dict[str, Any]:
    """The batch resource inside an operation (`metadata`), or the resource itself."""
    metadata = operation.get("metadata")
    return metadata if isinstance(metadata, dict) and metadata else operation


def _json(response: httpx.Response, name: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderUnavailable(f"{name} sent an answer that is not JSON: {response.text[:200]}",
                                  status=response.status_code) from exc
