"""Reports of check results for people and programs: text, JSON and HTML (everything escaped).

`results` is a list of (medicine title or slug, findings). Page text quoted in messages is
untrusted: the HTML report escapes every value and replaces control characters.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from collections.abc import Sequence

from markupsafe import escape

from medpages.model import Finding

Results = Sequence[tuple[str, Sequence[Finding]]]
_SEVERITIES = ("error", "warning", "info")


def _printable(text: str | None) -> str:
    """Control characters shown as U+FFFD, so no report carries raw terminal or markup controls."""
    if not text:
        return ""
    return "".join("\ufffd" if unicodedata.category(ch) == "Cc" and ch not in "\n\t" else ch for ch in text)


def _counts(findings: Sequence[Finding]) -> dict[str, int]:
    counted = Counter(finding.severity for finding in findings)
    return {severity: counted.get(severity, 0) for severity in _SEVERITIES}


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 error`, `2 errors`: a count with its noun in the right number."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def _tally(counts: dict[str, int]) -> str:
    return f"{counted(counts['error'], 'error')}, {counted(counts['warning'], 'warning')}, {counts['info']:,} info"


def _verdict(findings: Sequence[Finding]) -> str:
    counts = _counts(findings)
    if counts["error"]:
        return "blocked"
    if counts["warning"]:
        return "needs review"
    return "passed"


def report_text(results: Results) -> str:
    """One block per medicine: its verdict, then one line per finding; totals at the end."""
    lines: list[str] = []
    totals: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for medicine, findings in results:
        verdict = _verdict(findings)
        verdicts[verdict] += 1
        counts = _counts(findings)
        totals.update(counts)
        lines.append(f"{_printable(medicine)}: {verdict} ({_tally(counts)})")
        for finding in findings:
            where = f" [{finding.section}]" if finding.section else ""
            message = " ".join(_printable(finding.message).split())
            lines.append(f"  {finding.severity.upper():7} {finding.code}{where}: {message}")
    lines.append(_totals_line(len(results), verdicts, totals))
    return "\n".join(lines)


def _totals_line(pages: int, verdicts: Counter[str], totals: Counter[str]) -> str:
    need = "needs" if verdicts["needs review"] == 1 else "need"
    return (f"{counted(pages, 'page')}: {verdicts['blocked']:,} blocked, {verdicts['needs review']:,} {need} review, "
            f"{verdicts['passed']:,} passed; {_tally(totals)}")


def report_by_code(results: Results, *, examples: int = 5) -> str:
    """The findings grouped by code: a summary (code, severity, findings, pages), then a few pages per code.

    The same totals as `report_text`, in a few lines however many pages repeat a finding; worst
    severity first, then the most pages. `report_text` lists every finding of every page.
    """
    pages_by_code: dict[str, list[str]] = {}
    findings_by_code: Counter[str] = Counter()
    severity_of: dict[str, str] = {}
    totals: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for medicine, findings in results:
        verdicts[_verdict(findings)] += 1
        totals.update(_counts(findings))
        for finding in findings:
            findings_by_code[finding.code] += 1
            worst = severity_of.get(finding.code, "info")
            if _SEVERITIES.index(finding.severity) <= _SEVERITIES.index(worst):
                severity_of[finding.code] = finding.severity
            pages = pages_by_code.setdefault(finding.code, [])
            if not pages or pages[-1] != medicine:
                pages.append(medicine)
    codes = sorted(findings_by_code, key=lambda code: (_SEVERITIES.index(severity_of[code]),
                                                       -len(pages_by_code[code]), code))
    lines = [_totals_line(len(results), verdicts, totals)]
    if codes:
        width = max(len(code) for code in codes)
        lines += ["", "By finding:"]
        lines += [f"  {severity_of[code].upper():7} {code:{width}}  {counted(findings_by_code[code], 'finding')} "
                  f"on {counted(len(pages_by_code[code]), 'page')}" for code in codes]
        lines += ["", "Pages by finding:"]
        for code in codes:
            pages = pages_by_code[code]
            shown = ", ".join(_printable(page) for page in pages[:examples])
            more = f" and {len(pages) - examples:,} more" if len(pages) > examples else ""
            lines.append(f"  {code}: {shown}{more}")
    return "\n".join(lines)


def report_json(results: Results) -> str:
    """A JSON document: per medicine its verdict, counts and findings."""
    pages = [{
        "medicine": medicine,
        "verdict": _verdict(findings),
        "blocked": _verdict(findings) == "blocked",
        "counts": _counts(findings),
        "findings": [finding.model_dump(mode="json") for finding in findings],
    } for medicine, findings in results]
    return json.dumps({"pages": pages}, ensure_ascii=False, indent=2)


def report_html(results: Results) -> str:
    """A standalone HTML page: a table of findings per medicine. Every value is escaped."""
    def e(value: object) -> str:
        return str(escape(_printable(str(value) if value is not None else "")))

    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>medpages check report</title>",
             "<style>body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}"
             "td,th{border:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}"
             ".error{color:#a00}.warning{color:#850}.info{color:#555}</style></head><body>",
             "<h1>Check report</h1>"]
    for medicine, findings in results:
        counts = _counts(findings)
        parts.append(f"<section><h2>{e(medicine)}</h2><p>{e(_verdict(findings))}: {e(_tally(counts))}</p>")
        if findings:
            parts.append("<table><thead><tr><th>Severity</th><th>Code</th><th>Section</th><th>Finding</th>"
                         "</tr></thead><tbody>")
            for finding in findings:
                parts.append(f'<tr class="{e(finding.severity)}"><td>{e(finding.severity)}</td>'
                             f"<td><code>{e(finding.code)}</code></td><td>{e(finding.section)}</td>"
                             f"<td>{e(finding.message)}</td></tr>")
            parts.append("</tbody></table>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
