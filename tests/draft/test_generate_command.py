"""`medpages generate` with an AI backend, as a user runs it: a real subprocess, a real SQLite
project, and the local fake provider on 127.0.0.1 standing in for OpenAI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixture_files import SPL_DIR
from postgres_schema import new_schema, postgres_server_url

from .fake_llm_server import FakeLLMServer

SPL = SPL_DIR
_PROVIDER_VARIABLES = ("OPENAI_", "GEMINI_", "GOOGLE_", "OLLAMA_", "MEDPAGES_DRAFT_")


def medpages(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_VARIABLES)}
    return subprocess.run([sys.executable, "-m", "medpages", *args], cwd=cwd, capture_output=True, text=True,
                          env={**clean, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}, timeout=300)


@pytest.fixture
def project(tmp_path):
    assert medpages("init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    (root / "generics.txt").write_text("Atorvastatin 20mg\nParacetamol 500mg\nIbuprofen 400mg\n")
    assert medpages("import", "generics.txt", cwd=root).returncode == 0
    assert medpages("sources", "add", str(SPL / "lipitor-atorvastatin.xml"), cwd=root).returncode == 0
    return root


def test_generate_drafts_through_an_openai_compatible_server_and_resumes(project):
    with FakeLLMServer() as server:
        env = {"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "test-key"}
        server.script("Paracetamol 500mg", ["rate_limit", "valid"])
        server.script("Ibuprofen 400mg", ["invalid", "invalid"])  # still broken after the repair prompt

        dry = medpages("generate", "--model", "gpt-4o-mini", "--dry-run", cwd=project, env=env)
        assert dry.returncode == 0, dry.stderr
        assert "Backend: openai (OPENAI_BASE_URL is set" in dry.stdout and "Estimate:" in dry.stdout
        assert server.count() == 0

        first = medpages("generate", "--model", "gpt-4o-mini", "--rpm", "600", cwd=project, env=env)
        assert first.returncode == 1, first.stdout + first.stderr  # one page failed
        assert "Drafted 2 pages" in first.stdout and "1 failed" in first.stdout
        assert "ibuprofen-400mg:" in first.stderr and "Traceback" not in first.stderr
        assert "1 rate-limited" in first.stdout and "Tokens:" in first.stdout
        # The label's facts went into the atorvastatin prompt, and only there.
        prompts = {r.medicine: json.dumps(r.body) for r in server.requests}
        assert "nasopharyngitis" in prompts["Atorvastatin 20mg"]
        assert "nasopharyngitis" not in prompts["Paracetamol 500mg"]

        server.script("Ibuprofen 400mg", ["valid"])
        before = server.count()
        second = medpages("generate", "--model", "gpt-4o-mini", cwd=project, env=env)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "Drafted 1 page;" in second.stdout and "2 skipped" in second.stdout
        assert server.count() == before + 1  # the drafted pages were not asked for again

    assert medpages("build", "--jekyll", "md", cwd=project).returncode == 0
    page = (project / "md" / "p" / "paracetamol-500mg.md").read_text(encoding="utf-8")
    assert "**Side Effects:**" in page and "Nausea" in page
    assert "**Note:** This information is AI-generated or crowd-sourced" in page
    check = medpages("check", "--format", "json", "--only", "paracetamol-500mg", cwd=project)
    assert "paracetamol-500mg" in check.stdout


def test_generate_names_a_missing_key_instead_of_calling_anything(project):
    result = medpages("generate", "--backend", "openai", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "OPENAI_API_KEY" in result.stderr


def _postgres_schema_url():
    """A fresh schema on the test PostgreSQL server (dropped afterwards), or a skip."""
    return new_schema(postgres_server_url("the scale-out test"), prefix="medpages_scale")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_processes_share_a_catalogue_without_drafting_any_medicine_twice(tmp_path, database):
    drop = None
    if database == "postgresql":
        url, drop = _postgres_schema_url()
    else:
        url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    try:
        assert medpages("init", "proj", cwd=tmp_path).returncode == 0
        root = tmp_path / "proj"
        titles = [f"Medicine{number} {10 + number}mg" for number in range(60)]
        (root / "generics.txt").write_text("\n".join(titles) + "\n")
        with FakeLLMServer(latency_median=0.1) as server:  # about 3 s of work for one process alone
            env = {"MEDPAGES_DATABASE_URL": url, "OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "k"}
            assert medpages("import", "generics.txt", cwd=root, env=env).returncode == 0
            command = [sys.executable, "-m", "medpages", "generate", "--model", "gpt-4o-mini", "--rpm", "6000",
                       "--concurrency", "2", "--project", str(root)]
            clean = {k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_VARIABLES)}
            processes = [subprocess.Popen(command, cwd=tmp_path, env={**clean, **env, "NO_COLOR": "1"},
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                         for _ in range(2)]
            outputs = [process.communicate(timeout=240) for process in processes]
            assert all(process.returncode == 0 for process in processes), outputs
            per_medicine = {title: server.count(title) for title in titles}
        assert set(per_medicine.values()) == {1}, per_medicine  # every medicine asked for exactly once
        drafted = [int(out.split("Drafted ", 1)[1].split()[0]) for out, _ in outputs]
        assert sum(drafted) == len(titles), outputs
        assert all(count > 0 for count in drafted), drafted  # both processes did part of the work
        from medpages.store import Store

        with Store.open(url) as store:
            for medicine, page in store.iter_pages():
                assert page is not None and page.provenance["usage"].kind == "model"
                assert len(store.revisions(medicine.slug)) == 1
    finally:
        if drop:
            drop()


def test_a_run_killed_with_sigkill_goes_on_where_it_stopped(tmp_path):
    import signal
    import time

    from medpages.store import Store

    assert medpages("init", "proj", cwd=tmp_path).returncode == 0
    root = tmp_path / "proj"
    titles = [f"Medicine{number} {10 + number}mg" for number in range(24)]
    (root / "generics.txt").write_text("\n".join(titles) + "\n")
    assert medpages("import", "generics.txt", cwd=root).returncode == 0
    url = f"sqlite:///{root / 'medpages.sqlite3'}"
    with FakeLLMServer(latency_median=0.3, latency_sigma=0.1) as server:
        env = {"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "k"}
        clean = {k: v for k, v in os.environ.items() if not k.startswith(_PROVIDER_VARIABLES)}
        process = subprocess.Popen([sys.executable, "-m", "medpages", "generate", "--model", "gpt-4o-mini",
                                    "--rpm", "6000", "--concurrency", "3"], cwd=root, env={**clean, **env},
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        with Store.open(url) as store:
            while time.monotonic() < deadline and store.counts().get("revisions", 0) < 6:
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)  # mid-run, requests in flight
            process.wait(timeout=10)
            before = {m.slug for m, page in store.iter_pages() if page is not None}
        assert 6 <= len(before) < len(titles)
        asked_before = {title: server.count(title) for title in titles}

        rerun = medpages("generate", "--model", "gpt-4o-mini", "--rpm", "6000", cwd=root, env=env)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert f"Drafted {len(titles) - len(before)} pages" in rerun.stdout
        assert "being drafted by another process" not in rerun.stderr  # the dead process's claims were let go
        with Store.open(url) as store:
            for medicine, page in store.iter_pages():
                assert page is not None and page.provenance["usage"].kind == "model"
                assert len(store.revisions(medicine.slug)) == 1  # none stored twice, none half-stored
                if medicine.slug in before:  # finished before the kill: not asked for again
                    assert server.count(medicine.title) == asked_before[medicine.title]


def test_generate_batch_submits_once_collects_and_never_pays_twice(project):
    with FakeLLMServer() as server:
        env = {"OPENAI_BASE_URL": f"{server.url}/v1", "OPENAI_API_KEY": "test-key"}
        server.script("Ibuprofen 400mg", ["invalid"])  # a batch has no repair round: failed, with the reason
        server.script_batch(["running", "running", "completed"])
        first = medpages("generate", "--batch", "--model", "gpt-4o-mini", "--poll-interval", "0.2",
                         cwd=project, env=env)
        assert first.returncode == 1, first.stdout + first.stderr
        assert "Drafted 2 pages" in first.stdout and "1 failed" in first.stdout
        assert "ibuprofen-400mg:" in first.stderr and "batch has no repair round" in first.stderr
        assert len(server.batches) == 1
        second = medpages("generate", "--model", "gpt-4o-mini", cwd=project, env=env)  # the failed one, interactively
        assert second.returncode == 0 and "Drafted 1 page;" in second.stdout, second.stdout + second.stderr
        assert len(server.batches) == 1
    refused = medpages("generate", "--batch", "--backend", "reference", cwd=project)
    assert refused.returncode == 1 and "--batch needs" in refused.stderr
