"""The static search index: small JSON files that `static/search.js` fetches a few at a time.

Two indexes, both split into shards so that a query downloads only what it needs:

- names (`search/names/<k>.json`): titles, generic names, synonyms and brands, sharded by the
  first character of each word. The browser matches them with edit distance, so a misspelled
  name or a brand still leads to the medicine's page.
- full text (`search/ft/`): every word of the pages' content, sharded by its first two
  characters, each word's postings capped at the best `MAX_POSTINGS` pages. Pages changed
  since the last full index go to a small delta index instead, so one edit rewrites a few
  small files; the next full build folds the delta back in (see `FullTextIndex`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from medpages.catalog.canonical import SALT_WORDS, brand_display, load_dictionary
from medpages.catalog.national_names import names_for, us_name
from medpages.errors import MedpagesError
from medpages.model import (
    FAQ,
    ExtraSection,
    FAQs,
    Medicine,
    Page,
    SideEffect,
    SideEffects,
    Source,
    TextSection,
)
from medpages.publish.site.markup import plain_text
from medpages.publish.site.state import FULLTEXT_VERSION

NAMES_DIR = "search/names"
FULLTEXT_DIR = "search/ft"
DOCS_PER_CHUNK = 32
MAX_POSTINGS = 200
MIN_TERM, MAX_TERM = 3, 32

_WORDS = re.compile(r"[a-z0-9]+")
# Words too common in medicine pages to help find one; short words are skipped anyway.
STOPWORDS = frozenset("""
about after again all also and any are because been before being both but can cannot could
did does doing don during each few for from further had has have having her here hers him his
how its itself just may might more most must not now off once only other our out over own same
she should some such than that the their them then there these they this those through too
under until very was were what when where which while who whom why will with would you your
it's is be or by on in of to an as at if it no so do we us my me he up into
""".split())


def fold(text: str) -> str:
    """Lower case ASCII, accents removed: what both the index and the browser compare."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return text.lower()


def words(text: str) -> list[str]:
    return _WORDS.findall(fold(text))


# --------------------------------------------------------------------------- names


@dataclass(frozen=True)
class NameRecord:
    """What the name index knows of one medicine page."""

    title: str
    path: str  # "a/aspirin" (no trailing slash)
    generic: tuple[str, ...]  # generic name and ingredients
    synonyms: tuple[str, ...]
    brands: tuple[str, ...]
    empty: bool = False  # the page is not written yet: results say so, as the letter pages do

    @classmethod
    def of(cls, medicine: Medicine, empty: bool = False) -> NameRecord:
        generic = [medicine.generic_name] if medicine.generic_name else []
        generic += medicine.ingredients
        synonyms = list(medicine.synonyms)
        brands = [brand_display(brand) for brand in medicine.brands]
        for ingredient in medicine.ingredients:
            linked_synonyms, linked_brands = linked_names(ingredient)
            if len(medicine.ingredients) == 1:
                synonyms += linked_synonyms
                brands += linked_brands
        if len(medicine.ingredients) > 1:  # "Paracetamol + Codeine" finds co-codamol, in any order
            synonyms.append(" + ".join(inn_name(ingredient) for ingredient in medicine.ingredients))
        return cls(
            title=medicine.title,
            path=f"{medicine.letter}/{medicine.slug}",
            generic=_unique(g for g in generic if fold(g) != fold(medicine.title)),
            synonyms=_unique(s for s in synonyms if _typeable(s)),
            brands=_unique(brands),
            empty=empty,
        )


def _typeable(name: str) -> bool:
    """A name a reader might type: not a chemical name (`4'-hydroxyacetanilide`,
    `1,2,3-propanetriyl nitrate`) nor an inverted index heading (`acetate, epinephrine`)."""
    return "," not in name and not any(w[0].isdigit() and len(w) > 1 for w in words(name))


@lru_cache(maxsize=4096)
def linked_names(ingredient: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names the curated vocabulary (`catalog/data/uk_names.toml`) links to an ingredient
    beyond the dictionary's own entry for it: its INN, US and older names (`GTN`, `thyroxine`), and
    the brands the dictionary files under one of those names as a drug of its own (Synthroid under
    `thyroxine`, Piriton under `chlorphenamine`). Returns (synonyms, brands)."""
    names = names_for(us_name(ingredient) or ingredient)
    if names is None:
        return (), ()
    try:
        dictionary = load_dictionary()
    except MedpagesError:  # no dictionary installed: the table's spellings still help
        return (names.inn, names.us, *names.also), ()
    own = dictionary.canonical_key(names.us.lower())
    synonyms: list[str] = [names.inn, names.us, *names.also]
    brands: list[str] = []
    for spelling in (names.inn, names.us, *names.also):
        key = dictionary.canonical_key(spelling.lower())
        if key is not None and key != own:
            drug = dictionary.drug(key)
            synonyms += (drug.name, *drug.synonyms)
            brands += (brand_display(b) for b in drug.brands)
    return tuple(synonyms), tuple(brands)


@lru_cache(maxsize=4096)
def inn_name(ingredient: str) -> str:
    """The international name of an ingredient (`Acetaminophen` -> `paracetamol`), or the name itself."""
    names = names_for(us_name(ingredient) or ingredient)
    return names.inn if names else ingredient


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())[:200]
        if name and fold(name) not in seen:
            seen[fold(name)] = name
    return tuple(seen.values())


# Words that many names share (salts, forms): a name is not found from them, or every
# "... hydrochloride" would sit in the `h` shard. A typed one that matches nothing is passed over
# ("levothyroxine sodium" finds Levothyroxine), so search.js gets this list in `index.json`.
NAME_STOPWORDS = frozenset("""
hydrochloride hcl hydrobromide sodium potassium calcium magnesium besylate besilate maleate mesylate
mesilate succinate sulfate sulphate phosphate acetate citrate tartrate fumarate trihydrate dihydrate
monohydrate hyclate bromide dipropionate propionate chloride oxide acid and with tablet tablets capsule
capsules injection oral solution suspension syrup cream ointment gel drops eye ear nasal spray powder
extended release modified delayed film coated chewable dispersible effervescent for
""".split()) | (SALT_WORDS - {"calcium carbonate"})
# Shards are keyed by the first letter of a word; one over SHARD_BYTES is split by the first two,
# then three letters, and so on (a site of 100,000 medicines needs five).
SHARD_BYTES = 24_000
MAX_KEY_LETTERS = 6
# Words this long or longer are listed for typos in their first letters, in parts (`w-<n>.json`)
# of about PART_BYTES, each word under its TYPO_KEY_LETTERS-letter keys (see `typo_keys`).
TYPO_WORD_LETTERS = 4
TYPO_KEY_LETTERS = 4
PART_BYTES = 2_000


def shard_key(word: str, letters: int = 1) -> str:
    """The shard of a word keyed by its first `letters` characters: a digit first is `0`, and a
    word shorter than the key is padded with `_` (`d3` -> `d3_` at three letters)."""
    first = "0" if word[0].isdigit() else word[0]
    return (first + word[1:letters]).ljust(letters, "_")


def _key_words(name: str) -> list[str]:
    """The words a name is found from: its first word, and later words that start with a letter
    and are not a salt, form or strength (`Amoxicillin + Clavulanic Acid 625mg`: amoxicillin,
    clavulanic)."""
    found = words(name)
    return found[:1] + [w for w in found[1:] if w[0].isalpha() and w not in NAME_STOPWORDS and len(w) > 1]


@lru_cache(maxsize=65_536)
def guessed_path(title: str) -> str | None:
    """The page path `static/search.js` computes from a title (the catalogue's slug rule),
    or None when only the stored path will do (titles beyond printable ASCII, fallbacks)."""
    if not all(" " <= c <= "~" for c in title):
        return None
    slug = re.sub(r"-+", "-", re.sub(r"\s+", "-", re.sub(r"[^A-Za-z0-9\s]", "-", title))).lower()
    if not re.search(r"[a-z0-9]", slug) or len(slug) > 120:
        return None
    first = title.strip()[:1]
    if first.isalpha():
        folder = first.lower()
    elif first.isdigit():
        folder = "0-9"
    else:
        return None
    return f"{folder}/{slug}"


_Item = tuple[str, str, str, str, list]  # (key word, kind, name, page path, the page's entry in a shard)


def name_shards(records: Iterable[NameRecord]) -> dict[str, bytes]:
    """`search/names/<key>.json` → its bytes, the word list's parts `search/names/w-<n>.json`,
    and `search/names/index.json`.

    A shard: `{"p": [[title, path or 0(, 1 when not yet written)], …], "g"|"s"|"b": {name: [page index, …]}}` with
    generic names and ingredients (g), synonyms (s) and brands (b) pointing into `p`. Every name
    goes to the shard of each of its key words, keyed by the word's first letter; a shard over
    SHARD_BYTES is split by the first two letters, and again by three, and so on.

    `index.json` (`{"v": 3, "keys": "…", "parts": n, "stop": […]}`) holds the shard keys as a
    tree (`key_tree`), the number of word-list parts and the salt and form words a query may
    leave unmatched. A part (`{typo key: "word word …", …}`) lists the key words of
    TYPO_WORD_LETTERS letters or more under each of their `typo_keys`, the part of a key being
    `part_of(key, n)`. The browser fetches `index.json` once; a typed word is looked up in its
    own shard and in the shards of the listed words within a typo of it, found in the parts of
    its own typo keys, so a typo in the first letter ("ubuprofen") still finds the name while a
    first query fetches a few small parts, not every word of the catalogue.
    """
    items: list[_Item] = []
    for record in records:
        page = [record.title, 0 if guessed_path(record.title) == record.path else record.path]
        if record.empty:
            page.append(1)
        title_words = set(words(record.title))
        for kind, names in (("p", (record.title,)), ("g", record.generic), ("s", record.synonyms),
                            ("b", record.brands)):
            for name in names:
                key_words = _key_words(name)
                if kind != "p" and set(key_words) <= title_words and not set(words(name)) - title_words:
                    continue  # the title already finds the page from these words
                for word in dict.fromkeys(key_words):
                    items.append((word, kind, name, record.path, page))
    out: dict[str, bytes] = {}
    _place(items, 1, out)
    keys = [path[len(NAMES_DIR) + 1 : -5] for path in out]
    parts = word_list_parts(sorted({word for word, *_ in items if len(word) >= TYPO_WORD_LETTERS}))
    for number, part in enumerate(parts):
        out[f"{NAMES_DIR}/w-{number}.json"] = _json(part)
    out[f"{NAMES_DIR}/index.json"] = _json({"v": 3, "keys": key_tree(keys), "parts": len(parts),
                                            "stop": sorted(NAME_STOPWORDS)})
    return out


def _place(items: list[_Item], letters: int, out: dict[str, bytes]) -> None:
    grouped: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        grouped[shard_key(item[0], letters)].append(item)
    for key, part in sorted(grouped.items()):
        data = _name_shard(part)
        # (a shard keyed "index" would be index.json: "inde" is not split)
        if len(data) <= SHARD_BYTES or letters >= MAX_KEY_LETTERS or key.endswith("_") or key == "inde":
            out[f"{NAMES_DIR}/{key}.json"] = data
        else:
            _place(part, letters + 1, out)


def typo_keys(word: str, deletions: int = 1) -> list[str]:
    """The first TYPO_KEY_LETTERS letters of `word` after deleting at most `deletions` of its
    first TYPO_KEY_LETTERS + `deletions` letters (`ibuprofen`: ibup, bupr, iupr, ibpr, ibur).

    A listed word is filed under its keys with one deletion, and a typed word looks its keys up:
    two words within one typo of each other (a letter changed, added, left out, or two swapped,
    anywhere) always share a key, so the parts of the typed word's keys hold every listed word
    within a typo of it. With two deletions on the typed side, two typos at the start are found
    too when the typed word has the extra letters (`phluconazole`: luco, as `fluconazole`); the
    other two typos there through `tail_keys`.
    """
    head = word[: TYPO_KEY_LETTERS + deletions]
    keys = {head[:TYPO_KEY_LETTERS]}
    shorter = {head}
    for _ in range(deletions):
        shorter = {w[:i] + w[i + 1 :] for w in shorter for i in range(len(w))}
        keys.update(w[:TYPO_KEY_LETTERS] for w in shorter)
    return sorted(keys)


def tail_keys(word: str, typed: bool = False) -> list[str]:
    """A word of eight letters or more is also filed under its four letters after the first
    five, with its length (`cetirizine`: `izin.10`); a typed word (`typed`) looks up the
    four letters after its first three to seven, each with the length a listed word would
    have, so two typos in the first five letters are found too (`seterizine`)."""
    head = TYPO_KEY_LETTERS + 1
    if not typed:
        return [f"{word[head : head + 4]}.{len(word)}"] if len(word) >= 8 else []
    n = len(word)
    return sorted({f"{word[head + shift : head + shift + 4]}.{n - shift}"
                   for shift in range(-2, 3) if n - shift >= 8})


def part_of(key: str, parts: int) -> int:
    """The word-list part a typo key is in (32-bit FNV-1a of its characters, modulo `parts`),
    as search.js computes it."""
    h = 0x811C9DC5
    for c in key:
        h = ((h ^ ord(c)) * 0x01000193) & 0xFFFFFFFF
    return h % parts


def word_list_parts(listed: list[str]) -> list[dict[str, str]]:
    """The word list in parts of about PART_BYTES: each word (`listed` is sorted) under each of
    its `typo_keys` and `tail_keys`, a key's words space-separated."""
    by_key: dict[str, list[str]] = defaultdict(list)
    for word in listed:
        for key in (*typo_keys(word), *tail_keys(word)):
            by_key[key].append(word)
    size = sum(len(key) + 6 + sum(len(w) + 1 for w in found) for key, found in by_key.items())
    parts: list[dict[str, str]] = [{} for _ in range(max(1, -(-size // PART_BYTES)))]
    for key in sorted(by_key):
        parts[part_of(key, len(parts))][key] = " ".join(by_key[key])
    return parts


def key_tree(keys: Iterable[str]) -> str:
    """The shard keys as a tree, each key's last letter after its parent's letters: `a`, `ca`,
    `ce`, `cha`, `che` are `ac(aeh(ae))` (children sorted). A shard key is never the start of
    another, so a letter followed by `(` is a split key, not a shard."""
    children: dict[str, list[str]] = defaultdict(list)
    for key in sorted(keys):
        children[key[:1]].append(key[1:])
    text = []
    for first, rests in sorted(children.items()):
        text.append(first)
        if rests != [""]:
            text.append(f"({key_tree(rests)})")
    return "".join(text)


def tree_keys(tree: str) -> set[str]:
    """The shard keys of a `key_tree` (search.js reads it the same way)."""
    keys: set[str] = set()
    parents = [""]
    last = ""
    for c in tree:
        if c == "(":
            keys.discard(last)
            parents.append(last)
        elif c == ")":
            parents.pop()
        else:
            last = parents[-1] + c
            keys.add(last)
    return keys


def _name_shard(items: list[_Item]) -> bytes:
    pages: dict[str, int] = {}
    titles: list[list] = []
    groups: dict[str, dict[str, list[int]]] = {"g": {}, "s": {}, "b": {}}
    for _, kind, name, path, page in items:
        index = pages.get(path)
        if index is None:
            index = pages[path] = len(titles)
            titles.append(page)
        if kind != "p":
            group = groups[kind].setdefault(name, [])
            if index not in group:
                group.append(index)
    return _json({"p": titles, **{kind: group for kind, group in groups.items() if group}})


# --------------------------------------------------------------------------- full text


_ID_BITS = 24  # a posting is packed in one int: (99 - score) << 24 | document id


def page_terms(medicine: Medicine, page: Page) -> dict[str, int]:
    """The words of a page with a score: how often they occur, names and headings weighing more."""
    strong: list[str] = [medicine.title, *medicine.synonyms, *medicine.brands, *medicine.ingredients,
                         medicine.generic_name or "", page.generic_name or ""]
    labels: list[str] = []
    body: list[str] = []
    for key in page.present_sections():
        if key in ("disclaimer", "note", "generic_name"):
            continue  # the same on every page, or already counted
        value = page.section_value(key)
        if isinstance(value, (TextSection, SideEffects, FAQs)):
            body += (value.lead, value.closing)
            for item in value.items:
                if isinstance(item, SideEffect):
                    labels.append(item.name)
                    body.append(item.explanation)
                elif isinstance(item, FAQ):
                    labels.append(item.question)
                    body.append(item.answer)
                else:
                    labels.append(item.label or "")
                    body.append(item.text)
        elif isinstance(value, list):
            for row in value:
                if isinstance(row, Source):
                    body += (row.title, row.publisher or "")
                else:
                    body += (row.topic, row.verdict, row.advice)
        elif isinstance(value, ExtraSection):
            labels.append(value.heading)
            body.append(value.body)
    text = " ".join(labels) + " " + " ".join(body)
    if "](" in text:
        text = plain_text(text)  # link targets are not words of the page
    # Each occurrence counts once, up to 5; labels (side effect names, questions) count twice;
    # names count 8. A word's score is capped at 99.
    counts = Counter(_tokens(text))
    counts.update(_tokens(" ".join(labels)))
    scores = {word: (count if count < 5 else 5) for word, count in counts.items()}
    for word in _tokens(" ".join(strong)):
        scores[word] = scores.get(word, 0) + 8
    return {
        word.decode("ascii"): score if score < 99 else 99
        for word, score in scores.items()
        if MIN_TERM <= len(word) <= MAX_TERM and not word.isdigit() and word not in _STOPWORDS_BYTES
    }


# ASCII letters and digits kept (lower-cased), every other byte a space: tokenising with
# bytes.translate is several times faster than a regular expression, and the same words.
_WORD_BYTES = bytes(c + 32 if 65 <= c <= 90 else c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))
_STOPWORDS_BYTES = frozenset(word.encode("ascii") for word in STOPWORDS)


def _tokens(text: str) -> list[bytes]:
    """The words of `text` as `words` finds them, as ASCII bytes."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").translate(_WORD_BYTES).split()


def add_postings(postings: dict[str, list[int]], doc_id: int, terms: dict[str, int]) -> None:
    """Add a page's terms to `postings` (term → packed ints, `(99 - score) << 24 | doc id`)."""
    for word, score in terms.items():
        postings[word].append((99 - score) << _ID_BITS | doc_id)


def best_postings(postings: dict[str, list[int]]) -> dict[str, list[int]]:
    """Each term's MAX_POSTINGS best postings (highest score, then lowest id)."""
    return {word: packed if len(packed) <= MAX_POSTINGS else sorted(packed)[:MAX_POSTINGS]
            for word, packed in postings.items()}


def merge_postings(parts: Iterable[dict[str, list[int]]]) -> dict[str, dict[str, list[int]]]:
    """Postings collected in parts (one per worker) → prefix → term → flat [id gap, score, …]
    in id order, each term's best MAX_POSTINGS only."""
    merged: dict[str, list[int]] = {}
    for part in parts:
        for word, packed in part.items():
            if word in merged:
                merged[word] = merged[word] + packed
            else:
                merged[word] = packed
    mask = (1 << _ID_BITS) - 1
    shards: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for word, packed in merged.items():
        if len(packed) > MAX_POSTINGS:
            packed = sorted(packed)[:MAX_POSTINGS]
        packed = sorted(packed, key=lambda p: p & mask)
        flat: list[int] = []
        previous = 0
        for p in packed:
            doc_id = p & mask
            flat += (doc_id - previous, 99 - (p >> _ID_BITS))
            previous = doc_id
        shards[word[:2]][word] = flat
    return shards


@dataclass
class FullTextIndex:
    """The full-text index's state between builds (kept in the builder's state folder).

    `main` maps a page path to (document id, content hash) for pages in the main index;
    `delta` maps a page path to (document id, content hash, title, terms) for pages added or
    changed since. A page whose hash differs from `main` is looked up in the delta and its
    main postings are ignored; a page gone from the site is ignored by id.
    """

    main: dict[str, tuple[int, str]]
    delta: dict[str, tuple[int, str, str, dict[str, int]]]
    next_id: int
    prefixes: list[str] = field(default_factory=list)  # the main index's shards
    compact_next: bool = False  # the delta has grown: the next build makes a new main index
    version: int = FULLTEXT_VERSION

    @classmethod
    def empty(cls) -> FullTextIndex:
        return cls(main={}, delta={}, next_id=0)

    @classmethod
    def from_json(cls, data: dict) -> FullTextIndex:
        if data.get("version") != FULLTEXT_VERSION:
            return cls.empty()
        return cls(
            main={path: (entry[0], entry[1]) for path, entry in data["main"].items()},
            delta={path: (entry[0], entry[1], entry[2], entry[3]) for path, entry in data["delta"].items()},
            next_id=data["next_id"],
            prefixes=data["prefixes"],
            compact_next=data.get("compact_next", False),
        )

    def to_json(self) -> dict:
        return {"version": self.version, "next_id": self.next_id, "prefixes": self.prefixes,
                "compact_next": self.compact_next,
                "main": {p: list(e) for p, e in self.main.items()},
                "delta": {p: list(e) for p, e in self.delta.items()}}


def full_index_files(
    docs: list[tuple[str, str, str] | None], postings: Iterable[dict[str, list[int]]]
) -> tuple[FullTextIndex, dict[str, bytes]]:
    """A new main index: `docs[id]` is (path, content hash, title) of document `id` (None for
    an id not used) and `postings` the best postings per term, collected in parts."""
    state = FullTextIndex(main={}, delta={}, next_id=len(docs))
    table: list[list | None] = []
    for doc_id, doc in enumerate(docs):
        if doc is None:
            table.append(None)
            continue
        path, digest, title = doc
        state.main[path] = (doc_id, digest)
        table.append([title, 0 if guessed_path(title) == path else path])
    shards = merge_postings(postings)
    files = {f"{FULLTEXT_DIR}/{prefix}.json": _json(shard) for prefix, shard in shards.items()}
    for start in range(0, len(table), DOCS_PER_CHUNK):
        files[f"{FULLTEXT_DIR}/docs/{start // DOCS_PER_CHUNK}.json"] = _json(table[start : start + DOCS_PER_CHUNK])
    state.prefixes = sorted(shards)
    files.update(delta_files(state, set(state.main)))
    return state, files


def delta_files(state: FullTextIndex, live_paths: set[str]) -> dict[str, bytes]:
    """`meta.json` and the delta shards (`d-<prefix>.json`): pages changed since the main
    index, and the ids of main-index pages to ignore (changed or gone)."""
    dead = sorted(entry[0] for path, entry in state.main.items() if path in state.delta or path not in live_paths)
    postings: dict[str, list[int]] = defaultdict(list)
    for doc_id, _, _, terms in state.delta.values():
        add_postings(postings, doc_id, terms)
    shards = merge_postings([postings])
    docs = {str(entry[0]): [entry[2], 0 if guessed_path(entry[2]) == path else path]
            for path, entry in sorted(state.delta.items())}
    meta = {"v": FULLTEXT_VERSION, "chunk": DOCS_PER_CHUNK, "prefixes": state.prefixes,
            "delta": sorted(shards), "dead": dead, "docs": docs}
    files = {f"{FULLTEXT_DIR}/meta.json": _json(meta)}
    files.update({f"{FULLTEXT_DIR}/d-{prefix}.json": _json(shard) for prefix, shard in shards.items()})
    return files


def is_main_index_file(relative: str) -> bool:
    """A file of the main full-text index (written only by a full index build)."""
    if not relative.startswith(FULLTEXT_DIR + "/"):
        return False
    name = relative.rsplit("/", 1)[1]
    return name != "meta.json" and not name.startswith("d-")


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
