"""Stored and reflected XSS, judged by a real browser: every payload of xss_payloads.py is sent as a
suggestion (in its section text, its reason and its author name), seen by a reviewer in the queue
and the diff (stored XSS against reviewers is the worst kind), accepted into the page, and then
rendered by the app (page, history, revisions, the contributor's link, search) and by the static
site `medpages build` writes. Nothing may run.

A payload that ran would call `alert` (replaced in every frame by an init script that counts) or
set `window.__xss`; `dialog` events are counted too. Each page is also inspected: no `<script>`
but the site's own files, no `on*` attribute, no `javascript:`/`vbscript:`/`data:` target or
`style` expression, and no more iframes, objects, forms, SVG or MathML than the same page has
without hostile content. The browser ignores the Content-Security-Policy (`bypass_csp`): the
policy is a second guard, and this checks the first one, the sanitising, on its own.
"""

from __future__ import annotations

import urllib.parse

import httpx
import pytest
from app_server import SEED_PATH, SEED_SLUG, browser, review_app, sign_in_tab  # noqa: F401  (fixtures)
from xss_payloads import PAYLOADS

from medpages.model import Page
from medpages.review.sections import section_text

SECTION = "important_note"

WATCH = """
window.__xss = 0;
const hit = () => { window.__xss = (window.__xss || 0) + 1; };
window.alert = hit; window.confirm = hit; window.prompt = hit; window.print = hit;
"""

INSPECT = """() => {
  const problems = [];
  const targets = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'background', 'poster', 'codebase',
                   'srcdoc', 'lowsrc', 'dynsrc'];
  for (const el of document.querySelectorAll('*')) {
    for (const attribute of el.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
      if (name.startsWith('on')) problems.push(`${el.tagName} has ${name}`);
      if (targets.includes(name) && /^((javascript|vbscript|livescript):|data:(text\\/html|text\\/javascript|image\\/svg))/.test(value))
        problems.push(`${el.tagName} ${name}=${attribute.value.slice(0, 80)}`);
      if (name === 'content' && el.hasAttribute('http-equiv') && /url=/.test(value)) problems.push('meta refresh ' + value);
      if (name === 'srcdoc') problems.push(`${el.tagName} has srcdoc`);
      if (name === 'style' && /expression|javascript:|url\\(/.test(value)) problems.push(`${el.tagName} style=${value.slice(0, 80)}`);
    }
  }
  for (const script of document.querySelectorAll('script')) {
    const src = script.getAttribute('src');
    const type = (script.getAttribute('type') || '').toLowerCase();
    if (src === null) {
      if (type !== 'application/ld+json') problems.push('inline script: ' + script.textContent.slice(0, 80));
      else { try { JSON.parse(script.textContent); } catch (e) { problems.push('broken JSON-LD'); } }
    } else {
      const url = new URL(src, document.baseURI);
      if (url.origin !== location.origin || !/\\/(app-)?static\\/[\\w.-]+\\.js$/.test(url.pathname))
        problems.push('foreign script: ' + src);
    }
  }
  const tags = {};
  for (const selector of ['iframe', 'frame', 'object', 'embed', 'applet', 'base', 'meta[http-equiv]', 'form', 'input',
                          'button', 'textarea', 'svg', 'math', 'style', 'link', 'img', 'video', 'audio', 'details',
                          'marquee', 'noscript'])
    tags[selector] = document.querySelectorAll(selector).length;
  return {flag: window.__xss, problems, tags};
}"""


class Watcher:
    """A browser tab that counts what would have run, and inspects each page it loads."""

    def __init__(self, browser, base_url: str):  # noqa: F811
        self.context = browser.new_context(base_url=base_url, bypass_csp=True, viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.tab = self.context.new_page()
        self.tab.set_default_timeout(15_000)
        self.dialogs: list[str] = []
        self.tab.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def visit(self, path: str, *, baseline: dict | None = None, expect_status: int | None = 200,
              settle_ms: int = 0, interact: bool = True) -> dict:
        response = self.tab.goto(path, wait_until="load")
        if settle_ms:
            self.tab.wait_for_timeout(settle_ms)
        if expect_status is not None:
            assert response is not None and response.status == expect_status, f"{path}: {response and response.status}"
        if interact:
            self.tab.mouse.move(5, 5)  # handlers that need a pointer (onmouseover over the whole window)
            self.tab.mouse.move(640, 450)
            self.tab.keyboard.press("Tab")  # and focus
        found = self.tab.evaluate(INSPECT)
        where = urllib.parse.unquote(path)[:120]
        assert found["flag"] == 0, f"{where}: a payload ran (window.__xss={found['flag']})"
        assert self.dialogs == [], f"{where}: a dialog opened: {self.dialogs}"
        assert found["problems"] == [], f"{where}: {found['problems'][:10]}"
        if baseline is not None:
            extra = {tag: n for tag, n in found["tags"].items() if n > baseline.get(tag, 0)}
            assert extra == {}, f"{where}: elements the page has only with the payloads: {extra}"
        return found["tags"]

    def close(self) -> None:
        self.context.close()


def _section(client: httpx.Client) -> tuple[int, str]:
    number = client.get(f"/api/v1/medicines/{SEED_SLUG}").json()["current_revision"]
    page = client.get(f"/api/v1/medicines/{SEED_SLUG}/revisions/{number}").json()["page"]
    return number, section_text(Page.model_validate(page), SECTION)


@pytest.fixture(scope="module")
def baselines(browser, review_app):  # noqa: F811
    """The pages' elements before any hostile content, and one harmless suggestion's pages."""
    server = review_app
    watcher = Watcher(browser, server.url)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        base, text = _section(client)
        sent = client.post("/api/v1/suggestions", json={
            "slug": SEED_SLUG, "section": SECTION, "base_revision": base, "text": f"{text}\n\nA harmless line.",
            "reason": "A harmless reason.", "author_name": "Harmless"}).json()
    found = {"page": watcher.visit(SEED_PATH), "history": watcher.visit(SEED_PATH + "history/"),
             "revision": watcher.visit(f"{SEED_PATH}revisions/{base}/"), "follow": watcher.visit(sent["link"]),
             "search": watcher.visit("/search/?q=harmless")}
    watcher.close()
    reviewer = Watcher(browser, server.url)
    sign_in_tab(reviewer.tab, "rita")
    found["diff"] = reviewer.visit(f"/review/{sent['id']}/")
    found["queue"] = reviewer.visit("/review/")
    reviewer.close()
    with httpx.Client(base_url=server.url, timeout=30,
                      headers={"Authorization": f"Bearer {server.project.tokens['rob']}"}) as client:
        client.post(f"/api/v1/suggestions/{sent['id']}/reject", json={"reason": "only a baseline"})
    return found


@pytest.fixture(scope="module")
def hostile(review_app, baselines):  # noqa: F811
    """Every payload suggested (all pending at once), for the reviewer's pages."""
    server = review_app
    sent: list[dict] = []
    refused: list[tuple[str, int, str]] = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        base, text = _section(client)
        for n, payload in enumerate(PAYLOADS):
            answer = client.post("/api/v1/suggestions", json={
                "slug": SEED_SLUG, "section": SECTION, "base_revision": base,
                "text": f"{text}\n\nPayload {n}: {payload}", "reason": f"Reason {n}: {payload}",
                "author_name": payload[:100]})
            if answer.status_code == 201:
                sent.append(dict(answer.json(), payload=payload, n=n))
            else:
                assert answer.status_code in (400, 422), f"payload {n}: {answer.status_code} {answer.text[:300]}"
                refused.append((payload, answer.status_code, answer.json()["detail"]))
    assert len(sent) >= len(PAYLOADS) * 0.8, f"most payloads are taken (and cleaned), not refused: {refused}"
    return {"sent": sent, "refused": refused}


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 50
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def test_reviewers_see_hostile_suggestions_safely(browser, review_app, baselines, hostile):  # noqa: F811
    reviewer = Watcher(browser, review_app.url)
    sign_in_tab(reviewer.tab, "rita")
    reviewer.visit("/review/", baseline=baselines["queue"])
    assert reviewer.tab.locator("table.queue tbody tr").count() >= min(len(hostile["sent"]), 50)
    reviewer.visit(f"/review/?medicine={SEED_SLUG}&page_number=2", baseline=baselines["queue"])
    for suggestion in hostile["sent"]:
        reviewer.visit(f"/review/{suggestion['id']}/", baseline=baselines["diff"])
    reviewer.close()


@pytest.fixture(scope="module")
def accepted(review_app, hostile):  # noqa: F811
    """The payloads accepted into the page by a reviewer (edit and accept, the payload added again,
    when the page moved on since the suggestion's base revision)."""
    server = review_app
    headers = {"Authorization": f"Bearer {server.project.tokens['rita']}"}
    taken, refused = [], []
    with httpx.Client(base_url=server.url, timeout=30, headers=headers) as client:
        for suggestion in hostile["sent"]:
            answer = client.post(f"/api/v1/suggestions/{suggestion['id']}/accept")
            if answer.status_code == 409:
                _, text = _section(client)
                answer = client.post(f"/api/v1/suggestions/{suggestion['id']}/accept", json={
                    "edited_text": f"{text}\n\nPayload {suggestion['n']}: {suggestion['payload']}"})
            if answer.status_code == 200:
                taken.append(suggestion)
            else:
                assert answer.status_code == 400, f"{suggestion['n']}: {answer.status_code} {answer.text[:300]}"
                refused.append((suggestion["payload"], answer.json()["detail"]))
        current, text = _section(client)
    assert len(taken) >= len(hostile["sent"]) * 0.8, f"refused on acceptance: {refused}"
    shown = sum(f"Payload {s['n']}:" in text for s in taken)
    assert shown >= len(taken) * 0.8, "the payloads' paragraphs are on the page (the test is not vacuous)"
    return {"accepted": taken, "current": current, "shown": shown}


def test_accepted_payloads_do_not_run_in_the_app(request, browser, review_app, baselines, hostile,  # noqa: F811
                                                 accepted):
    server = review_app
    current, shown, accepted = accepted["current"], accepted["shown"], accepted["accepted"]

    reader = Watcher(browser, server.url)
    reader.visit(SEED_PATH, baseline=baselines["page"])
    assert reader.tab.locator("main").inner_text().count("Payload ") >= shown * 0.8
    reader.visit(SEED_PATH + "history/", baseline=baselines["history"])
    for number in (current, current - 1, max(1, current - len(accepted) // 2)):
        reader.visit(f"{SEED_PATH}revisions/{number}/", baseline=baselines["revision"])
    for suggestion in hostile["sent"]:
        # The same fields the reviewer's diff showed (with the pointer and focus): here the loads alone.
        reader.visit(suggestion["link"], baseline=baselines["follow"], interact=False)
        reader.visit("/search/?q=" + urllib.parse.quote(suggestion["payload"][:200]), baseline=baselines["search"],
                     interact=False)
    reader.close()


def test_accepted_payloads_do_not_run_on_the_static_site(browser, review_app, accepted):  # noqa: F811
    from medpages.publish.site.serve import start_site_server

    project = review_app.project
    built = project.run("build")
    assert (project.root / "site" / "index.html").is_file(), built.stdout + built.stderr
    server, url = start_site_server(project.root / "site")
    try:
        watcher = Watcher(browser, url)
        clean = watcher.visit("/a/atorvastatin-20mg/")  # the same template without hostile content
        watcher.visit(SEED_PATH, baseline=clean)
        assert "Payload " in watcher.tab.locator("main").inner_text()
        for query in ("Payload", "alert", "script", "onerror"):  # search.js renders what the index holds
            watcher.visit("/search/?q=" + query, expect_status=None, settle_ms=500)
        watcher.close()
    finally:
        server.shutdown()
        server.server_close()
