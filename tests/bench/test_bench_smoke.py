"""Bench smoke: keeps the benchmark code from rotting. No timing assertions.

1. `generate_data --scale small` fills the test database: counts, a valid audit chain, and the
   bench user reads the bench corner's pages (through bench/settings_bench.py's middleware).
2. bench/run.py, at small scale with two clients for a second per target, drives the real
   server (`joinery serve`, gunicorn) on a database of its own, and writes valid JSON and a
   Markdown table with figures for each target.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_generator_fills_the_test_database(tmp_path, settings):
    from bench.session import create_sessions
    from django.apps import apps

    from joinery.audit.selectors import verify_chain

    context_path = tmp_path / "context.json"
    call_command("generate_data", scale="small", seed=7, no_progress=True, context_out=str(context_path),
                 verbosity=0)
    context = json.loads(context_path.read_text())

    count = lambda label: apps.get_model(label).objects.count()  # noqa: E731
    assert count("organisations.Organisation") == 200
    assert count("network.Partnership") == 50
    assert 180 <= count("agreements.Agreement") <= 230
    assert 4_500 <= count("agreements.Clause") + count("agreements.Comment") <= 5_500
    assert count("audit.AuditEvent") >= 20_000
    assert context["rows"] == sum(n for n, _seconds in context["counts"].values())
    report = verify_chain()
    assert report.ok, report.problem

    settings.ROOT_URLCONF = "bench.urls_bench"
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies.load(create_sessions(1)[0])
    slug = context["partnership"]
    for path in ["/bench/empty", "/dashboard/", f"/partnerships/{slug}/",
                 f"/partnerships/{slug}/decisions/{context['decision_id']}/",
                 f"/partnerships/{slug}/activity/", f"/agreements/{context['agreement_id']}/",
                 f"/api/v1/partnerships/{slug}/decisions"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert int(response["X-Query-Count"]) >= 1


def test_bench_run_drives_a_live_server(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    db = "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    cmd = [sys.executable, str(REPO / "bench" / "run.py"), "--db", db, "--small", "small", "--large", "small",
           "--duration", "1", "--warmup", "0.3", "--clients", "2", "--targets", "partnership,api-decisions",
           "--work-dir", str(tmp_path / "work"), "--out-dir", str(tmp_path / "results"), "--plain-static",
           "--quiet", "--drop"]
    if db == "postgres":
        cmd += ["--pg-url", url, "--pg-prefix", f"bench_smoke_{os.getpid()}_"]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    (json_path,) = (tmp_path / "results").glob("*.json")
    report = json.loads(json_path.read_text())
    assert report["db"] == db
    rows = {row["target"]: row for row in report["targets"]}
    assert list(rows) == ["floor", "partnership", "api-decisions"]
    for name, row in rows.items():
        figures = row["large"]
        assert figures["requests"] > 0, name
        assert set(figures["statuses"]) == {"200"}, (name, figures["statuses"])
        assert figures["queries"]["median"] >= 1, name
        assert all(figures["latency_ms"][p] is not None for p in ("p50", "p95", "p99")), name
        assert figures["rps"] > 0, name
        assert row["scale_ratio"] == 1.0 and row["floor_ratio"] is not None, name
    markdown = json_path.with_suffix(".md").read_text()
    assert "| partnership |" in markdown and "| api-decisions |" in markdown
    assert "| partnership |" in run.stdout  # the table is printed too
