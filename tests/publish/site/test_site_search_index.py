"""The static search index: name shards, the slug rule search.js repeats, full-text main and delta."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from site_samples import full_page, medicine, skeleton

from medpages.catalog.slug import folder_for, slugify
from medpages.model import TextSection
from medpages.publish.site import build_site
from medpages.publish.site.search_index import (
    MAX_POSTINGS,
    NameRecord,
    guessed_path,
    key_tree,
    name_shards,
    page_terms,
    part_of,
    tail_keys,
    tree_keys,
    typo_keys,
    words,
)


def shard(files: dict[str, bytes], key: str) -> dict:
    return json.loads(files[f"search/names/{key}.json"])


def test_brands_synonyms_and_ingredients_point_at_the_page():
    para = medicine("Paracetamol 500mg", generic_name="Paracetamol", synonyms=["acetaminophen"], brands=["Calpol", "Tylenol"])
    combo = medicine("Amoxicillin + Clavulanic Acid 625mg", synonyms=["co-amoxiclav"])
    files = name_shards([NameRecord.of(para), NameRecord.of(combo)])
    t = shard(files, "t")
    assert t["p"] == [["Paracetamol 500mg", 0]]  # 0: the path follows from the title
    assert t["b"] == {"Tylenol": [0]}
    a = shard(files, "a")
    titles = [title for title, _ in a["p"]]
    assert [titles[i] for i in a["s"]["acetaminophen"]] == ["Paracetamol 500mg"]
    assert [titles[i] for i in a["s"]["co-amoxiclav"]] == ["Amoxicillin + Clavulanic Acid 625mg"]
    assert [p[0] for p in shard(files, "c")["p"]] == ["Paracetamol 500mg", "Amoxicillin + Clavulanic Acid 625mg"]
    assert "search/names/6.json" not in files and "search/names/0.json" not in files  # strengths find nothing
    assert "g" not in shard(files, "p")  # "Paracetamol" adds nothing to the title's own words
    index = json.loads(files["search/names/index.json"])
    assert index["keys"] == "acpt"
    listed = {word for number in range(index["parts"])
              for found in json.loads(files[f"search/names/w-{number}.json"]).values() for word in found.split()}
    assert {"acetaminophen", "paracetamol", "tylenol", "calpol", "clavulanic"} <= listed
    assert {"sodium", "hydrochloride", "tablets"} <= set(index["stop"])


def test_the_word_list_files_each_word_under_its_typo_keys():
    records = [NameRecord.of(medicine(f"{stem}{end} 10mg")) for stem in ("Ibupro", "Parace", "Fluco", "Metfor")
               for end in ("fen", "tamol", "nazole", "min", "lol", "pril")]
    files = name_shards(records)
    index = json.loads(files["search/names/index.json"])
    for word in ("ibuprofen", "fluconazole", "metformin"):
        for key in typo_keys(word):
            part = json.loads(files[f"search/names/w-{part_of(key, index['parts'])}.json"])
            assert word in part[key].split()
    assert typo_keys("ibuprofen") == ["bupr", "ibpr", "ibup", "ibur", "iupr"]


@given(st.text(alphabet="abcde", min_size=4, max_size=10), st.data())
def test_two_words_within_a_typo_share_a_typo_key(word, data):
    """So the parts of a typed word's keys hold every listed word within one typo of it."""
    from medpages.publish.site.search_query import distance

    typed = _typos(data.draw, word, 1)
    if len(typed) >= 4 and distance(typed, word, 1) <= 1:
        assert set(typo_keys(typed)) & set(typo_keys(word))


def _typos(draw, word: str, count: int) -> str:
    for _ in range(count):
        position = draw(st.integers(0, len(word) - 1))
        letter = draw(st.sampled_from("abcdef"))
        word = draw(st.sampled_from([
            word[:position] + letter + word[position + 1:],  # a letter changed
            word[:position] + letter + word[position:],  # one added
            word[:position] + word[position + 1:],  # one left out
            word[:position] + word[position + 1: position + 2] + word[position] + word[position + 2:],  # two swapped
        ]))
    return word


@given(st.text(alphabet="abcde", min_size=6, max_size=12), st.data())
def test_two_words_within_two_typos_share_a_key_with_two_deletions_or_a_tail_key(word, data):
    """So a typed word of eight letters or more, where two typos are forgiven, finds every listed
    word within two typos of it in the parts of these keys (when its one-typo keys found none)."""
    from medpages.publish.site.search_query import distance

    typed = _typos(data.draw, word, 2)
    if len(typed) >= 8 and distance(typed, word, 2) <= 2:
        assert set(typo_keys(typed, 2) + tail_keys(typed, typed=True)) & set(typo_keys(word) + tail_keys(word))


@given(st.sets(st.text(alphabet="abc0_", min_size=1, max_size=4), max_size=30))
def test_the_key_tree_gives_back_its_keys(keys):
    keys = {k for k in keys if not any(o != k and o.startswith(k) for o in keys)}  # as shards: none starts another
    assert tree_keys(key_tree(keys)) == keys


def test_a_page_not_yet_written_is_marked_in_the_index_and_the_results():
    from medpages.publish.site.search_query import NameSearch

    written, empty = medicine("Metformin 500mg"), medicine("Metoprolol 50mg")
    files = name_shards([NameRecord.of(written), NameRecord.of(empty, empty=True)])
    assert shard(files, "m")["p"] == [["Metformin 500mg", 0], ["Metoprolol 50mg", 0, 1]]
    hits = {hit.title: hit.empty for hit in NameSearch(files).search("met")}
    assert hits == {"Metformin 500mg": False, "Metoprolol 50mg": True}


def test_a_large_shard_is_split_by_two_then_three_letters_and_so_on():
    records = [NameRecord.of(medicine(f"P{a}{b}lomycin 10mg")) for a in "aeiou" for b in "bcdfghjklmnpqrstvwxyz"]
    records += [NameRecord.of(medicine(f"Pa{n:04d}zole {n}mg")) for n in range(1200)]
    records += [NameRecord.of(medicine(f"Pax{n:04d}ine {n}mg")) for n in range(1200)]
    files = name_shards(records)
    keys = tree_keys(json.loads(files["search/names/index.json"])["keys"])
    assert "p" not in keys and "pe" in keys and "pa0" in keys and "pax" not in keys and "pax0" in keys
    assert any(title.startswith("Pa0001zole") for title, _ in shard(files, "pa0")["p"])
    assert all(len(data) < 40_000 for path, data in files.items() if not path.endswith("index.json"))


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=60))
def test_search_js_slug_rule_matches_the_catalogue(title):
    guessed = guessed_path(title)
    if guessed is not None:
        assert guessed == f"{folder_for(title)}/{slugify(title)}"


def test_words_fold_accents_like_the_browser():
    assert words("Éfavirenz 600mg, CO-Amoxiclav") == ["efavirenz", "600mg", "co", "amoxiclav"]


def test_page_terms_weigh_names_and_skip_fixed_texts():
    med = medicine("Ibuprofen 400mg", brands=["Nurofen"])
    terms = page_terms(med, full_page(med))
    assert terms["ibuprofen"] > terms["heartburn"] > terms["food"]
    assert "nurofen" in terms and "dizziness" in terms
    assert "consult" not in terms and "healthcare" not in terms  # the Disclaimer is on every page
    assert "the" not in terms and "400" not in terms


def test_the_built_site_marks_its_empty_pages_in_the_name_index(tmp_path):
    from medpages.publish.site.search_query import NameSearch

    written, empty = medicine("Metformin 500mg"), medicine("Metoprolol 50mg")
    site = tmp_path / "site"
    build_site([(written, full_page(written)), (empty, skeleton(empty))], site, state_dir=tmp_path / "state")
    files = {f"search/names/{path.name}": path.read_bytes() for path in (site / "search/names").glob("*.json")}
    assert {hit.title: hit.empty for hit in NameSearch(files).search("met")} == {
        "Metformin 500mg": False, "Metoprolol 50mg": True}
    # The page gets written: the next build's index says so.
    build_site([(written, full_page(written)), (empty, full_page(empty))], site, state_dir=tmp_path / "state")
    files = {f"search/names/{path.name}": path.read_bytes() for path in (site / "search/names").glob("*.json")}
    assert not any(hit.empty for hit in NameSearch(files).search("met"))


def test_full_text_delta_then_a_new_main_index(tmp_path):
    meds = [medicine(f"Medicine {n:03d} 5mg") for n in range(80)]
    entries = [(m, skeleton(m)) for m in meds]
    site, state = tmp_path / "site", tmp_path / "state"

    def build():
        return build_site(entries, site, state_dir=state)

    assert build().full_text == "full"
    meta = json.loads((site / "search/ft/meta.json").read_text())
    assert meta["dead"] == [] and meta["docs"] == {}
    for number in range(3):
        page = skeleton(meds[number])
        page.usage = TextSection(lead=f"Zorbulent relief number {number}.")
        entries[number] = (meds[number], page)
    report = build()
    assert report.full_text == "delta"
    meta = json.loads((site / "search/ft/meta.json").read_text())
    assert sorted(meta["dead"]) == [0, 1, 2] and len(meta["docs"]) == 3
    delta = json.loads((site / "search/ft/d-zo.json").read_text())
    assert sorted(delta) == ["zorbulent"]

    del entries[10]  # a removed page's id is ignored until the next main index
    report = build()
    assert 10 in json.loads((site / "search/ft/meta.json").read_text())["dead"]
    for number in range(20, 80):  # many changes: the next build makes a new main index
        page = skeleton(meds[number])
        page.usage = TextSection(lead="Changed.")
        entries[number - 1] = (meds[number], page)
    assert build().full_text == "delta"
    report = build()
    assert report.full_text == "full"
    meta = json.loads((site / "search/ft/meta.json").read_text())
    assert meta["dead"] == [] and meta["docs"] == {}
    assert not list(site.glob("search/ft/d-*.json"))
    main = json.loads((site / "search/ft/zo.json").read_text())
    assert len(main["zorbulent"]) == 6  # three pages: id gap and score each


def test_postings_are_capped_at_the_best_pages(tmp_path):
    meds = [medicine(f"Capped {n:03d} 1mg") for n in range(MAX_POSTINGS + 20)]
    entries = []
    for number, med in enumerate(meds):
        page = skeleton(med)
        page.usage = TextSection(lead="Sleepiness " * (1 if number < 20 else 3))  # the first 20 score lower
        entries.append((med, page))
    build_site(entries, tmp_path / "site", state_dir=tmp_path / "state")
    flat = json.loads((tmp_path / "site/search/ft/sl.json").read_text())["sleepiness"]
    assert len(flat) == 2 * MAX_POSTINGS
    assert flat[0] == 20  # the first id kept is the first page with the higher score


def test_an_index_from_before_the_key_tree_still_finds_names_in_their_own_shard():
    """A site built before the word list was split keeps its old index.json until a build remakes
    the name index: its shards are still found, without the typo lookup."""
    from medpages.publish.site.search_query import NameSearch

    files = name_shards([NameRecord.of(medicine("Ibuprofen 200mg")), NameRecord.of(medicine("Codeine 30mg"))])
    old = {path: data for path, data in files.items() if "/w-" not in path}
    old["search/names/index.json"] = json.dumps({"v": 2, "keys": ["c", "i"], "words": "codeine ibuprofen",
                                                 "stop": []}).encode()
    assert [hit.title for hit in NameSearch(old).search("ibuprofen")] == ["Ibuprofen 200mg"]
    assert NameSearch(old).search("ubuprofen") == []
