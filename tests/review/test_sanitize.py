"""Contributed text: every tag goes, unsafe link targets go, ordinary text stays as typed.

The judge is a real Markdown renderer (markdown-it-py, with raw HTML on and link validation off,
the most permissive a site could be): after cleaning, it must find no HTML and no link or image
whose target is not http(s) or relative.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from medpages.errors import InputError
from medpages.review.sanitize import (
    MAX_REASON_CHARS,
    MAX_SECTION_CHARS,
    clean_email,
    clean_text,
)

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/xss.js></SCRIPT>",
    "<script\x00>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</script><script>alert(1)</script>",
    "<<script>alert(1);//<</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<img src=`javascript:alert(1)`>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\"></object>",
    "<embed src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<form action=javascript:alert(1)><input type=submit>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<xmp><script>alert(1)</script></xmp>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><script>alert(1)</script></title>",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml version=\"1.0\"?><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "&amp;lt;script&amp;gt;alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#x3A;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](javascript\\:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](javascript:alert(1) \"title\")",
    "[a [b](javascript:alert(1))](vbscript:alert(2))",
    "[click][evil]\n\n[evil]: javascript:alert(1)",
    "[click][evil]\n\n[evil]: <data:text/html,x> \"t\"",
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<JAVASCRIPT:alert(1)>",
    "java\x00script:alert(1) <scr\x00ipt>alert(1)</scr\x00ipt>",
    "[x](java\tscript:alert(1))",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<sCrIpT>alert(1)</ScRiPt>",
    "<script>/*</script><script>*/alert(1)</script>",
    "<a href=# onclick=\"alert(1)\">x</a>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
]

_LEFT_OPEN = {
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
}
_SAFE_TARGET = re.compile(r"^(?:https?:|//|[^:]*$|[^:/?#]*[/?#])")


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = lambda url: True  # judge the targets ourselves, after the renderer's decoding
    return md


def _tokens(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def _target_is_safe(url: str) -> bool:
    url = "".join(c for c in url if not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf"))
    return bool(_SAFE_TARGET.match(url.lower()))


def _assert_harmless(cleaned: str) -> None:
    assert "<script" not in cleaned.lower()
    assert not re.search(r"<[a-z/!?]", cleaned, re.I), cleaned
    assert not re.search(r"<[^>]*\son\w+\s*=", cleaned, re.I), cleaned
    for token in _tokens(_renderer().parse(cleaned)):
        assert token.type not in ("html_inline", "html_block"), (cleaned, token)
        for attribute in ("href", "src"):
            target = token.attrGet(attribute)
            if target is not None:
                assert _target_is_safe(str(target)), (cleaned, target)
    html = _renderer().render(cleaned).lower()
    assert "<script" not in html
    assert not re.search(r"<[a-z]+[^>]*\son\w+\s*=", html), html
    assert not re.search(r"(?:href|src)=\"\s*(?:javascript|vbscript|data):", html), html


def test_the_corpus_is_large_enough():
    assert len(XSS_PAYLOADS) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_come_out_harmless(payload):
    _assert_harmless(clean_text(payload, field="text", max_chars=MAX_SECTION_CHARS, required=False))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_payloads_inside_ordinary_text_leave_the_text(payload):
    cleaned = clean_text(f"Take one tablet.\n\n{payload}\n\nStore below 25 °C.", field="text",
                         max_chars=MAX_SECTION_CHARS)
    _assert_harmless(cleaned)
    assert cleaned.startswith("Take one tablet.")
    # An element left open (`<style>`, SVG's `<animate>`) takes the text after it, as a browser would.
    if payload not in _LEFT_OPEN:
        assert cleaned.endswith("Store below 25 °C.")


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_cleaning_is_idempotent(payload):
    once = clean_text(payload, field="text", max_chars=MAX_SECTION_CHARS, required=False)
    assert clean_text(once, field="text", max_chars=MAX_SECTION_CHARS, required=False) == once


@pytest.mark.parametrize("text", [
    "5 < 10 mg",
    "AT&T and R&D",
    "Take <5 mg & no more than 10 mg > never",
    "Fish & chips &copy; a &notation",
    "Use 1 < x and y > 2.",
    "Tom's \"quoted\" text",
    "> a quoted line\n\n* a list item\n* **Bold:** text",
    "| Topic | Verdict | Advice |\n| --- | --- | --- |\n| Alcohol | Caution | Little |",
    "See [the label](https://dailymed.nlm.nih.gov/dailymed/) and [this page](../a/aspirin/).",
    "![chart](images/chart.png)",
    "Data: the trials enrolled 300 people. JavaScript: not needed.",
    "Ratio 1:2, time 10:30, [a note](#section-2)",
    "Tabs\tstay, emoji 💊 and accents é stay.",
])
def test_ordinary_text_survives_as_typed(text):
    assert clean_text(text, field="text", max_chars=MAX_SECTION_CHARS) == text


def test_tags_go_and_their_text_stays():
    assert clean_text("<b>Bold</b> and <em>emphasis</em>", field="text", max_chars=100) == "Bold and emphasis"
    assert clean_text("before<script>alert(1)</script>after", field="text", max_chars=100) == "beforeafter"
    assert clean_text("x<style>p { color: red }</style>y", field="text", max_chars=100) == "xy"


def test_unsafe_link_targets_go_and_their_text_stays():
    assert clean_text("Read [this](javascript:alert(1)) now", field="text", max_chars=100) == "Read this now"
    assert clean_text("An ![image](data:image/png;base64,xx).", field="text", max_chars=100) == "An image."
    assert clean_text("[ok](https://a.org/x_(y)) [no](vbscript:x)", field="text", max_chars=100) == (
        "[ok](https://a.org/x_(y)) no")


def test_reference_definitions_lose_an_unsafe_target_only():
    text = "See [the label][1].\n\n[1]: javascript:alert(1) \"title\"\n[2]: https://dailymed.nlm.nih.gov/"
    assert clean_text(text, field="text", max_chars=200) == (
        "See [the label][1].\n\n[1]: \"title\"\n[2]: https://dailymed.nlm.nih.gov/")


def test_autolinks_keep_http_and_lose_other_schemes():
    assert clean_text("See <https://example.org/a>.", field="text", max_chars=100) == (
        "See [https://example.org/a](https://example.org/a).")
    assert clean_text("Mail <help@example.org>.", field="text", max_chars=100) == "Mail help@example.org."
    assert clean_text("x <javascript:alert(1)> y", field="text", max_chars=100) == "x  y"


def test_control_characters_line_ends_and_trailing_spaces():
    text = "line one  \r\nline\x00 two\x07\rline three\t\n\n\n"
    assert clean_text(text, field="text", max_chars=100) == "line one\nline two\nline three"


def test_limits_name_the_field_and_the_limit():
    with pytest.raises(InputError, match=r"^reason: 612 characters, at most 500$"):
        clean_text("x" * 612, field="reason", max_chars=MAX_REASON_CHARS)
    with pytest.raises(InputError, match=r"^reason: required$"):
        clean_text(" \n <b></b> ", field="reason", max_chars=MAX_REASON_CHARS)
    assert clean_text("", field="name", max_chars=100, required=False) == ""
    with pytest.raises(InputError, match="text: .* characters, at most 10"):
        clean_text("y" * 1_000_000, field="text", max_chars=10)


def test_the_limit_counts_the_cleaned_text():
    assert clean_text("<b>" + "x" * 500 + "</b>", field="reason", max_chars=500) == "x" * 500


@pytest.mark.parametrize("address", ["jane@example.org", " j.doe+tag@mail.example.co.uk "])
def test_email_shapes_accepted(address):
    assert clean_email(address) == address.strip()


@pytest.mark.parametrize("address", ["jane", "jane@", "@example.org", "a b@example.org", "a@b",
                                     "<script>@x.org", "a@example.org\nBcc: b@x.org", "x" * 250 + "@e.org"])
def test_email_shapes_refused(address):
    with pytest.raises(InputError, match="^email: "):
        clean_email(address)


def test_empty_email_is_allowed():
    assert clean_email("  ") == ""


@settings(deadline=None)
@given(st.text(max_size=300))
def test_any_text_comes_out_harmless_and_stable(text):
    cleaned = clean_text(text, field="text", max_chars=MAX_SECTION_CHARS, required=False)
    _assert_harmless(cleaned)
    assert clean_text(cleaned, field="text", max_chars=MAX_SECTION_CHARS, required=False) == cleaned


@settings(deadline=None)
@given(st.text(alphabet=st.sampled_from("<>&[]()!:;/\\ \"'=jsavcriptdt#x0\n"), max_size=80))
def test_markup_soup_comes_out_harmless(text):
    _assert_harmless(clean_text(text, field="text", max_chars=MAX_SECTION_CHARS, required=False))
