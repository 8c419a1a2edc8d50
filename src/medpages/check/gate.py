"""`check_page`: every check on one page, in a fixed order, as one list of findings."""

from __future__ import annotations

from medpages.check.artefacts import check_artefacts
from medpages.check.claims import check_claims
from medpages.check.contradictions import check_contradictions
from medpages.check.doses import check_doses
from medpages.check.label_evidence import evidence_for
from medpages.check.readability import check_readability
from medpages.check.settings import CheckSettings
from medpages.check.structure import check_structure
from medpages.model import Finding, Medicine, Page
from medpages.model.facts import LabelFacts

_DEFAULT_SETTINGS = CheckSettings()


def check_page(page: Page, medicine: Medicine, facts: LabelFacts | None = None,
               settings: CheckSettings = _DEFAULT_SETTINGS) -> list[Finding]:
    """The findings of every check on `page`; claim, dose and contradiction checks need `facts`.

    Pure: nothing is changed or stored. The seed reader's findings (`parse.*`, which `import`
    stores) are not repeated here; the caller stores these beside them (`Store.replace_findings`).
    """
    findings = check_structure(page, medicine)
    findings += check_artefacts(page)
    findings += check_readability(page, settings)
    if facts is not None:
        evidence = evidence_for(facts)
        findings += check_claims(page, medicine, evidence, settings)
        findings += check_doses(page, medicine, evidence)
        findings += check_contradictions(page, evidence)
    return findings


def blocks_publishing(findings: list[Finding]) -> bool:
    """True when any finding is an error: such a page must not be published."""
    return any(finding.severity == "error" for finding in findings)
