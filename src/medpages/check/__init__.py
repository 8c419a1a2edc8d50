"""The quality gate: checks a medicine page before it may be published, as a list of `Finding`s.

`check_page(page, medicine, facts=None, settings=CheckSettings())` runs every check; the
reports (`report_text`, `report_json`, `report_html`) show the results of many pages.

One module per kind of check, each a pure function of the page (and the medicine, label
facts and settings it needs); codes start with the kind:

- `structure` — seed sections present and written, Disclaimer and Note exact, layout;
- `artefacts` — first person, "As an AI", refusals, placeholders, unfinished sentences,
  repetition, stray Markdown/JSON, control characters;
- `readability` — Flesch-Kincaid grade per section, long sentences;
- `claims` — side effects and uses the label does not contain (needs label facts);
- `doses` — mg/g/mcg/mL figures matching no known strength or labelled dose (needs facts);
- `contradictions` — "safe in pregnancy"/breastfeeding where the label contraindicates it,
  a boxed warning the page never mentions (needs facts).

Severity policy:

- **error** blocks publishing (`blocks_publishing(findings)`): the defect is certain and
  the page is wrong or broken as it stands — a missing or altered Disclaimer or Note, a model
  talking about itself or refusing, a placeholder, text cut off mid-sentence, a repetition
  loop, code or JSON in the text, reassurance the label contradicts, a boxed warning left out.
- **warning** needs a reviewer: the check matches words, so a person decides — unsupported
  side effects or uses, unknown dose figures, first person, hard reading, missing content
  sections. A page with warnings may be published only after review clears them.
- **info** is advice for the editor (long sentences, sections outside the seed layout).
"""

from medpages.check.gate import blocks_publishing, check_page
from medpages.check.report import report_html, report_json, report_text
from medpages.check.settings import CheckSettings

__all__ = ["CheckSettings", "blocks_publishing", "check_page", "report_html", "report_json", "report_text"]
