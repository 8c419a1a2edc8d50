"""The body of each section of a medicine page, as HTML.

Written in Python rather than as Jinja2 macros because a site has thousands of pages with
dozens of sections each: this is the innermost loop of a build, and string building here is
several times faster than macro calls (see docs/site.md). The page around the sections stays
in `templates/medicine.html.j2`. All page text goes through `inline_html`/`block_html` (which
escape it) and every URL through `safe_url`.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from medpages.model import SAFETY_TOPIC_TITLES, ExtraSection, FAQs, SafetyAdvice, SideEffects, Source, TextSection
from medpages.publish.site.markup import block_html, inline_html, safe_url
from medpages.publish.site.views import SectionView, section_anchor


def sections_html(sections: list[SectionView], medicine_title: str) -> Markup:
    """Every section of a medicine page: heading, body (or "Not yet written."), edit link."""
    parts = []
    for number, section in enumerate(sections, 1):
        key = section.key
        kind = key.split(":")[0].replace("_", "-")
        absent = section.value is None
        heading = f'<h2 id="s-{number}">{escape(section.title)}</h2>\n' if section.title else ""
        label = f'aria-labelledby="s-{number}"' if section.title else 'aria-label="Introduction"'
        body = '<p class="not-written">Not yet written.</p>' if absent else section_body(key, section.value, medicine_title)
        edit = ""
        if section.edit_href and key not in ("disclaimer", "note"):
            edit = (f'\n<p class="edit"><a href="{escape(section.edit_href)}" rel="nofollow">Suggest an edit'
                    f'<span class="visually-hidden"> to {escape(section.title or "the introduction")}</span></a></p>')
        author = ""
        if section.written_by and key not in ("disclaimer", "note", "sources"):
            author = f'\n<p class="small written-by">{escape(section.written_by)}</p>'
        parts.append(f'<section class="section section-{kind}{" absent" if absent else ""}" {label} '
                     f'id="{section_anchor(key)}">\n{heading}{body}{author}{edit}\n</section>\n')
    return Markup("".join(parts))


def section_body(key: str, value: object, medicine_title: str) -> Markup:
    """The HTML inside a section's <section> element, after its heading."""
    if isinstance(value, ExtraSection):
        return block_html(value.body)
    if isinstance(value, str):
        return Markup(f"<p>{inline_html(value)}</p>")
    if isinstance(value, SideEffects):
        items = "".join(
            f"<li><strong>{inline_html(i.name)}</strong>"
            + (f'<span class="explanation">{inline_html(i.explanation)}</span>' if i.explanation else "")
            + "</li>\n"
            for i in value.items
        )
        return _framed(value.lead, f'<ul class="side-effects">\n{items}</ul>' if items else "", value.closing)
    if isinstance(value, FAQs):
        items = "".join(
            f"<dt>{inline_html(i.question)}</dt><dd>{inline_html(i.answer) if i.answer else 'Not yet answered.'}</dd>\n"
            for i in value.items
        )
        return _framed(value.lead, f'<dl class="faqs">\n{items}</dl>' if items else "", value.closing)
    if isinstance(value, TextSection):
        items = "".join(
            "<li>" + (f"<strong>{inline_html(i.label)}</strong> " if i.label else "") + f"{inline_html(i.text)}</li>\n"
            for i in value.items
        )
        return _framed(value.lead, f"<ul>\n{items}</ul>" if items else "", value.closing)
    if isinstance(value, list) and value and isinstance(value[0], SafetyAdvice):
        return Markup(_safety_table(value, medicine_title))
    if isinstance(value, list) and value and isinstance(value[0], Source):
        return Markup('<ul class="sources">\n' + "".join(_source(s) for s in value) + "</ul>")
    raise TypeError(f"cannot show section {key!r} of type {type(value).__name__}")


def _framed(lead: str, middle: str, closing: str) -> Markup:
    parts = []
    if lead:
        parts.append(f"<p>{inline_html(lead)}</p>")
    if middle:
        parts.append(middle)
    if closing:
        parts.append(f"<p>{inline_html(closing)}</p>")
    return Markup("\n".join(parts))


def _safety_table(rows: list[SafetyAdvice], medicine_title: str) -> str:
    body = "".join(
        f'<tr><th scope="row">{escape(SAFETY_TOPIC_TITLES.get(r.topic, r.topic))}</th>'
        f'<td class="verdict">{inline_html(r.verdict)}</td><td>{inline_html(r.advice)}</td></tr>\n'
        for r in rows
    )
    return (
        '<table class="safety">\n'
        f'<caption class="visually-hidden">Safety advice for {escape(medicine_title)}</caption>\n'
        '<thead><tr><th scope="col">Topic</th><th scope="col">Advice</th><th scope="col">Details</th></tr></thead>\n'
        f"<tbody>\n{body}</tbody>\n</table>"
    )


def _source(source: Source) -> str:
    url = safe_url(source.url)
    text = f'<a href="{escape(url)}" rel="nofollow noopener">{escape(source.title)}</a>' if url else str(escape(source.title))
    if source.publisher:
        text += f", {escape(source.publisher)}"
    if source.effective_date:
        day = source.effective_date
        text += f', effective <time datetime="{day.isoformat()}">{day.day} {day.strftime("%B")} {day.year}</time>'
    return f"<li>{text}</li>\n"
