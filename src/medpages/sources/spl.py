"""DailyMed SPL XML: one label document -> `LabelDocument` (products, sections as clean text).

SPL ("Structured Product Labeling", HL7 v3, namespace `urn:hl7-org:v3`) names each section
by a LOINC code (see `sections.py`). Parsing goes through defusedxml: an SPL document never
declares entities, and one that does (a "billion laughs" bomb) is refused before anything
is expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_xml  # type: ignore[import-untyped]  # no type information shipped
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

from medpages.errors import InputError
from medpages.model import Strength
from medpages.model.label import (
    LabelDocument,
    LabelIngredient,
    LabelProduct,
    LabelSection,
    LabelTable,
    parse_hl7_date,
)
from medpages.sources.sections import PRODUCT_DATA_CODE, kind_for_code
from medpages.sources.text import clean_inline, split_bullets

NAMESPACE = "urn:hl7-org:v3"
_NS = f"{{{NAMESPACE}}}"
# Active ingredient classes: by moiety, by basis of strength, by reference.
_ACTIVE_CLASSES = frozenset({"ACTIM", "ACTIB", "ACTIR"})
# Deeper nesting than this is no real label; refusing it keeps recursion bounded.
MAX_DEPTH = 40
# Marks a <br/> while whitespace is collapsed; becomes a line break after.
_BREAK = "\u2028"
_BLOCK_TAGS = frozenset({"paragraph", "list", "table"})
_SKIPPED_TAGS = frozenset({"renderMultiMedia", "col", "colgroup"})
_EPC = re.compile(r"\s*\[EPC\]\s*$")


def read_spl(data: bytes, *, origin: str) -> LabelDocument:
    """Parse one SPL document; raises InputError naming `origin` (and the line) when it cannot."""
    root = _parse_xml(data, origin)
    if root.tag != f"{_NS}document":
        raise InputError(f"not a DailyMed SPL document: its root element is <{_local(root.tag)}>", source=origin)
    set_id = _attribute(root, "setId", "root")
    if not set_id:
        raise InputError("the SPL document has no setId", source=origin)
    version_text = _attribute(root, "versionNumber", "value")
    try:
        sections = [_section(element, origin, 0) for element in _body_sections(root)]
    except RecursionError:
        raise InputError(f"sections nested more than {MAX_DEPTH} deep", source=origin) from None
    products, classes = _products(root)
    return LabelDocument(
        kind="spl",
        set_id=set_id.strip(),
        document_id=_attribute(root, "id", "root"),
        version=int(version_text) if version_text and version_text.strip().isdigit() else None,
        effective_date=parse_hl7_date(_attribute(root, "effectiveTime", "value")),
        title=_inline(root.find(f"{_NS}title")),
        document_type=_attribute(root, "code", "displayName"),
        labeler=_text(root.find(f"{_NS}author/{_NS}assignedEntity/{_NS}representedOrganization/{_NS}name")),
        products=products,
        pharmacologic_classes=classes,
        sections=[section for section in sections if section is not None],
        origin=origin,
    )


# --------------------------------------------------------------------------- XML


def _parse_xml(data: bytes, origin: str) -> Element:
    try:
        return safe_xml.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except ParseError as error:
        line, column = getattr(error, "position", (None, None))
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(error))
        raise InputError(f"malformed XML ({reason}, column {column})", source=origin, line=line) from None
    except DefusedXmlException as error:
        raise InputError(
            f"the XML declares entities or external references ({type(error).__name__}: {error}); "
            "medpages refuses them, since an SPL document needs none and they can expand without bound",
            source=origin,
        ) from None


def _local(tag: str | object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _attribute(element: Element, child: str, name: str) -> str | None:
    found = element.find(f"{_NS}{child}")
    return found.get(name) if found is not None else None


def _text(element: Element | None) -> str | None:
    text = _inline(element)
    return text or None


def _inline(element: Element | None) -> str:
    """All the text of an element on one line (line breaks become spaces)."""
    if element is None:
        return ""
    return clean_inline("".join(_inline_pieces(element)).replace(_BREAK, " "))


def _inline_pieces(element: Element) -> list[str]:
    pieces: list[str] = []
    if element.text:
        pieces.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):  # comments and processing instructions
            pass
        elif _local(child.tag) == "br":
            pieces.append(_BREAK)
        elif _local(child.tag) == "footnote":  # a table's footnote, written where it is cited
            pieces.append(f" [{''.join(_inline_pieces(child))}] ")
        elif _local(child.tag) not in _SKIPPED_TAGS:
            pieces.append(_inline_child(child))
        if child.tail:
            pieces.append(child.tail)
    return pieces


def _inline_child(child: Element) -> str:
    """The text of an inline element (content, sup, sub, linkHtml …) on its line."""
    tag = _local(child.tag)
    if tag in ("sup", "sub"):
        return _raised("".join(_inline_pieces(child)), tag)
    return "".join(_inline_pieces(child))


_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUPERSCRIPT_LETTERS = str.maketrans("abcdefghijklmnoprstuvwxyz", "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ")


def _raised(text: str, tag: str) -> str:
    """`<sup>`/`<sub>` text that keeps its meaning on one line: 10<sup>3</sup> -> `10³`, m<sup>2</sup> ->
    `m²`, H<sub>2</sub>O -> `H₂O`, a footnote mark <sup>a</sup> -> `ᵃ`; ® and † stay as they are. Flattened,
    `10<sup>3</sup>` would read `103`."""
    stripped = text.strip()
    if not stripped or not any(character.isalnum() for character in stripped):
        return text  # ®, ™, *, †
    if tag == "sub":
        if all(character in "0123456789+-=()" for character in stripped):
            return stripped.translate(_SUBSCRIPT)
        return text  # C<sub>max</sub>: Cmax, as the labels' own text reads
    if all(character in "0123456789+-=()n" for character in stripped.replace("−", "-")):
        return stripped.replace("−", "-").translate(_SUPERSCRIPT)
    if len(stripped) <= 2 and stripped.isalpha() and stripped.islower():
        return stripped.translate(_SUPERSCRIPT_LETTERS)  # a footnote mark
    return "^" + (stripped if len(stripped) == 1 else f"({stripped})")


# --------------------------------------------------------------------------- products


def _products(root: Element) -> tuple[list[LabelProduct], list[str]]:
    products: list[LabelProduct] = []
    classes: list[str] = []
    for section in root.iter(f"{_NS}section"):
        code = section.find(f"{_NS}code")
        # The product data section (48780-1); SPL of 2006 left its code out, so a section
        # holding products is one whatever its code says.
        if (code is None or code.get("code") != PRODUCT_DATA_CODE) and section.find(
                f"{_NS}subject/{_NS}manufacturedProduct") is None:
            continue
        for outer in section.findall(f"{_NS}subject/{_NS}manufacturedProduct"):
            inner = outer.find(f"{_NS}manufacturedProduct")
            if inner is None:
                inner = outer.find(f"{_NS}manufacturedMedicine")  # SPL before 2009
            if inner is None:
                continue
            products.append(_product(outer, inner))
            for kind in inner.iter(f"{_NS}generalizedMaterialKind"):
                name = _attribute(kind, "code", "displayName")
                if name and _EPC.search(name):
                    classes.append(_EPC.sub("", name))
    return products, list(dict.fromkeys(classes))


def _product(outer: Element, inner: Element) -> LabelProduct:
    name_element = inner.find(f"{_NS}name")
    generic = inner.find(f"{_NS}asEntityWithGeneric/{_NS}genericMedicine/{_NS}name")
    routes = [
        (route.get("displayName") or "").strip().lower()
        for route in outer.iter(f"{_NS}routeCode")
    ]
    return LabelProduct(
        name=_product_name(name_element) or _inline(generic),
        generic_name=_text(generic),
        form=(_attribute(inner, "formCode", "displayName") or "").strip().lower() or None,
        routes=list(dict.fromkeys(route for route in routes if route)),
        ingredients=_ingredients(inner),
        code=_attribute(inner, "code", "code"),
    )


def _product_name(element: Element | None) -> str:
    """`<name>TRIAMINIC<suffix>Childrens Night Time</suffix></name>` -> `TRIAMINIC Childrens Night Time`."""
    if element is None:
        return ""
    suffix = element.find(f"{_NS}suffix")
    if suffix is None:
        return _inline(element)
    return clean_inline(f"{element.text or ''} {_inline(suffix)} {suffix.tail or ''}")


def _ingredients(product: Element) -> list[LabelIngredient]:
    found: list[LabelIngredient] = []
    # Current SPL: <ingredient classCode="ACTIB">; before 2009: <activeIngredient>. Kits list
    # their parts' ingredients under <part><partProduct>, which iter() reaches too.
    for ingredient in product.iter():
        tag = _local(ingredient.tag)
        if tag not in ("ingredient", "activeIngredient"):
            continue
        if tag == "ingredient" and ingredient.get("classCode") not in _ACTIVE_CLASSES:
            continue
        substance = ingredient.find(f"{_NS}ingredientSubstance")
        if substance is None:
            substance = ingredient.find(f"{_NS}activeIngredientSubstance")
        if substance is None:
            continue
        name = _inline(substance.find(f"{_NS}name"))
        if not name:
            continue
        found.append(LabelIngredient(
            name=name,
            moiety=_text(substance.find(f"{_NS}activeMoiety/{_NS}activeMoiety/{_NS}name")),
            strength=_strength(ingredient.find(f"{_NS}quantity")),
        ))
    return found


def _strength(quantity: Element | None) -> Strength | None:
    if quantity is None:
        return None
    numerator = quantity.find(f"{_NS}numerator")
    denominator = quantity.find(f"{_NS}denominator")
    amount, unit = _measure(numerator)
    if amount is None:
        return None
    per_amount, per_unit = _measure(denominator)
    text = f"{_number(amount)} {unit}" if unit and unit != "1" else _number(amount)
    if per_amount is not None and not (per_amount == 1 and per_unit in (None, "1")):
        text += f"/{_number(per_amount)} {per_unit}" if per_unit and per_unit != "1" else f"/{_number(per_amount)}"
    elif per_unit and per_unit != "1":
        text += f"/{per_unit}"
    return Strength(
        text=text,
        amount=amount,
        unit=unit if unit != "1" else None,
        per_amount=per_amount if per_amount != 1 or (per_unit not in (None, "1")) else None,
        per_unit=per_unit if per_unit != "1" else None,
    )


def _measure(element: Element | None) -> tuple[float | None, str | None]:
    if element is None:
        return None, None
    try:
        amount = float(element.get("value", ""))
    except ValueError:
        return None, None
    return amount, (element.get("unit") or "").strip() or None


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


# --------------------------------------------------------------------------- sections


def _body_sections(root: Element) -> list[Element]:
    return root.findall(f"{_NS}component/{_NS}structuredBody/{_NS}component/{_NS}section")


def _section(element: Element, origin: str, depth: int) -> LabelSection | None:
    if depth > MAX_DEPTH:
        raise InputError(f"sections nested more than {MAX_DEPTH} deep", source=origin)
    code = _attribute(element, "code", "code")
    if code == PRODUCT_DATA_CODE or (code is None and element.find(f"{_NS}subject/{_NS}manufacturedProduct") is not None
                                     and element.find(f"{_NS}text") is None):
        return None
    kind = kind_for_code(code)
    heading = _inline(element.find(f"{_NS}title")) or (kind.title if kind else "")
    text_element = element.find(f"{_NS}text")
    highlight = element.find(f"{_NS}excerpt/{_NS}highlight/{_NS}text")
    subsections = [
        _section(child, origin, depth + 1) for child in element.findall(f"{_NS}component/{_NS}section")
    ]
    return LabelSection(
        key=kind.key if kind else None,
        code=code,
        heading=heading,
        text=render_narrative(text_element) if text_element is not None else "",
        highlights=render_narrative(highlight) if highlight is not None else "",
        tables=narrative_tables(text_element) if text_element is not None else [],
        subsections=[subsection for subsection in subsections if subsection is not None],
    )


# --------------------------------------------------------------------------- tables as grids

# Spans beyond this are markup errors; capping them keeps a grid small.
_MAX_SPAN = 50


def narrative_tables(element: Element) -> list[LabelTable]:
    """The tables of an SPL `<text>` as grids, cells with their line breaks (see `LabelTable`)."""
    tables: list[LabelTable] = []
    parents = {child: parent for parent in element.iter() for child in parent}
    for table in element.iter(f"{_NS}table"):
        caption = _inline(table.find(f"{_NS}caption"))
        if not caption:
            caption = _text_before(table, parents)
        header = sum(len(head.findall(f"{_NS}tr")) for head in table.findall(f"{_NS}thead"))
        rows = [row for part in ("thead", "tbody", "tfoot") for container in table.findall(f"{_NS}{part}")
                for row in container.findall(f"{_NS}tr")] + table.findall(f"{_NS}tr")
        grid = _grid(rows)
        if grid:
            tables.append(LabelTable(caption=caption, header_rows=header, rows=grid))
    return tables


def _text_before(table: Element, parents: dict[Element, Element]) -> str:
    """The paragraph just before a table (its title, when the label gives it no caption)."""
    parent = parents.get(table)
    if parent is None:
        return ""
    previous = None
    for child in parent:
        if child is table:
            break
        if _local(child.tag) == "paragraph":
            previous = child
    return _inline(previous) if previous is not None else ""


def _grid(rows: list[Element]) -> list[list[str]]:
    grid: list[list[str]] = []
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still spanned, text) from a rowspan above
    for row in rows:
        cells = [cell for cell in row if _local(cell.tag) in ("td", "th")]
        line: list[str] = []
        column = 0

        def fill_spanned() -> None:
            nonlocal column
            while column in pending:
                left, text = pending[column]
                line.append(text)
                if left <= 1:
                    del pending[column]
                else:
                    pending[column] = (left - 1, text)
                column += 1

        for cell in cells:
            fill_spanned()
            text = _cell_text(cell)
            colspan = min(_span(cell.get("colspan")), _MAX_SPAN)
            rowspan = min(_span(cell.get("rowspan")), _MAX_SPAN)
            for _ in range(colspan):
                line.append(text)
                if rowspan > 1:
                    pending[column] = (rowspan - 1, text)
                column += 1
        fill_spanned()
        while line and not line[-1]:
            line.pop()
        if any(line):
            grid.append(line)
    return grid


def _span(value: str | None) -> int:
    return int(value) if value and value.strip().isdigit() and int(value) > 0 else 1


def _cell_text(cell: Element) -> str:
    """A cell's text with its lines: `<br/>` and paragraphs break lines; leading blank lines are kept."""
    pieces: list[str] = []

    def walk(element: Element) -> None:
        if element.text:
            pieces.append(element.text)
        for child in element:
            tag = _local(child.tag) if isinstance(child.tag, str) else ""
            if tag == "br":
                pieces.append(_BREAK)
            elif tag in ("paragraph", "item"):
                if "".join(pieces).strip():  # a paragraph that opens the cell starts no blank line
                    pieces.append(_BREAK)
                walk(child)
                pieces.append(_BREAK)
            elif tag == "footnote":
                pass  # footnotes are written in the text rows; in a grid they would misalign nothing useful
            elif tag and tag not in _SKIPPED_TAGS:
                pieces.append(_inline_child(child))
            if child.tail:
                pieces.append(child.tail)

    walk(cell)
    lines = [clean_inline(line) for line in "".join(pieces).split(_BREAK)]
    # A break at the very start of a paragraph cell is markup, not an empty first line.
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(lines)
    return text if text.strip() else ""


# --------------------------------------------------------------------------- narrative text


@dataclass
class _Paragraph:
    text: str
    bullet_lead: bool = False  # the text before inline bullets that follow it


@dataclass
class _List:
    items: list[list[_Block]] = field(default_factory=list)
    ordered: bool = False
    from_bullets: bool = False
    after_lead: bool = False  # came from `lead • a • b`, after the paragraph `lead`


@dataclass
class _Table:
    rows: list[str]


_Block = _Paragraph | _List | _Table


def render_narrative(element: Element) -> str:
    """An SPL `<text>` element as clean text: paragraphs, `- ` lists, `| a | b |` table rows."""
    return "\n\n".join(chunk for chunk in (_render(block, 0) for block in _blocks(element, 0)) if chunk)


def _blocks(element: Element, depth: int) -> list[_Block]:
    """The paragraphs, lists and tables inside an element, in order."""
    if depth > MAX_DEPTH:
        return [_Paragraph(_inline(element))] if _inline(element) else []
    blocks: list[_Block] = []
    inline: list[str] = []

    def flush() -> None:
        text = _clean_breaks("".join(inline))
        inline.clear()
        if text:
            blocks.extend(_paragraph_blocks(text))

    if element.text:
        inline.append(element.text)
    for child in element:
        tag = _local(child.tag)
        if not isinstance(child.tag, str) or tag in _SKIPPED_TAGS:
            pass
        elif tag == "br":
            inline.append(_BREAK)
        elif tag == "paragraph":
            flush()
            blocks.extend(_blocks(child, depth + 1))
        elif tag == "list":
            flush()
            blocks.extend(_list_blocks(child, depth + 1))
        elif tag == "table":
            flush()
            blocks.extend(_table_blocks(child))
        elif any(_local(d.tag) in _BLOCK_TAGS for d in child.iter() if d is not child):
            flush()  # inline markup wrapping paragraphs or lists: read as blocks
            blocks.extend(_blocks(child, depth + 1))
        else:
            inline.append(_inline_child(child))
        if child.tail:
            inline.append(child.tail)
    flush()
    return _merge_bullet_lists(blocks)


def _clean_breaks(text: str) -> str:
    lines = (clean_inline(line) for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


def _paragraph_blocks(text: str) -> list[_Block]:
    lead, bullets = split_bullets(text)
    if not bullets:
        return [_Paragraph(text)]
    items: list[list[_Block]] = [[_Paragraph(bullet)] for bullet in bullets]
    if not lead:
        return [_List(items, from_bullets=True)]
    return [_Paragraph(lead, bullet_lead=True), _List(items, from_bullets=True, after_lead=True)]


def _merge_bullet_lists(blocks: list[_Block]) -> list[_Block]:
    merged: list[_Block] = []
    for block in blocks:
        previous = merged[-1] if merged else None
        if (isinstance(block, _List) and block.from_bullets and not block.after_lead
                and isinstance(previous, _List) and previous.from_bullets):
            previous.items.extend(block.items)
        else:
            merged.append(block)
    return merged


def _list_blocks(element: Element, depth: int) -> list[_Block]:
    blocks: list[_Block] = []
    caption = _inline(element.find(f"{_NS}caption"))
    if caption:
        blocks.append(_Paragraph(caption))
    items: list[list[_Block]] = []
    for item in element.findall(f"{_NS}item"):
        items.extend(_item_blocks(_blocks(item, depth + 1)))
    if items:
        blocks.append(_List(items, ordered=element.get("listType") == "ordered"))
    return blocks


def _item_blocks(blocks: list[_Block]) -> list[list[_Block]]:
    """One list item, or several when it is `a • b • c` on one line (OTC labels write lists so)."""
    if not blocks:
        return []
    first = blocks[0]
    if isinstance(first, _List) and first.from_bullets:
        return [*first.items[:-1], first.items[-1] + blocks[1:]] if first.items else [blocks[1:]]
    if (isinstance(first, _Paragraph) and first.bullet_lead and not first.text.endswith(":")
            and len(blocks) > 1 and isinstance(blocks[1], _List) and blocks[1].after_lead):
        siblings = blocks[1].items
        return [[_Paragraph(first.text)], *siblings[:-1], siblings[-1] + blocks[2:]]
    return [blocks]


def _table_blocks(element: Element) -> list[_Block]:
    blocks: list[_Block] = []
    caption = _inline(element.find(f"{_NS}caption"))
    if caption:
        blocks.append(_Paragraph(caption))
    rows: list[str] = []
    for part in ("thead", "tbody", "tfoot"):
        for container in element.findall(f"{_NS}{part}"):
            rows += _rows(container)
    rows += _rows(element)
    if rows:
        blocks.append(_Table(rows))
    return blocks


def _rows(container: Element) -> list[str]:
    rows = []
    for row in container.findall(f"{_NS}tr"):
        cells = [_inline(cell) for cell in row if _local(cell.tag) in ("td", "th")]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            rows.append(f"| {' | '.join(cells)} |" if len(cells) > 1 else cells[0])
    return rows


def _render(block: _Block, indent: int) -> str:
    pad = "  " * indent
    if isinstance(block, _Paragraph):
        return "\n".join(pad + line for line in block.text.split("\n"))
    if isinstance(block, _Table):
        return "\n".join(pad + row for row in block.rows)
    lines: list[str] = []
    for number, item in enumerate(block.items, start=1):
        marker = f"{number}. " if block.ordered else "- "
        first = True
        for inner in item:
            if first and isinstance(inner, _Paragraph):
                text_lines = inner.text.split("\n")
                lines.append(pad + marker + text_lines[0])
                lines += [pad + "  " + line for line in text_lines[1:]]
            elif isinstance(inner, _List):
                if first:
                    lines.append(pad + marker.rstrip())
                lines.append(_render(inner, indent + 1))
            else:
                if first:
                    lines.append(pad + marker.rstrip())
                lines.append(_render(inner, indent + 1))
            first = False
    return "\n".join(line for line in lines if line.strip())
