"""Front matter read without the YAML parser when it is simple: always what YAML itself reads."""

from __future__ import annotations

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from medpages.catalog.seed_reader import (
    parse_seed_markdown_with_findings,
    simple_front_matter,
)

_WORDS = st.sampled_from([
    "true", "False", "yes", "NO", "on", "Off", "y", "n", "null", "Null", "~", "1", "0x1F", "1_000", "1.5", "1e3",
    ".inf", "2024-01-01", "12:30", "title", "layout", "nav_exclude", "Aspirin 75mg", "minimal-medicine", "a b",
    "x#y", "a: b", "- item", "'quoted'", "\"double\"", "*alias", "&anchor", "!tag", "[1, 2]", "{a: 1}", "%", "@",
    "Co-codamol 30/500", "Ibuprofen (200mg)", "50%", "é", "",
])
_LINE = st.tuples(st.one_of(_WORDS, st.text("abyn_-:# 1.", max_size=6)), st.sampled_from([": ", ":", ":  ", ": \t"]),
                  st.one_of(_WORDS, st.text("abtrueno 01.:#-/()%,+", max_size=12)), st.sampled_from(["", " ", "  "]))


@given(st.lists(_LINE, min_size=1, max_size=5))
@example([("title", ": ", "Aspirin 75mg", ""), ("nav_exclude", ": ", "true", " "), ("layout", ": ", "home", "")])
@example([("on", ": ", "x", "")])
@example([("title", ": ", "2024-01-01", "")])
def test_simple_front_matter_is_what_yaml_reads(lines) -> None:
    raw = "\n".join(key + separator + value + trailing for key, separator, value, trailing in lines)
    read = simple_front_matter(raw)
    if read is not None:
        assert read == yaml.load(raw, Loader=yaml.CSafeLoader), raw
        assert [type(value) for value in read.values()] == [
            type(value) for value in yaml.load(raw, Loader=yaml.CSafeLoader).values()]


_PLAIN_KEY = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True), _WORDS)
_PLAIN_VALUE = st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._()+,%/-]{0,12}", fullmatch=True), _WORDS)


@given(st.lists(st.tuples(_PLAIN_KEY, _PLAIN_VALUE), min_size=1, max_size=4))
def test_plain_keys_and_values_are_read_as_yaml_reads_them(pairs) -> None:
    """Mostly lines the fast path takes: each read as YAML reads it, or left to the parser."""
    raw = "\n".join(f"{key}: {value}" for key, value in pairs)
    read = simple_front_matter(raw)
    if read is not None:
        parsed = yaml.load(raw, Loader=yaml.CSafeLoader)
        assert read == parsed and [type(v) for v in read.values()] == [type(v) for v in parsed.values()], raw


def test_a_typical_page_takes_the_fast_path_and_anything_else_the_parser(seed_text) -> None:
    assert simple_front_matter("layout: minimal-medicine\nnav_exclude: true\ntitle: Metformin 500mg") == {
        "layout": "minimal-medicine", "nav_exclude": True, "title": "Metformin 500mg"}
    for raw in ("title: 2024-01-01", "title: 'Quoted'", "yes: x", "title: Café 5mg", "tags:\n  - a", "title: ~"):
        assert simple_front_matter(raw) is None, raw
    page, _ = parse_seed_markdown_with_findings("---\ntitle: 2024-01-01\nnav_exclude: yes\n---\n\n# Aspirin\n")
    assert (page.front_matter.title, page.front_matter.nav_exclude) == ("2024-01-01", True)
