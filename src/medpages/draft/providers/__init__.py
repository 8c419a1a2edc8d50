"""Drafting providers: one small interface (`base.Provider`), one module per provider, a registry."""

from medpages.draft.providers.base import (
    DraftRequest,
    Message,
    Provider,
    ProviderConfigError,
    ProviderError,
    ProviderRejected,
    ProviderResponse,
    ProviderUnavailable,
    RateLimited,
)
from medpages.draft.providers.registry import PROVIDERS, ProviderChoice, choose_provider, get_provider

__all__ = [
    "PROVIDERS",
    "DraftRequest",
    "Message",
    "Provider",
    "ProviderChoice",
    "ProviderConfigError",
    "ProviderError",
    "ProviderRejected",
    "ProviderResponse",
    "ProviderUnavailable",
    "RateLimited",
    "choose_provider",
    "get_provider",
]
