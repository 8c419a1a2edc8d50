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

# The original rule, in one pass: every character that is not an ASCII letter or digit (white
# space included) became `-` and runs of `-` collapsed, which is one `-` per run of such
# characters. Upper case is only ASCII by then, so `.lower()` gives `[a-z0-9-]` alone.
_NOT_SLUG_RUN = re.compile(r"[^A-Za-z0-9]+")
MAX_SLUG = 120
DIGIT_FOLDER = "0-9"
OTHER_FOLDER = "other"


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slugify(title: str) -> str:
    """The original sanitizer, plus the fallbacks above. Only `[a-z0-9-]` ever comes out."""
    slug = _NOT_SLUG_RUN.sub("-", title).lower()
    if slug in ("", "-"):  # no letter or digit at all
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
