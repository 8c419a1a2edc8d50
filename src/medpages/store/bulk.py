"""Bulk writes for imports: many medicines and pages per transaction (issue 12)."""

from __future__ import annotations


class BulkStore:
    """Mixed into `Store`: the batch methods imports use."""
