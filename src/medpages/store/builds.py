"""What the builds of a project wrote: the store's half of an incremental build (issue 12)."""

from __future__ import annotations


class BuildStore:
    """Mixed into `Store`: build manifests and the pages changed since a build."""
