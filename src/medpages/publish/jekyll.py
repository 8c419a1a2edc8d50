"""The Jekyll Markdown tree written out: `<letter>/<slug>.md` for every page, in the seed format.

Writing is atomic per file (`medpages.atomic.write_atomic`), touches only files whose bytes
change, and deletes only files that an earlier export wrote and nobody has edited since.

Page text is untrusted (list names, brands, drafts, contributions), and Jekyll would run it:
kramdown passes raw HTML through, Liquid runs `{{ site.… }}` and `{% include %}` in the body,
and layouts print `page.title` unescaped. So every text medpages composes is made inert
(`jekyll_markdown`); an unchanged imported page, the publisher's own text, is written back
byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from medpages.atomic import leftovers_swept, write_atomic
from medpages.errors import InputError
from medpages.model import FrontMatter, Medicine, Page
from medpages.publish.folder_check import check_holds, entries_in
from medpages.publish.seed_writer import render_seed_markdown


@dataclass
class ExportReport:
    out_dir: Path
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)  # files we wrote that someone changed since
    not_written: int = 0  # medicines with no page yet, written as skeletons
    starter: list[str] = field(default_factory=list)  # `_config.yml`, the layout: written as the folder had none
    owned: dict[str, str] = field(default_factory=dict)  # file → digest of every page file of the entries given


# A link destination that starts with a scheme other than these (javascript:, data:, an
# entity-spelt colon) is not made a link.
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
_INLINE_LINK = re.compile(r"\]\(([ \t\n]*<?[ \t\n]*)([^\s)>]*)")
_REFERENCE_DEFINITION = re.compile(r"\]:")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def jekyll_markdown(page: Page) -> str:
    """The page's file in the Jekyll tree: the seed layout with every composed text inert.

    In the body, `<` is written `&lt;` (no raw HTML, autolink or comment reaches kramdown), `{`
    is written `&#123;` (no Liquid tag or output, no kramdown attribute list or extension),
    `&` starting an entity is written `&amp;` (the text shows as listed), reference link
    definitions are not made (their colon is escaped) and an inline link whose address has a scheme other
    than http(s) or mailto stays text. In the front matter, which layouts print as it is,
    the title and other strings have `<`, `>`, `"` and `{` as HTML entities and are quoted
    when YAML would read them otherwise. An unchanged imported page comes back as it was.
    """
    return render_seed_markdown(page, front_matter=_inert_front_matter(page.front_matter),
                                fresh_text=inert_markdown)


def inert_markdown(text: str) -> str:
    """Seed-layout Markdown that kramdown and Liquid show as text, keeping bold, lists, tables
    and http(s) links (the seed writer itself writes no `<` or `{`)."""
    text = _INLINE_LINK.sub(_inline_link, text)
    text = _REFERENCE_DEFINITION.sub(r"]\\:", text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;").replace("{", "&#123;")


def _inline_link(match: re.Match[str]) -> str:
    destination = match.group(2)
    scheme = re.split(r"[/?#]", destination, maxsplit=1)[0]
    if (":" in scheme or "&" in scheme or "\\" in scheme) and not scheme.lower().startswith(_SAFE_SCHEMES):
        return "]\\(" + match.group(1) + destination  # `]\(`: kramdown shows it as text
    return match.group(0)


def inert_attribute_text(text: str) -> str:
    """A front-matter string that a layout may print unescaped, in text or in a quoted attribute."""
    text = _ENTITY.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("{", "&#123;")


def _inert_value(value: object) -> object:
    if isinstance(value, str):
        return inert_attribute_text(value)
    if isinstance(value, list):
        return [_inert_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _inert_value(item) for key, item in value.items()}
    return value


def _inert_front_matter(front: FrontMatter) -> FrontMatter:
    return front.model_copy(update={"title": inert_attribute_text(front.title),
                                    "extra": _inert_value(front.extra) if front.extra else front.extra})


LAYOUT_NAME = "minimal-medicine"
LAYOUT_FILE = Path(__file__).parent / "layouts" / f"{LAYOUT_NAME}.html"


def jekyll_config(site_name: str, base_url: str = "") -> str:
    """A `_config.yml` that makes the tree a Jekyll site of its own: every page in the
    `minimal-medicine` layout, served under the path of `base_url` (JSON strings are YAML)."""
    parts = urlsplit(base_url.strip())
    path = "/" + parts.path.strip("/") if parts.path.strip("/") else ""
    lines = [
        "# Written by medpages once, when this folder had no _config.yml: yours to change.",
        f"title: {json.dumps(site_name, ensure_ascii=False)}",
        f"baseurl: {json.dumps(path)}",
    ]
    if parts.scheme in ("http", "https") and parts.netloc:
        lines.append(f"url: {json.dumps(f'{parts.scheme}://{parts.netloc}')}")
    lines += ["defaults:", '  - scope: {path: ""}', f"    values: {{layout: {LAYOUT_NAME}}}", ""]
    return "\n".join(lines)


def write_jekyll_starter(out_dir: Path, *, site_name: str, base_url: str = "") -> list[str]:
    """Write `_config.yml` and `_layouts/minimal-medicine.html` into the tree when it has none
    (a publisher's own are never replaced); the files written, relative to `out_dir`."""
    written = []
    for relative, data in (("_config.yml", jekyll_config(site_name, base_url).encode("utf-8")),
                           (f"_layouts/{LAYOUT_NAME}.html", LAYOUT_FILE.read_bytes())):
        target = out_dir / relative
        if target.exists() or target.is_symlink():
            continue
        write_atomic(target, data, durable=False)
        written.append(relative)
    return written


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_version() -> str:
    """A digest of the code that writes the tree's files (this module, the seed writer, the skeleton
    page): a medpages upgrade that changes them writes every file again."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for module in (here / "jekyll.py", here / "seed_writer.py", here.parent / "draft" / "skeleton.py"):
        digest.update(module.read_bytes())
    return digest.hexdigest()[:16]


def _check_path(manifest: Path) -> Path:
    return manifest.with_name(manifest.name.removesuffix(".json") + ".check.json")


def tree_intact(out_dir: Path, manifest: Path, stamp: str) -> bool:
    """Whether the tree is as the export that left `stamp` made it, as far as a listing of each
    letter folder can tell: that export finished, and each folder holds as many entries as it left
    (a file deleted or added by hand is noticed; one edited in place is not)."""
    return check_holds(_check_path(manifest), manifest.with_name(manifest.name + ".running"), out_dir, stamp)


def export_jekyll(entries: Iterable[tuple[Medicine, Page]], out_dir: Path, manifest: Path, *,
                  previous: dict[str, str] | None = None, stamp: str = "") -> ExportReport:
    """Write `<letter>/<slug>.md` for every page; `manifest` remembers what this export owns.

    With `previous` (file → digest of what an earlier export wrote, kept by the caller: the store's
    build manifest), `entries` may be only the medicines that changed: `previous` then holds the
    files of those and of the medicines gone, and `manifest` is neither read nor written (only its
    name serves for the marker of a running export). `report.owned` says what the entries own now.
    """
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with leftovers_swept(out_dir, manifest.with_name(manifest.name + ".running"),
                         files=[manifest, _check_path(manifest)]):
        report = _export(entries, out_dir, manifest, previous)
        if stamp:
            _write_check(out_dir, manifest, stamp, {relative.split("/", 1)[0]
                                                    for relative in (*report.owned, *report.deleted)})
        return report


def _write_check(out_dir: Path, manifest: Path, stamp: str, touched: set[str]) -> None:
    """What `tree_intact` compares: the entries of the tree's folder and of every letter folder the
    export wrote in, this time or before."""
    try:
        before = set(json.loads(_check_path(manifest).read_text(encoding="utf-8"))["folders"])
    except (OSError, ValueError, KeyError, TypeError):
        before = set()
    folders = {folder: entries_in(out_dir / folder) for folder in sorted((before | touched) - {""})
               if (out_dir / folder).is_dir()}
    check = {"stamp": stamp, "out_dir": str(out_dir), "folders": {"": entries_in(out_dir), **folders}}
    write_atomic(_check_path(manifest), json.dumps(check).encode("utf-8"), durable=False)


def _export(entries: Iterable[tuple[Medicine, Page]], out_dir: Path, manifest: Path,
            given: dict[str, str] | None) -> ExportReport:
    report = ExportReport(out_dir=out_dir)
    previous: dict[str, str] = {} if given is None else given
    if given is None and manifest.is_file():
        try:
            previous = json.loads(manifest.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            previous = {}  # an unreadable manifest only means we delete nothing this time
    owned = report.owned
    for medicine, page in entries:
        relative = medicine.path
        target = (out_dir / relative).resolve()
        if not target.is_relative_to(out_dir):  # slugs cannot do this; refuse loudly if one ever does
            raise InputError(f"refusing to write outside {out_dir}", source=relative)
        data = jekyll_markdown(page).encode("utf-8")
        owned[relative] = _digest(data)
        try:
            if target.read_bytes() == data:
                report.unchanged += 1
                continue
        except FileNotFoundError:
            pass
        write_atomic(target, data, durable=False)  # the store has every page: a rebuild restores them
        report.written.append(relative)
    for relative, digest in sorted(previous.items()):
        if relative in owned:
            continue
        target = out_dir / relative
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            continue
        if _digest(current) == digest:
            target.unlink()
            report.deleted.append(relative)
        else:
            report.kept_edited.append(relative)
    if given is None:
        write_atomic(manifest, json.dumps(owned, indent=0, sort_keys=True).encode("utf-8"))
    return report
