"""The drafting prompt: a Jinja template shipped in the package (or a project's own), rendered per medicine.

`render_page_prompt(medicine, facts)` gives the system and user messages and the prompt version
recorded on every page drafted with it: the template's `{# version: N #}` header and its hash
(`1+3fa2b9c1`), so an edited template is told apart even when its version was not bumped. A file
named `page.md.j2` in the `prompts_dir` passed in replaces the shipped one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from medpages.errors import InputError
from medpages.model import Medicine
from medpages.model.facts import LabelFacts

PAGE_TEMPLATE = "page.md.j2"
SHIPPED_PROMPTS = Path(__file__).parent / "prompts"
MAX_FACTS_PER_GROUP = 8
MAX_FACT_CHARS = 400

_VERSION = re.compile(r"\{#\s*version:\s*([\w.-]+)\s*#\}")


@dataclass(frozen=True)
class PromptTemplate:
    template: jinja2.Template
    version: str  # `1+3fa2b9c1`: the header's version and the template's hash
    path: Path


@dataclass(frozen=True)
class RenderedPrompt:
    system: str
    user: str
    version: str

    @property
    def fingerprint(self) -> str:
        """A digest of exactly what is sent, for the response cache."""
        return hashlib.sha256(f"{self.system}\x00{self.user}".encode("utf-8")).hexdigest()


def load_template(name: str = PAGE_TEMPLATE, prompts_dir: Path | str | None = None) -> PromptTemplate:
    """The project's template `name` in `prompts_dir` when there is one, else the shipped one."""
    candidates = ([Path(prompts_dir) / name] if prompts_dir else []) + [SHIPPED_PROMPTS / name]
    for path in candidates:
        if path.is_file():
            return _compile(path, path.stat().st_mtime_ns)
    raise InputError(f"no prompt template {name!r}", source=str(prompts_dir or SHIPPED_PROMPTS))


@lru_cache(maxsize=16)
def _compile(path: Path, _mtime: int) -> PromptTemplate:
    source = path.read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=False, lstrip_blocks=False)
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"the prompt template cannot be read: {exc.message}", source=str(path), line=exc.lineno) from exc
    for block in ("system", "user"):
        if block not in template.blocks:
            raise InputError(f"the prompt template needs a {{% block {block} %}}", source=str(path))
    header = _VERSION.search(source)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
    version = f"{header.group(1)}+{digest}" if header else f"sha-{digest}"
    return PromptTemplate(template=template, version=version, path=path)


def render_page_prompt(medicine: Medicine, facts: LabelFacts | None = None, *,
                       template: PromptTemplate | None = None, prompts_dir: Path | str | None = None) -> RenderedPrompt:
    template = template or load_template(PAGE_TEMPLATE, prompts_dir)
    values = {"medicine": medicine, "facts": _facts_for_prompt(facts) if facts else None}
    try:
        context = template.template.new_context(values)
        system = "".join(template.template.blocks["system"](context)).strip()
        user = "".join(template.template.blocks["user"](context)).strip()
    except jinja2.TemplateError as exc:
        raise InputError(f"the prompt template failed for {medicine.title}: {exc}", source=str(template.path)) from exc
    return RenderedPrompt(system=system, user=_squeeze(user), version=template.version)


def _squeeze(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FACT_CHARS else text[:MAX_FACT_CHARS].rsplit(" ", 1)[0] + " ..."


def _facts_for_prompt(facts: LabelFacts) -> dict:
    """The label's facts as headed lists of short lines, the most useful first."""
    groups: list[tuple[str, list[str]]] = []

    def add(heading: str, lines) -> None:
        lines = list(dict.fromkeys(_short(line) for line in lines if line and line.strip()))[:MAX_FACTS_PER_GROUP]
        if lines:
            groups.append((heading, lines))

    add("Boxed warning", (f.text for f in facts.boxed_warning))
    add("Uses (indications)", (f.text for f in facts.indications or facts.purposes))
    add("Pharmacologic class", facts.pharmacologic_classes)
    add("How it works (mechanism of action)", (f.text for f in facts.mechanism))
    add("Dosing", [*(f.text for f in facts.dosing.statements), *(f"Route: {r}" for r in facts.dosing.routes)])
    incidence: dict[str, float | None] = {}
    for statement in facts.common_adverse_reactions:
        for term in statement.terms:
            if incidence.get(term.term) is None:
                incidence[term.term] = term.incidence_percent
    common = [f"{term} ({share:g}%)" if share is not None else term for term, share in incidence.items()]
    add("Most common adverse reactions", [", ".join(common)] if common else [])
    if facts.serious_adverse_reactions:
        add("Serious adverse reactions", facts.serious_adverse_reactions.terms)
    add("Warnings and precautions", (f"{w.title}: {w.text}" if w.title else w.text for w in facts.serious_warnings))
    add("Contraindications (who must not take it)", (f.text for f in facts.contraindications or facts.do_not_use))
    add("Ask a doctor before use / stop use if", (f.text for f in facts.ask_doctor + facts.stop_use))
    add("Drug interactions", (f.text for f in facts.interactions))
    add("Pregnancy", [*(f.text for f in facts.pregnancy),
                      *(["The label says it must not be used in pregnancy."] if facts.pregnancy_contraindicated else [])])
    add("Breastfeeding", [*(f.text for f in facts.lactation),
                          *(["The label says not to breastfeed while using it."] if facts.breastfeeding_contraindicated else [])])
    add("Missed dose", (f.text for f in facts.missed_dose))
    add("Overdose", (f.text for f in facts.overdose))
    add("Storage", (f.text for f in facts.storage))
    source = facts.source
    dated = f", {source.effective_date.isoformat()}" if source.effective_date else ""
    return {"source": f"{source.publisher}: {source.title}{dated}", "groups": groups}
