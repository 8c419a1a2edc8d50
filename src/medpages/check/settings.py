"""`CheckSettings`, the checks' thresholds: declared once, as the `[checks]` section of medpages.settings."""

from __future__ import annotations

from medpages.settings import CheckSettings

__all__ = ["CheckSettings"]
