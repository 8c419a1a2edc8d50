"""What drafting costs: a price table per model (US dollars per million tokens), overridable by a dict or TOML.

Prices change; the built-in table is a starting point dated below. A project overrides or adds
models with a TOML file of the form

    [models."gpt-4o-mini"]
    input = 0.15      # USD per 1M input tokens
    output = 0.60     # USD per 1M output tokens
    batch_input = 0.075   # optional: through the batch API (default: half the price above)
    batch_output = 0.30

A model the table does not know has no price (cost `None`, shown as "unknown"), never a guess.
Local servers (Ollama, llama.cpp) are priced 0 by listing them with zeros.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from medpages.errors import InputError

PRICES_AS_OF = "2025-06"


BATCH_DISCOUNT = 0.5  # OpenAI Batch API and Gemini batch mode: half the interactive price


@dataclass(frozen=True)
class ModelPrice:
    input_per_million: float
    output_per_million: float
    batch_input_per_million: float | None = None  # None: the interactive price x BATCH_DISCOUNT
    batch_output_per_million: float | None = None

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1_000_000

    def batch_cost(self, input_tokens: int, output_tokens: int) -> float:
        per_input = self.batch_input_per_million
        per_output = self.batch_output_per_million
        per_input = self.input_per_million * BATCH_DISCOUNT if per_input is None else per_input
        per_output = self.output_per_million * BATCH_DISCOUNT if per_output is None else per_output
        return (input_tokens * per_input + output_tokens * per_output) / 1_000_000


DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(0.15, 0.60),
    "gpt-4o": ModelPrice(2.50, 10.00),
    "gpt-4.1-nano": ModelPrice(0.10, 0.40),
    "gpt-4.1-mini": ModelPrice(0.40, 1.60),
    "gpt-4.1": ModelPrice(2.00, 8.00),
    "o4-mini": ModelPrice(1.10, 4.40),
    "gemini-2.5-flash-lite": ModelPrice(0.10, 0.40),
    "gemini-2.5-flash": ModelPrice(0.30, 2.50),
    "gemini-2.5-pro": ModelPrice(1.25, 10.00),
    "gemini-2.0-flash-lite": ModelPrice(0.075, 0.30),
    "gemini-2.0-flash": ModelPrice(0.10, 0.40),
    "gemini-1.5-flash": ModelPrice(0.075, 0.30),
}


class PriceTable:
    """Looks a model up by its exact name, then by the longest known prefix (`gpt-4o-mini-2024-07-18`)."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None, *, include_defaults: bool = True):
        self._prices: dict[str, ModelPrice] = dict(DEFAULT_PRICES) if include_defaults else {}
        self._prices.update(prices or {})

    @classmethod
    def from_mapping(cls, table: Mapping[str, Mapping[str, float]], **kwargs) -> PriceTable:
        """`{"my-model": {"input": 0.2, "output": 0.8}}` (USD per million tokens)."""
        prices = {}
        for model, entry in table.items():
            try:
                prices[model] = ModelPrice(
                    float(entry["input"]), float(entry["output"]),
                    float(entry["batch_input"]) if entry.get("batch_input") is not None else None,
                    float(entry["batch_output"]) if entry.get("batch_output") is not None else None)
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f"price of {model!r} needs numbers 'input' and 'output' (USD per million tokens)") from exc
        return cls(prices, **kwargs)

    @classmethod
    def from_toml(cls, path: Path | str, **kwargs) -> PriceTable:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"cannot read the price table: {exc}", source=str(path)) from exc
        return cls.from_mapping(data.get("models", {}), **kwargs)

    def price(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        name = model.rsplit("/", 1)[-1]  # `models/gemini-2.0-flash`, `openai/gpt-4o` (OpenRouter)
        candidates = [known for known in self._prices if name.startswith(known)]
        return self._prices[max(candidates, key=len)] if candidates else None

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price(model)
        return None if price is None else price.cost(input_tokens, output_tokens)

    def batch_cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """The cost through a provider's batch API: `batch_input`/`batch_output` when the table has them,
        else the interactive price x BATCH_DISCOUNT."""
        price = self.price(model)
        return None if price is None else price.batch_cost(input_tokens, output_tokens)
