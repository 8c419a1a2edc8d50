"""`medpages page parse` and `page render`: the seed format to the content model and back, in process."""

from __future__ import annotations

import json


def test_page_parse_and_render_round_trip(tmp_path, seed_path, medpages_cli):
    parsed = medpages_cli("page", "parse", seed_path, cwd=tmp_path)
    assert parsed.exit_code == 0, parsed.output
    data = json.loads(parsed.stdout)
    assert (len(data["side_effects"]["items"]), len(data["faqs"]["items"]), len(data["usage"]["items"])) == (10, 6, 2)
    (tmp_path / "page.json").write_bytes(parsed.stdout_bytes)
    rendered = medpages_cli("page", "render", "page.json", cwd=tmp_path)
    assert rendered.exit_code == 0, rendered.output
    assert rendered.stdout_bytes == seed_path.read_bytes()


def test_page_parse_prints_what_the_reader_noticed_on_stderr_not_in_the_page(tmp_path, medpages_cli):
    (tmp_path / "page.md").write_text("# Aspirin 75mg\n\n**Usage:** Treats pain.", encoding="utf-8")
    parsed = medpages_cli("page", "parse", "page.md", cwd=tmp_path)
    assert parsed.exit_code == 0, parsed.output
    assert "findings" not in json.loads(parsed.stdout)
    assert "parse.front_matter_missing (warning)" in parsed.stderr
    assert "parse.missing_section (error): the Disclaimer section is missing" in parsed.stderr


def test_page_render_rejects_bad_json_with_a_clear_message(tmp_path, medpages_cli):
    (tmp_path / "bad.json").write_text('{"title": 5}')
    result = medpages_cli("page", "render", "bad.json", cwd=tmp_path)
    assert result.exit_code == 1
    assert "bad.json: not a page" in result.errors and "front_matter" in result.errors
    (tmp_path / "binary.md").write_bytes(b"# x\n\xff")
    result = medpages_cli("page", "parse", "binary.md", cwd=tmp_path)
    assert result.exit_code == 1 and "binary.md:2: not valid UTF-8" in result.errors
    missing = medpages_cli("page", "parse", "nowhere.md", cwd=tmp_path)
    assert missing.exit_code == 1 and "nowhere.md: cannot read" in missing.errors
