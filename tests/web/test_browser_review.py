"""The review web app end to end in real headless Chromium, on SQLite and PostgreSQL: a reader
without an account suggests an edit, a reviewer accepts it and marks the page reviewed, and the
reader sees the change; and the same reading, searching and suggesting with JavaScript off.

The server is `medpages serve` in a subprocess (app_server.py); Chromium is Debian's, driven by
Playwright (skipped with the reason when either is missing).
"""

from __future__ import annotations

import re

from app_server import (  # noqa: F401  (fixtures)
    ATORVASTATIN_PATH,
    ATORVASTATIN_SLUG,
    SEED_PATH,
    browser,
    review_app,
    sign_in_tab,
)

SENTENCE = "Take it at the same time each evening, with or without food."


def new_tab(browser, server, **options):  # noqa: F811
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900}, **options)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    return tab


def test_a_reader_suggests_and_a_reviewer_accepts(browser, review_app):  # noqa: F811
    reader = new_tab(browser, review_app)
    reader.goto(ATORVASTATIN_PATH)
    assert reader.locator("h1").inner_text() == "Atorvastatin 20mg"
    before = reader.locator("main").inner_text()
    assert SENTENCE not in before

    # The reader: "Suggest an edit" on the Important Note, edit, give a reason, send.
    link = reader.locator('a[href$="/suggest/important_note/"]')
    assert "Suggest an edit" in link.inner_text()
    link.click()
    reader.wait_for_url(re.compile(r"/suggest/important_note/$"))
    text = reader.input_value("#text")
    assert "not an exhaustive list" in text
    reader.fill("#text", f"{text}\n\n{SENTENCE}")
    reader.fill("#reason", "The label says it may be taken at any time of day; evening is usual.")
    reader.fill("#author_name", "A. Reader")
    reader.click("form.suggest-form button[type=submit]")
    reader.wait_for_url(re.compile(r"/suggestions/[^/]+/$"))
    follow_link = reader.url
    assert reader.locator(".status-pending").is_visible()
    assert "Waiting for a reviewer" in reader.locator(".status-line").inner_text()
    assert SENTENCE in reader.locator("pre.suggested-text").inner_text()

    # The reviewer: sign in, the queue, the diff with the label's facts and the findings, accept.
    reviewer = new_tab(browser, review_app)
    sign_in_tab(reviewer, "rita")
    row = reviewer.locator("table.queue tbody tr", has_text="A. Reader").filter(has_text=ATORVASTATIN_SLUG)
    assert row.count() == 1
    row.locator("a").click()
    reviewer.wait_for_url(re.compile(r"/review/\d+/$"))
    assert SENTENCE in reviewer.locator("table.diff ins").all_inner_texts()[-1]
    assert "Lipitor" in reviewer.locator("main").inner_text() or "LIPITOR" in reviewer.locator("main").inner_text()
    assert reviewer.get_by_role("heading", name="Quality checks").is_visible()
    assert reviewer.locator("ul.findings li").count() + reviewer.get_by_text("No findings.").count() >= 1
    reviewer.get_by_role("button", name="Accept", exact=True).click()
    reviewer.wait_for_url(re.compile(r"/review/\d+/$"))
    assert "accepted" in reviewer.locator("dl.facts").inner_text()

    # Mark the page reviewed, from its history.
    reviewer.goto(ATORVASTATIN_PATH + "history/")
    reviewer.get_by_role("button", name=re.compile(r"Mark revision \d+ reviewed")).click()
    reviewer.wait_for_url(re.compile(r"/history/$"))
    assert "rita" in reviewer.locator("main").inner_text()

    # The reader sees the change with the reviewed badge; the history lists the revisions; the
    # follow link says accepted.
    reader.goto(ATORVASTATIN_PATH)
    assert SENTENCE in reader.locator("main").inner_text()
    badge = reader.locator(".provenance .badge")
    assert "reviewed" in badge.inner_text().lower() and "not yet" not in badge.inner_text().lower()
    reader.goto(ATORVASTATIN_PATH + "history/")
    rows = reader.locator("table.history tbody tr")
    assert rows.count() >= 2
    assert "The label says it may be taken" in reader.locator("table.history").inner_text()
    reader.goto(follow_link)
    assert reader.locator(".status-accepted").is_visible()
    assert reader.errors == [] and reviewer.errors == []  # type: ignore[attr-defined]
    reader.context.close()
    reviewer.context.close()


def test_without_javascript_reading_searching_and_suggesting_work(browser, review_app):  # noqa: F811
    tab = new_tab(browser, review_app, java_script_enabled=False)
    tab.goto(SEED_PATH)
    assert tab.locator("h1").inner_text() == "Ado-trastuzumab emtansine 160mg"
    assert "HER2-positive" in tab.locator("main").inner_text()

    tab.goto("/search/?q=paracetmol")  # a typo: the server's search forgives it too
    assert "Paracetamol 500mg" in tab.locator("main").inner_text()
    tab.goto("/search/?q=atorvastatin")
    tab.locator("main a", has_text="Atorvastatin 20mg").first.click()
    tab.wait_for_url(re.compile(re.escape(ATORVASTATIN_PATH) + "$"))

    tab.goto(SEED_PATH)
    tab.locator('a[href$="/suggest/how_it_works/"]').click()
    tab.wait_for_url(re.compile(r"/suggest/how_it_works/$"))
    tab.fill("#text", tab.input_value("#text") + "\n\nKeep it in a refrigerator at 2 to 8 °C.")
    tab.fill("#reason", "Where to keep it.")
    tab.click("form.suggest-form button[type=submit]")
    tab.wait_for_url(re.compile(r"/suggestions/[^/]+/$"))
    assert tab.locator(".status-pending").is_visible()
    assert "Keep it in a refrigerator" in tab.locator("pre.suggested-text").inner_text()
    tab.context.close()
