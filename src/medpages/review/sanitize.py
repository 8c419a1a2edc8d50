"""Contributed text: limited to the page's Markdown subset, sanitised before it is stored.

The site renders stored text again through its own sanitising renderer; this is the first of the
two guards (issue 10: "sanitised before it is stored and again when rendered").
"""

from __future__ import annotations

MAX_SECTION_CHARS = 20_000  # a section's text; the longest real section in the corpus is ~6,000
MAX_REASON_CHARS = 500
MAX_NAME_CHARS = 100
MAX_EMAIL_CHARS = 254


def clean_text(text: str, *, field: str, max_chars: int, required: bool = True) -> str:
    """`text` as storable contributed text: HTML removed (nh3), control characters dropped, line
    ends normalised, trailing spaces trimmed. InputError naming `field` when it is empty (and
    `required`) or longer than `max_chars`."""
    raise NotImplementedError


def clean_email(text: str) -> str:
    """An optional e-mail address, checked for shape only; "" when empty; InputError when malformed."""
    raise NotImplementedError
