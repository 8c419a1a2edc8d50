"""The Jekyll export stays valid: real Jekyll builds the exported tree, every page becomes HTML."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from site_samples import sample_entries, skeleton

from medpages.publish.jekyll import export_jekyll

html5lib = pytest.importorskip("html5lib", reason="html5lib is not installed (pip install -e '.[test]')")

JEKYLL = shutil.which("jekyll")
pytestmark = pytest.mark.skipif(JEKYLL is None, reason="jekyll is not installed (Debian: apt-get install jekyll)")

LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ page.title }}</title></head>
<body><main>{{ content }}</main></body></html>
"""

def test_exported_tree_builds_in_real_jekyll(tmp_path, seed_text):
    entries = [(medicine, page or skeleton(medicine)) for medicine, page in sample_entries(seed_text)]
    source, out = tmp_path / "source", tmp_path / "out"
    report = export_jekyll(entries, source, tmp_path / "manifest.json")
    assert len(report.written) == len(entries)
    (source / "_layouts").mkdir()
    (source / "_layouts" / "minimal-medicine.html").write_text(LAYOUT)
    (source / "_config.yml").write_text("title: medpages export check\nmarkdown: kramdown\n")

    finished = subprocess.run([JEKYLL, "build", "--quiet", "-s", str(source), "-d", str(out)],
                              capture_output=True, text=True, timeout=180)
    assert finished.returncode == 0, finished.stderr

    for medicine, _ in entries:
        html_file = out / medicine.letter / f"{medicine.slug}.html"
        assert html_file.is_file(), f"{medicine.path} did not become HTML"
        html = html_file.read_text("utf-8")
        parser = html5lib.HTMLParser(namespaceHTMLElements=False)
        document = parser.parse(html)
        assert document.find("head/title").text == medicine.title
        assert "<strong>Generic Name:</strong>" in html  # the seed's bold labels became HTML
        assert "<strong>Note:</strong>" in html
        assert "**" not in html and "---" not in html.split("<main>", 1)[1]  # no Markdown or front matter left
    seed_html = (out / "a" / "ado-trastuzumab-emtansine-160mg.html").read_text("utf-8")
    assert "<li><strong>Fatigue:</strong> Feeling tired or weak.</li>" in seed_html
