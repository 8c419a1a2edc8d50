"""The searches of `static/search.js`, in Python: the same files, words, scores and tie-breaks.

The web app answers `/search/?q=` and `/api/v1/search` with this, so a reader gets the same
first results with JavaScript off as the static site gives as they type. It searches the shards
`search_index.name_shards` writes (the bytes the browser fetches), so the same names are found
from the same files: a typo anywhere in a word, the first letter too, is forgiven through the
parts of the word list that hold the words within a typo of the typed one.
`TextSearch` does the same for the full-text index (`searchText`). Keep both in step with
search.js: tests/publish/site/test_search_parity.py runs both on the same site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from medpages.publish.site.search_index import (
    FULLTEXT_DIR,
    MAX_KEY_LETTERS,
    NAMES_DIR,
    STOPWORDS,
    NameRecord,
    guessed_path,
    name_shards,
    part_of,
    shard_key,
    tail_keys,
    tree_keys,
    typo_keys,
    words,
)

# The kinds of names a shard holds: what search.js says a hit came through, and its bonus.
_KINDS = (("g", "generic name", 0.2), ("s", "also known as", 0.1), ("b", "brand name", 0.1))
_TITLE_BONUS = 0.4
_ARRAY_INDEX = re.compile(r"^(?:0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class NameHit:
    """One medicine found by name."""

    title: str
    path: str  # "a/aspirin" (no trailing slash)
    matched: str  # the name that matched: the title, or a generic name, synonym or brand
    via: str | None  # "brand name: Tylenol" as search.js shows it; None when the title matched
    score: float
    empty: bool = False  # the page is not written yet ("not yet written" in the results)


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    pages: tuple[int, ...]
    name: str
    via: str | None
    bonus: float


@dataclass(frozen=True)
class _Shard:
    pages: tuple[tuple[str, str, bool], ...]  # (title, path, not yet written)
    names: tuple[_Name, ...]


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance, or `limit + 1` as soon as it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i]
        best = i
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            row.append(v)
            if v < best:
                best = v
        if best > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[len(b)]


def allowed_typos(word: str) -> int:
    return 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0


def word_score(typed: str, word: str, last: bool) -> float:
    """How well one typed word matches one word of a name: 0 for not at all."""
    if word == typed:
        return 4
    if word.startswith(typed):
        return 3 if last else 2
    limit = allowed_typos(typed)
    if not limit:
        return 0
    d = distance(typed, word, limit)
    if d <= limit:
        return 2.5 - d * 0.5
    if last and len(word) > len(typed):  # still typing: compare with the start of the word
        d = min(distance(typed, word[: len(typed)], limit), distance(typed, word[: len(typed) + 1], limit))
        if d <= limit:
            return 1.5 - d * 0.25
    return 0


def name_score(typed: list[str], name_words: tuple[str, ...], stop: frozenset[str] = frozenset()) -> float:
    """Every typed word must match some word of the name, except a salt or form word (`stop`),
    which is passed over when it matches none; the sum of the best matches, less a little for
    each word of the name nothing typed matched (Paracetamol before Paracetamol + Codeine)."""
    total: float = 0
    matched = 0
    used: set[int] = set()
    for i, q in enumerate(typed):
        best: float = 0
        best_k = -1
        for k, w in enumerate(name_words):
            s = word_score(q, w, i == len(typed) - 1)
            if s > best:
                best, best_k = s, k
        if not best:
            if q in stop:
                continue
            return 0
        matched += 1
        used.add(best_k)
        total += best
    if not matched:
        return 0
    if name_words and name_words[0].startswith(typed[0]):
        total += 0.5
    for k, w in enumerate(name_words):
        if k not in used and w[0].isalpha() and len(w) > 1 and w not in stop:
            total -= _UNMATCHED_WORD
    return total


_UNMATCHED_WORD = 0.125  # a power of two: the same sums in JavaScript's floats


@dataclass(frozen=True)
class _Index:
    keys: frozenset[str]  # the shards
    parts: int  # how many parts the word list is in
    stop: frozenset[str]

    @classmethod
    def of(cls, parsed: dict) -> _Index:
        keys = parsed.get("keys") or ""
        # (a list of keys: an index.json from before the tree, which a build replaces; no typo lookup)
        return cls(frozenset(keys if isinstance(keys, list) else tree_keys(keys)), parsed.get("parts") or 0,
                   frozenset(parsed.get("stop", ())))


class NameSearch:
    """The name index as search.js sees it: `index.json`, the shard files and the word list's
    parts, each parsed when first needed."""

    # Besides its own shard, a typed word is looked up in the shards of at most this many other
    # words within a typo of it (nearest first).
    TYPO_SHARDS = 2

    def __init__(self, files: Mapping[str, bytes]) -> None:
        """`files`: what `name_shards` made (relative path → bytes)."""
        self._files = files
        self._index: _Index | None = None
        self._shards: dict[str, _Shard | None] = {}
        self._parts: dict[int, dict[str, str]] = {}
        self._shards_of: dict[str, list[str]] = {}  # typed word → its shards (the web app asks again and again)
        self.fetched: set[str] = set()  # the files search.js would have fetched so far

    @classmethod
    def of(cls, records: Iterable[NameRecord]) -> NameSearch:
        return cls(name_shards(records))

    def search(self, query: str, limit: int = 10) -> list[NameHit]:
        """Medicines whose name, generic name, synonym or brand matches `query`, best first."""
        typed = words(query)
        if not typed or limit <= 0:
            return []
        index = self._read_index()
        best: dict[str, NameHit] = {}
        keys = self._shards_of.get(typed[0])
        if keys is None:
            if len(self._shards_of) >= 4096:  # bounded: the web app's queries come from anyone
                self._shards_of.clear()
            keys = self._shards_of[typed[0]] = shards_for(typed[0], index, self.TYPO_SHARDS, self._listed)
        for key in keys:
            shard = self._shard(key)
            if shard is None:
                continue
            found: dict[int, tuple[float, _Name]] = {}
            for name in shard.names:
                s = name_score(typed, name.words, index.stop)
                if not s:
                    continue
                s += name.bonus
                for i in name.pages:
                    seen = found.get(i)
                    if seen is None or s > seen[0]:
                        found[i] = (s, name)
            for i, (s, name) in found.items():
                title, path, empty = shard.pages[i]
                seen_hit = best.get(path)
                if seen_hit is None or s > seen_hit.score:
                    best[path] = NameHit(title=title, path=path, matched=name.name, via=name.via, score=s, empty=empty)
        hits = list(best.values())
        # search.js sorts stably: score, then the shorter title, then by title.
        hits.sort(key=lambda hit: (-hit.score, len(hit.title), hit.title))
        return hits[:limit]

    def _read_index(self) -> _Index:
        if self._index is None:
            data = self._files.get(f"{NAMES_DIR}/index.json")
            parsed = json.loads(data) if data is not None else {}
            if data is not None:
                self.fetched.add(f"{NAMES_DIR}/index.json")
            self._index = _Index.of(parsed)
        return self._index

    def _shard(self, key: str) -> _Shard | None:
        if key not in self._shards:
            data = self._files.get(f"{NAMES_DIR}/{key}.json")
            if data is not None:
                self.fetched.add(f"{NAMES_DIR}/{key}.json")
            self._shards[key] = None if data is None else _parse_shard(json.loads(data))
        return self._shards[key]

    def _listed(self, keys: list[str]) -> list[str]:
        """The listed words filed under any of these typo keys, sorted."""
        parts = self._read_index().parts
        found: set[str] = set()
        for key in keys:
            number = part_of(key, parts) if parts else -1
            if number not in self._parts:
                data = self._files.get(f"{NAMES_DIR}/w-{number}.json")
                if data is not None:
                    self.fetched.add(f"{NAMES_DIR}/w-{number}.json")
                self._parts[number] = {} if data is None else json.loads(data)
            found.update(self._parts[number].get(key, "").split())
        return sorted(found)


def key_of(word: str, keys: frozenset[str]) -> str | None:
    """The shard a word is in: its first one, two, three… letters, whichever the index has."""
    for letters in range(1, MAX_KEY_LETTERS + 1):
        key = shard_key(word, letters)
        if key in keys:
            return key
    return None


def shards_for(typed: str, index: _Index, others: int, listed: Callable[[list[str]], list[str]]) -> list[str]:
    """The shards to look a typed word up in: its own, then those of up to `others` listed words
    within a typo of it (a whole word first, nearest first; then, when no listed word starts
    with what was typed, words whose start is within a typo: still typing). Candidates at the
    same distance keep the list's order, as search.js's stable sort keeps them.

    The listed words come from the parts of the typed word's `typo_keys` (`listed` reads them):
    every word within one typo shares a key with it. When none of them is near at all and two
    typos are allowed, the keys with two deletions and the `tail_keys` are read too
    (`phluconazole`, `seterizine`)."""
    own = key_of(typed, index.keys)
    found = [own] if own else []
    limit = allowed_typos(typed)
    if not limit:
        return found
    candidates = _near(typed, listed(typo_keys(typed, 1)), limit)
    if candidates is None and limit == 2:
        candidates = _near(typed, listed(typo_keys(typed, 2) + tail_keys(typed, typed=True)), limit)
    added = 0
    for w in candidates or ():
        key = key_of(w, index.keys)
        if key is not None and key not in found:
            if added == others:
                break
            found.append(key)
            added += 1
    return found


def _near(typed: str, listed: list[str], limit: int) -> list[str] | None:
    """The words of `listed` (sorted) within `limit` typos of `typed`, nearest first, then
    (when none starts with `typed`) those whose start is; None when nothing is near at all."""
    n = len(typed)
    whole = sorted((d, position, w) for position, w in enumerate(listed)
                   if abs(len(w) - n) <= limit and (d := distance(typed, w, limit)) <= limit)
    if any(w.startswith(typed) for w in listed):
        return [w for _, _, w in whole]
    whole_words = {w for _, _, w in whole}
    starts = sorted((d, position, w) for position, w in enumerate(listed)
                    if len(w) > n and w not in whole_words and (d := distance(typed, w[:n], limit)) <= limit)
    if not whole and not starts:
        return None
    return [w for _, _, w in whole] + [w for _, _, w in starts]


def _parse_shard(shard: dict) -> _Shard:
    pages = tuple((page[0], page[1] if page[1] != 0 else guessed_path(page[0]) or "", page[2:3] == [1])
                  for page in shard["p"])
    names = [_Name(tuple(words(page[0])), (i,), page[0], None, _TITLE_BONUS) for i, page in enumerate(shard["p"])]
    for kind, label, bonus in _KINDS:
        group = shard.get(kind) or {}
        for name in _object_keys(group):
            names.append(_Name(tuple(words(name)), tuple(group[name]), name, f"{label}: {name}", bonus))
    return _Shard(pages, tuple(names))


def _object_keys(group: dict[str, list[int]]) -> list[str]:
    """The keys in JavaScript's `Object.keys` order: array-index keys ("500") first, by value."""
    numeric = sorted((k for k in group if _ARRAY_INDEX.match(k) and int(k) < 2**32 - 1), key=int)
    return numeric + [k for k in group if k not in set(numeric)]


# --------------------------------------------------------------------------- full text

# search.js's list of words not searched: STOPWORDS without its short words, which are
# skipped anyway, and without "into", which search.js does look for (as a prefix).
_TEXT_STOPWORDS = STOPWORDS - {"into"}


@dataclass(frozen=True)
class TextHit:
    """One page found by its words."""

    title: str
    path: str  # "a/aspirin" (no trailing slash)
    score: float


class TextSearch:
    """The full-text index as search.js's `searchText` reads it: `meta.json`, the main and delta
    shards and the document tables, parsed when first needed."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        """`files`: the index files (relative path → bytes), e.g. those a build wrote under `search/ft/`."""
        self._files = files
        self._parsed: dict[str, Any] = {}

    def search(self, query: str, limit: int = 20) -> list[TextHit]:
        """Pages with every query word (or, failing that, any), best first."""
        typed = [w for w in words(query) if len(w) >= 3 and w not in _TEXT_STOPWORDS]
        meta = self._json("meta.json")
        if not typed or meta is None or limit <= 0:
            return []
        dead = set(meta["dead"])
        per_word: list[dict[int, float]] = []
        for q in typed:
            prefix = q[:2]
            scores: dict[int, float] = {}
            if prefix in meta["prefixes"]:
                _add_postings(self._json(f"{prefix}.json"), q, scores, dead)
            if prefix in meta["delta"]:
                _add_postings(self._json(f"d-{prefix}.json"), q, scores, None)
            per_word.append(scores)
        total: dict[int, float] = {}
        hits: dict[int, int] = {}
        for scores in per_word:
            for doc_id, s in scores.items():
                total[doc_id] = total.get(doc_id, 0) + s
                hits[doc_id] = hits.get(doc_id, 0) + 1
        ids = [doc_id for doc_id in total if hits[doc_id] == len(per_word)] or list(total)
        ids.sort(key=lambda doc_id: (-total[doc_id], doc_id))
        found = []
        for doc_id in ids[:limit]:
            doc = self._document(meta, doc_id)
            if doc is not None:
                found.append(TextHit(title=doc[0], path=doc[1], score=total[doc_id]))
        return found

    def _document(self, meta: dict, doc_id: int) -> tuple[str, str] | None:
        own = meta["docs"].get(str(doc_id))
        if own is None:
            chunk = self._json(f"docs/{doc_id // meta['chunk']}.json")
            index = doc_id % meta["chunk"]
            own = chunk[index] if chunk is not None and index < len(chunk) else None
        if not own:
            return None
        title, path = own
        return title, path if path != 0 else guessed_path(title) or ""

    def _json(self, name: str) -> Any:
        if name not in self._parsed:
            data = self._files.get(f"{FULLTEXT_DIR}/{name}")
            self._parsed[name] = None if data is None else json.loads(data)
        return self._parsed[name]


def _add_postings(shard: dict[str, list[int]] | None, q: str, scores: dict[int, float], dead: set[int] | None) -> None:
    if not shard:
        return
    matched = [(term, 1 if term == q else 0.7) for term in shard if term.startswith(q)]
    limit = allowed_typos(q)
    if not matched and limit:
        matched = [(term, 0.6) for term in shard if distance(q, term, limit) <= limit]
    for term, weight in matched:
        flat = shard[term]
        doc_id = 0
        for i in range(0, len(flat), 2):
            doc_id += flat[i]
            if dead is not None and doc_id in dead:
                continue
            s = flat[i + 1] * weight
            if s > scores.get(doc_id, 0):
                scores[doc_id] = s
