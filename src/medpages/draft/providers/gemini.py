"""Gemini natively through its REST `generateContent`: the Gemini API with a key, or Vertex AI with a token.

The page schema goes in `generationConfig.responseSchema` with `responseMimeType:
application/json`. A prompt blocked by safety filters (`promptFeedback.blockReason`) or an
answer stopped by them (`finishReason: SAFETY`, `PROHIBITED_CONTENT`...) is a refusal.
Vertex AI's bearer token comes from GOOGLE_OAUTH_ACCESS_TOKEN or `gcloud auth print-access-token`.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Mapping
from typing import Any

import httpx

from medpages.draft.providers.base import (
    DraftRequest,
    ProviderConfigError,
    ProviderProblem,
    ProviderResponse,
    ProviderUnavailable,
    extract_json_object,
    raise_for_status,
    server_limits,
    setting,
)
from medpages.draft.schema import gemini_response_schema

GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_MODEL = "gemini-2.5-flash"
_BLOCKED = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
_TOKEN_LIFETIME = 45 * 60  # gcloud tokens last an hour; fetch a new one well before


class GeminiProvider:
    name = "gemini"

    def __init__(self, model: str, *, api_key: str | None = None, project: str | None = None,
                 location: str | None = None, base_url: str | None = None, access_token: str | None = None):
        self.model = model.removeprefix("models/")
        self.api_key = api_key
        self.vertex = api_key is None
        if self.vertex and not project:
            raise ProviderConfigError("the gemini backend needs GEMINI_API_KEY (or GOOGLE_API_KEY) for the Gemini API, "
                                      "or GOOGLE_CLOUD_PROJECT for Vertex AI")
        self.project = project
        self.location = location or "us-central1"
        if base_url:
            self.base_url = base_url.rstrip("/")
        elif self.vertex:
            host = "aiplatform.googleapis.com" if self.location == "global" else f"{self.location}-aiplatform.googleapis.com"
            self.base_url = f"https://{host}"
        else:
            self.base_url = GEMINI_BASE_URL
        self._token = access_token
        self._token_fixed = access_token is not None
        self._token_at = time.monotonic()
        self._token_lock: asyncio.Lock | None = None
        if self.vertex:
            self.name = "vertex"

    @property
    def url(self) -> str:
        if self.vertex:
            return (f"{self.base_url}/v1/projects/{self.project}/locations/{self.location}"
                    f"/publishers/google/models/{self.model}:generateContent")
        return f"{self.base_url}/v1beta/models/{self.model}:generateContent"

    def describe(self) -> str:
        where = f"Vertex AI project {self.project} ({self.location})" if self.vertex else "the Gemini API"
        return f"{self.model} on {where} at {self.base_url}"

    def what_to_check(self, problem: ProviderProblem) -> str:
        """The advice a stopped run prints: the address, the key or gcloud's login, the model."""
        if problem == "connect":
            return "is the address right (and reachable from here)? [draft.gemini] base_url is for a proxy"
        if problem == "auth":
            return ("check the login: `gcloud auth login` (or GOOGLE_OAUTH_ACCESS_TOKEN) and GOOGLE_CLOUD_PROJECT"
                    if self.vertex else "check the API key: GEMINI_API_KEY (or GOOGLE_API_KEY)")
        return f"check the model name ({self.model})" + (f" and the location ({self.location})" if self.vertex else "")

    def request_body(self, request: DraftRequest) -> dict[str, Any]:
        system = [m.content for m in request.messages if m.role == "system"]
        contents = [{"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
                    for m in request.messages if m.role != "system"]
        config: dict[str, Any] = {
            "responseMimeType": "application/json",
            "responseSchema": gemini_response_schema(request.schema),
            "maxOutputTokens": request.max_output_tokens,
        }
        if request.temperature is not None:
            config["temperature"] = request.temperature
        body: dict[str, Any] = {"contents": contents, "generationConfig": config}
        if system:
            body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
        return body

    async def _headers(self) -> dict[str, str]:
        if not self.vertex:
            return {"x-goog-api-key": self.api_key or ""}
        if self._token is None or (not self._token_fixed and time.monotonic() - self._token_at > _TOKEN_LIFETIME):
            self._token_lock = self._token_lock or asyncio.Lock()
            async with self._token_lock:
                if self._token is None or time.monotonic() - self._token_at > _TOKEN_LIFETIME:
                    self._token = await asyncio.to_thread(_gcloud_token)
                    self._token_at = time.monotonic()
        return {"Authorization": f"Bearer {self._token}"}

    async def complete(self, request: DraftRequest, client: httpx.AsyncClient) -> ProviderResponse:
        response = await client.post(self.url, json=self.request_body(request), headers=await self._headers())
        raise_for_status(response, self.name)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{self.name} sent an answer that is not JSON: {response.text[:200]}",
                                      status=response.status_code) from exc
        answer = self.parse_generation(body, status=response.status_code)
        answer.limits = server_limits(response)
        return answer

    def parse_generation(self, body: Any, *, status: int = 200) -> ProviderResponse:
        """A `GenerateContentResponse` body as a `ProviderResponse` (also each inline response of a batch)."""
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{self.name} sent an answer that is not a JSON object: {str(body)[:200]}",
                                      status=status)
        usage = body.get("usageMetadata") or {}
        tokens = {
            "input_tokens": int(usage.get("promptTokenCount") or 0),
            # Thinking tokens are billed as output.
            "output_tokens": int(usage.get("candidatesTokenCount") or 0) + int(usage.get("thoughtsTokenCount") or 0),
        }
        blocked = (body.get("promptFeedback") or {}).get("blockReason")
        candidates = body.get("candidates") or []
        if blocked or not candidates:
            reason = f"the prompt was blocked ({blocked})" if blocked else "no answer was returned"
            return ProviderResponse(text="", finish_reason="safety" if blocked else "other", refused=bool(blocked),
                                    refusal=reason if blocked else None, status=status,
                                    raw_finish_reason=blocked, **tokens)
        candidate = candidates[0]
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(part.get("text", "") for part in parts if not part.get("thought"))
        raw_finish = candidate.get("finishReason")
        if raw_finish in _BLOCKED:
            return ProviderResponse(text=text, finish_reason="safety", refused=True,
                                    refusal=f"the answer was stopped by Gemini's filters ({raw_finish})",
                                    status=status, raw_finish_reason=raw_finish, **tokens)
        finish = {"STOP": "stop", "MAX_TOKENS": "length", None: "stop"}.get(raw_finish, "other")
        return ProviderResponse(text=text, data=extract_json_object(text) if text else None, finish_reason=finish,
                                status=status, raw_finish_reason=raw_finish, **tokens)


def _gcloud_token() -> str:
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise ProviderConfigError("Vertex AI needs an access token: set GOOGLE_OAUTH_ACCESS_TOKEN or install gcloud "
                                  "and run `gcloud auth application-default login`")
    try:
        done = subprocess.run([gcloud, "auth", "print-access-token"], capture_output=True, text=True, timeout=60,
                              check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        raise ProviderConfigError(f"`gcloud auth print-access-token` failed: {exc}") from exc
    return done.stdout.strip()


def from_settings(model: str | None, settings: Mapping[str, str], env: Mapping[str, str]) -> GeminiProvider:
    """Settings (or environment): `api_key` (GEMINI_API_KEY, GOOGLE_API_KEY) for the Gemini API; `project`
    (GOOGLE_CLOUD_PROJECT) and `location` (GOOGLE_CLOUD_LOCATION) for Vertex AI, chosen when there is no
    key or `vertex` (GOOGLE_GENAI_USE_VERTEXAI) is true; `access_token` (GOOGLE_OAUTH_ACCESS_TOKEN);
    `base_url` for a proxy or a test server."""
    vertex = str(setting(settings, env, "vertex", "GOOGLE_GENAI_USE_VERTEXAI") or "").lower() in {"1", "true", "yes"}
    api_key = None if vertex else setting(settings, env, "api_key", "GEMINI_API_KEY", "GOOGLE_API_KEY")
    return GeminiProvider(
        model or settings.get("model") or DEFAULT_MODEL, api_key=api_key,
        project=setting(settings, env, "project", "GOOGLE_CLOUD_PROJECT"),
        location=setting(settings, env, "location", "GOOGLE_CLOUD_LOCATION"),
        base_url=settings.get("base_url") or None,
        access_token=setting(settings, env, "access_token", "GOOGLE_OAUTH_ACCESS_TOKEN"),
    )


def vertex_from_settings(model: str | None, settings: Mapping[str, str], env: Mapping[str, str]) -> GeminiProvider:
    """Gemini on Vertex AI even when a Gemini API key is set."""
    return from_settings(model, {**settings, "vertex": "true"}, env)
