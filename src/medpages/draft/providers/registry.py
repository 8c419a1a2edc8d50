"""Which provider drafts: the registry of provider factories, and the choice made from settings and environment.

A new provider is one module with a `from_settings(model, settings, env)` factory, plus one line in
`PROVIDERS`. Modules are imported only when their provider is asked for.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from medpages.draft.providers.base import Provider, ProviderConfigError

# name -> "module:factory". Factories take (model or None, settings, environment).
PROVIDERS: dict[str, str] = {
    "openai": "medpages.draft.providers.openai:from_settings",
    "ollama": "medpages.draft.providers.openai:ollama_from_settings",
    "gemini": "medpages.draft.providers.gemini:from_settings",
    "vertex": "medpages.draft.providers.gemini:vertex_from_settings",
}


@dataclass(frozen=True)
class ProviderChoice:
    """The provider a run will use (None: no provider is configured) and why, for the CLI to say."""

    name: str | None
    reason: str


def get_provider(name: str, model: str | None = None, settings: Mapping[str, Any] | None = None,
                 env: Mapping[str, str] | None = None) -> Provider:
    """The provider `name` calling `model` (None: the provider's default model).

    `settings` are explicit values (medpages.toml `[draft]`, command-line options): `api_key`,
    `base_url`, `structured`, `project`, `location`... Each provider falls back to its usual
    environment variables, read from `env` (default: os.environ).
    """
    target = PROVIDERS.get(name)
    if target is None:
        known = ", ".join(sorted(PROVIDERS))
        raise ProviderConfigError(f"unknown drafting provider {name!r}; known providers: {known}")
    module_name, factory_name = target.split(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    return factory(model, dict(settings or {}), os.environ if env is None else env)


def choose_provider(settings: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> ProviderChoice:
    """The provider to use when none was named, from what is configured, and the reason in words."""
    settings = settings or {}
    env = os.environ if env is None else env
    if settings.get("provider"):
        return ProviderChoice(str(settings["provider"]), "the provider setting")
    if env.get("MEDPAGES_DRAFT_PROVIDER"):
        return ProviderChoice(env["MEDPAGES_DRAFT_PROVIDER"], "MEDPAGES_DRAFT_PROVIDER is set")
    if env.get("OPENAI_BASE_URL"):
        return ProviderChoice("openai", f"OPENAI_BASE_URL is set ({env['OPENAI_BASE_URL']})")
    if env.get("OPENAI_API_KEY"):
        return ProviderChoice("openai", "OPENAI_API_KEY is set")
    for variable in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        if env.get(variable):
            return ProviderChoice("gemini", f"{variable} is set")
    if env.get("GOOGLE_CLOUD_PROJECT"):
        return ProviderChoice("vertex", f"GOOGLE_CLOUD_PROJECT is set ({env['GOOGLE_CLOUD_PROJECT']}): Vertex AI")
    return ProviderChoice(None, "no provider is configured (no OPENAI_API_KEY, OPENAI_BASE_URL, GEMINI_API_KEY, "
                                "GOOGLE_API_KEY or GOOGLE_CLOUD_PROJECT)")
