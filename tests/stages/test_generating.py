"""Generate: a page for every medicine that needs one, in process.

The reference backend through `medpages generate`; an AI backend through the stage with
httpx.MockTransport in place of the network, the provider and the runner unchanged above it.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from datetime import date

import httpx
import pytest
from draft.fake_llm_server import answer_text, openai_completion, valid_page
from fixture_files import LABELS_DIR, LIPITOR_XML, SPL_DIR

from medpages.project import Project
from medpages.stages import generate_pages

EXIT_WARNINGS = 3
_MEDICINE = re.compile(r"^Medicine: (.+)$", re.MULTILINE)


def test_generate_composes_from_the_label_then_changes_nothing_on_a_rerun(project_dir, medpages_cli, seed_path):
    (project_dir / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\n")
    shutil.copy(seed_path, project_dir / "seed.md")
    assert medpages_cli("import", "generics.txt", "seed.md", cwd=project_dir).exit_code == 0
    assert medpages_cli("sources", "add", SPL_DIR, cwd=project_dir).exit_code == 0
    dry = medpages_cli("generate", "--dry-run", cwd=project_dir)
    assert "Backend: reference (the offline default" in dry.stdout and "Would draft 2 pages" in dry.stdout
    assert not (project_dir / "jekyll").exists()
    first = medpages_cli("generate", cwd=project_dir)
    assert first.exit_code in (0, EXIT_WARNINGS), first.output
    assert "Drafted 2 pages; 0 unchanged, 1 skipped, 0 failed" in first.stdout, first.stdout
    assert "1 medicine has no reference label yet" in first.stdout
    assert "ado-trastuzumab-emtansine-160mg: has a page written by imported" in first.stderr
    again = medpages_cli("generate", cwd=project_dir)
    assert "Drafted 0 pages; 2 unchanged" in again.stdout
    assert medpages_cli("build", "--jekyll", "md", cwd=project_dir).exit_code == 0
    page = (project_dir / "md" / "a" / "atorvastatin-20mg.md").read_text(encoding="utf-8")
    assert "Joint pain" in page and "dailymed.nlm.nih.gov" in page
    assert "**Note:** This page is compiled from the official label" in page  # composed from the label alone
    assert (project_dir / "md" / "a" / "ado-trastuzumab-emtansine-160mg.md").read_bytes() == seed_path.read_bytes()


def test_each_page_is_composed_from_the_label_of_its_listed_product_and_a_nearest_one_is_reported(
        project_dir, medpages_cli):
    # Issue 13: "Ibuprofen 400mg" took the children's suspension, the more recent of the two labels.
    (project_dir / "generics.txt").write_text(
        "Ibuprofen 400mg\nIbuprofen 200mg tablets\nIbuprofen 100mg/5ml oral suspension\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    for name in ("otc-advil-multiproduct.xml", "otc-childrens-ibuprofen-susp.xml"):
        assert medpages_cli("sources", "add", LABELS_DIR / name, cwd=project_dir).exit_code == 0
    project = Project.find(project_dir)
    report = generate_pages(project, backend="reference")
    composed_from = {medicine.slug: page.provenance["usage"].by.rsplit(" from ", 1)[1]
                     for medicine, page in project.store().iter_pages()}
    advil, childrens = "spl:1a665e64-9f30-be37-4a83-38789f1f1e89", "spl:45255d2f-c592-4750-abb5-21647d4fbd51"
    assert composed_from == {"ibuprofen-400mg": advil, "ibuprofen-200mg-tablets": advil,
                             "ibuprofen-100mg-5ml-oral-suspension": childrens}
    assert report.label_differs == [
        "ibuprofen-100mg-5ml-oral-suspension: suspension (oral); a children's product (no other label fits)",
        "ibuprofen-400mg: tablet, coated (oral); no label of the listed strength (400mg)",
    ]
    assert report.label_mismatch == [] and report.without_label == []
    # The pages say it where a reader looks before taking a dose; the listed product's page does not.
    store = project.store()
    note = store.get_page("ibuprofen-400mg").important_note.lead
    assert note.startswith("This page is compiled from the label of another product, ADVIL (ibuprofen) tablet, "
                           "coated (no label of the listed strength (400mg)): its doses and directions are for "
                           "that product. Ask a pharmacist how they apply to Ibuprofen 400mg.")
    assert "another product" in store.get_page("ibuprofen-100mg-5ml-oral-suspension").important_note.lead
    listed = store.get_page("ibuprofen-200mg-tablets").important_note
    assert listed is None or "another product" not in listed.lead
    assert not [f for slug in composed_from for f in store.findings(slug) if f.severity == "error"]


def test_generate_refuses_an_unknown_backend_or_medicine(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\n")
    medpages_cli("import", "generics.txt", cwd=project_dir)
    unknown = medpages_cli("generate", "--backend", "magic", cwd=project_dir)
    assert unknown.exit_code == 2 and "magic" in unknown.errors  # wrong usage, as the README says
    missing = medpages_cli("generate", "--only", "no-such-medicine", cwd=project_dir)
    assert missing.exit_code == 1 and "no-such-medicine: no such medicine" in missing.errors


def test_a_dry_run_with_an_ai_backend_estimates_and_calls_nothing(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text("Paracetamol 500mg\nIbuprofen 400mg\n")
    medpages_cli("import", "generics.txt", cwd=project_dir)
    # Nothing answers at this address: a dry run that called it would fail.
    env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    dry = medpages_cli("generate", "--backend", "openai", "--model", "gpt-4o-mini", "--dry-run", cwd=project_dir, env=env)
    assert dry.exit_code == 0, dry.output
    assert "Would draft 2 pages" in dry.stdout and "Estimate:" in dry.stdout
    assert "gpt-4o-mini at http://127.0.0.1:9/v1" in dry.stdout


# --------------------------------------------------------------------------- an AI backend, network mocked


class FakeOpenAI:
    """OpenAI's chat completions as an httpx.MockTransport: a valid page for every medicine, a
    refusal for those named in `refuse`, a chatbot's preamble in the page of those in `chatty`,
    and every request kept to look at."""

    def __init__(self, refuse: frozenset[str] = frozenset(), chatty: frozenset[str] = frozenset()):
        self.refuse, self.chatty = refuse, chatty
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path != "/v1/chat/completions":
            return httpx.Response(404, json={"error": {"message": f"no such endpoint {request.url.path}"}})
        body = json.loads(request.content)
        medicine = _MEDICINE.search(self.prompt(body)).group(1).strip()
        behaviour = "refusal" if medicine in self.refuse else "valid"
        text, finish = answer_text(medicine, behaviour)
        if medicine in self.chatty:
            page = valid_page(medicine)
            page["usage"]["lead"] = "As an AI language model, I can tell you that " + page["usage"]["lead"]
            text = json.dumps(page)
        return httpx.Response(200, json=openai_completion(body, text, finish, behaviour))

    @staticmethod
    def prompt(body: dict) -> str:
        return next(m["content"] for m in body["messages"] if m["role"] == "user")

    def prompts(self) -> dict[str, str]:
        """The first prompt sent for each medicine."""
        found: dict[str, str] = {}
        for request in self.requests:
            prompt = self.prompt(json.loads(request.content))
            found.setdefault(_MEDICINE.search(prompt).group(1).strip(), prompt)
        return found


@pytest.fixture
def catalogue(project_dir, medpages_cli, monkeypatch):
    (project_dir / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\nIbuprofen 400mg\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    assert medpages_cli("sources", "add", LIPITOR_XML, cwd=project_dir).exit_code == 0
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    return Project.find(project_dir)


def _generate(project: Project, fake: FakeOpenAI, **options):
    """`generate_pages` with the AI backend talking to `fake` instead of the network."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(fake))
    try:
        return generate_pages(project, backend="openai", model="gpt-4o-mini", client=client, **options)
    finally:
        asyncio.run(client.aclose())


def test_an_ai_backend_drafts_checks_and_stores_each_page(catalogue):
    fake = FakeOpenAI(refuse=frozenset({"Ibuprofen 400mg"}), chatty=frozenset({"Paracetamol 500mg"}))
    report = _generate(catalogue, fake)
    assert report.backend == "openai" and report.target.startswith("gpt-4o-mini at https://api.openai.com/v1")
    assert sorted(report.drafted) == ["atorvastatin-20mg", "paracetamol-500mg"]
    assert len(report.failed) == 1 and report.failed[0].startswith("ibuprofen-400mg: ")
    assert "refus" in report.failed[0]
    assert sorted(report.without_label) == ["ibuprofen-400mg", "paracetamol-500mg"]
    # The checks ran on each draft as it arrived: the chatbot's preamble holds that page back.
    assert [line.split(":")[0] for line in report.with_errors] == ["paracetamol-500mg"]
    assert "refers to itself as an AI" in report.with_errors[0]
    assert report.summary.requests == len(fake.requests) == 3

    # The provider's request as OpenAI expects it: its address, key, model and structured output.
    request = fake.requests[0]
    assert (request.url.host, request.headers["authorization"]) == ("api.openai.com", "Bearer test-key")
    body = json.loads(request.content)
    assert body["model"] == "gpt-4o-mini" and body["response_format"]["type"] == "json_schema"
    # The label's facts go to the model for the medicine that has a label, and only to it.
    prompts = fake.prompts()
    assert "Use ONLY the facts below, taken from the medicine's official label" in prompts["Atorvastatin 20mg"]
    assert "No label facts are available for this medicine" in prompts["Paracetamol 500mg"]

    pages = {medicine.slug: page for medicine, page in catalogue.store().iter_pages()}
    drafted = pages["atorvastatin-20mg"]
    assert drafted.status == "checked" and drafted.generic_name == "Atorvastatin"
    assert drafted.provenance["usage"].kind == "model" and drafted.provenance["usage"].by == "gpt-4o-mini"
    assert pages["paracetamol-500mg"].status == "draft"  # stored, but not passed
    assert pages["ibuprofen-400mg"] is None or pages["ibuprofen-400mg"].provenance["usage"].kind != "model"


def test_a_second_run_asks_only_for_what_is_left(catalogue):
    first = FakeOpenAI(refuse=frozenset({"Ibuprofen 400mg"}))
    _generate(catalogue, first)
    second = FakeOpenAI()
    report = _generate(catalogue, second)
    assert report.drafted == ["ibuprofen-400mg"]
    assert set(second.prompts()) == {"Ibuprofen 400mg"}  # the drafted pages were not paid for twice


def test_a_dry_run_with_an_ai_backend_sends_nothing(catalogue):
    fake = FakeOpenAI()
    report = _generate(catalogue, fake, dry_run=True)
    assert len(report.drafted) == 3 and report.estimate.input_tokens > 0
    assert fake.requests == []


def test_only_drafts_the_medicines_named_and_reports_an_unknown_one(catalogue):
    fake = FakeOpenAI()
    report = _generate(catalogue, fake, only=["paracetamol-500mg", "no-such-medicine"])
    assert report.drafted == ["paracetamol-500mg"] and set(fake.prompts()) == {"Paracetamol 500mg"}
    assert report.failed == ["no-such-medicine: no such medicine in the catalogue"]


def test_generate_never_replaces_a_page_a_person_reviewed(project_dir, medpages_cli):
    (project_dir / "generics.txt").write_text("Atorvastatin 20mg\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    assert medpages_cli("sources", "add", SPL_DIR, cwd=project_dir).exit_code == 0
    assert medpages_cli("generate", cwd=project_dir).exit_code in (0, EXIT_WARNINGS)
    store = Project.load(project_dir).store()
    page = store.get_page("atorvastatin-20mg")
    page.status, page.reviewed_on = "reviewed", date(2026, 12, 1)
    page.usage.lead = "Reviewed wording a pharmacist approved."
    store.save_page("atorvastatin-20mg", page, author="reviewer:bob", kind="fixed")
    result = medpages_cli("generate", cwd=project_dir)
    assert "atorvastatin-20mg" in result.stderr, result.output
    assert store.get_page("atorvastatin-20mg").usage.lead == "Reviewed wording a pharmacist approved."


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nothing listens there


@pytest.fixture
def ten_medicines(project_dir, medpages_cli):
    titles = [f"Paracetamol {strength}mg" for strength in range(100, 1100, 100)]
    (project_dir / "generics.txt").write_text("\n".join(titles) + "\n")
    assert medpages_cli("import", "generics.txt", cwd=project_dir).exit_code == 0
    return titles


def test_ollama_that_is_not_running_stops_the_run_and_says_where_and_what_to_check(
        project_dir, medpages_cli, ten_medicines):
    port = _closed_port()
    ran = medpages_cli("generate", "--backend", "ollama", "--model", "llama3.1", cwd=project_dir,
                       env={"OLLAMA_HOST": f"127.0.0.1:{port}"})
    assert ran.exit_code == 1, ran.output
    assert f"cannot connect to ollama at http://127.0.0.1:{port}/v1" in ran.stderr
    assert "is Ollama running" in ran.stderr and "ollama serve" in ran.stderr and "ollama pull llama3.1" in ran.stderr
    assert "Failed (1):" in ran.stderr and "9 medicines not attempted" in ran.stderr, ran.stderr
    requests = int(re.search(r"; (\d+) requests?,", ran.stdout).group(1))
    assert requests <= 8  # the default concurrency: one try each for those in flight, then stopped
    assert "0 retried" in ran.stdout


def test_a_key_the_server_refuses_stops_the_run_and_names_the_base_url_and_key(
        project_dir, medpages_cli, ten_medicines):
    from draft.fake_llm_server import FakeLLMServer

    with FakeLLMServer() as server:
        for title in ten_medicines:
            server.script(title, ["unauthorized"])
        ran = medpages_cli("generate", "--model", "local", "--concurrency", "1", cwd=project_dir,
                           env={"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "wrong"})
        assert len(server.requests) == 1
    assert ran.exit_code == 1, ran.output
    assert "(401)" in ran.stderr and f"{server.url}/v1" in ran.stderr and "OPENAI_API_KEY" in ran.stderr
    assert "9 medicines not attempted" in ran.stderr
