"""Slugs and folders, as the original batch script made them (PRODUCT.md §2), made safe.

`Ado-trastuzumab emtansine 160mg` -> folder `a`, slug `ado-trastuzumab-emtansine-160mg`.
The original rule is kept exactly so an existing site's URLs do not move. Three additions,
documented in docs/catalogue.md: a title whose first character is not an ASCII letter goes
to `0-9` (a digit) or to the ASCII letter it folds to (`É` -> `e`) or else to `other`; a slug
with no letter or digit left (a title in another script) becomes `medicine-<hash>`; a slug
longer than 120 characters is cut and given a hash so the file name stays valid.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NOT_SLUG = re.compile(r"[^A-Za-z0-9\s]")
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"-+")
MAX_SLUG = 120
DIGIT_FOLDER = "0-9"
OTHER_FOLDER = "other"


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slugify(title: str) -> str:
    """The original sanitizer, plus the fallbacks above. Only `[a-z0-9-]` ever comes out."""
    slug = _NOT_SLUG.sub("-", title)
    slug = _SPACES.sub("-", slug)
    slug = _DASHES.sub("-", slug).lower()
    # \s and str.lower() are Unicode-aware: keep only what the rule promises.
    slug = re.sub(r"[^a-z0-9-]", "-", slug)
    slug = _DASHES.sub("-", slug)
    if not re.search(r"[a-z0-9]", slug):
        return f"medicine-{_short_hash(title)}"
    if len(slug) > MAX_SLUG:
        slug = f"{slug[:MAX_SLUG - 9].rstrip('-')}-{_short_hash(title)}"
    return slug


def folder_for(title: str) -> str:
    """The folder of a title: its first letter lower-cased, with the documented fallbacks."""
    first = title.strip()[:1]
    if not first:
        return OTHER_FOLDER
    if first.isascii() and first.isalpha():
        return first.lower()
    if first.isascii() and first.isdigit():
        return DIGIT_FOLDER
    folded = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode("ascii")
    if folded[:1].isalpha():
        return folded[:1].lower()
    return OTHER_FOLDER
