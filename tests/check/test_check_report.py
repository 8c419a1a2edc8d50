"""Reports: text, JSON and HTML; untrusted text is escaped and control characters replaced."""

from __future__ import annotations

import json

from medpages.check import report_html, report_json, report_text
from medpages.model import Finding

HOSTILE = Finding(code="artefact.stray_markup", severity="error", section="usage",
                  message="Usage: <script>alert('x')</script> & \x1b[31mred\x07")
RESULTS = [("<b>Atorvastatin</b>", [HOSTILE, Finding(code="readability.grade", severity="warning", message="hard")]),
           ("Clean 10mg", [])]


def test_html_escapes_everything():
    html = report_html(RESULTS)
    assert "<script>" not in html and "<b>Atorvastatin" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;Atorvastatin&lt;/b&gt;" in html
    assert "\x1b" not in html and "\x07" not in html
    assert html.startswith("<!doctype html>")


def test_text_report_has_verdicts_and_totals():
    text = report_text(RESULTS)
    assert "<b>Atorvastatin</b>: blocked (1 error, 1 warning, 0 info)" in text
    assert "Clean 10mg: passed" in text
    assert "ERROR   artefact.stray_markup [usage]" in text
    assert text.endswith("2 pages: 1 blocked, 0 need review, 1 passed; 1 error, 1 warning, 0 info")
    assert "\x1b" not in text


def test_json_report_round_trips():
    data = json.loads(report_json(RESULTS))
    first = data["pages"][0]
    assert first["blocked"] is True and first["counts"] == {"error": 1, "warning": 1, "info": 0}
    assert first["findings"][0]["message"] == HOSTILE.message
    assert data["pages"][1]["verdict"] == "passed"


def test_empty_results():
    assert report_text([]).startswith("0 pages")
    assert json.loads(report_json([])) == {"pages": []}
    assert "<section>" not in report_html([])
