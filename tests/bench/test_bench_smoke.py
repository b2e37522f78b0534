"""Bench smoke: keeps the benchmark code from rotting. No timing assertions.

1. `generate_data --scale small` fills the test database: counts, a valid audit chain, and the
   bench user reads the bench corner's pages (through bench/settings_bench.py's middleware).
   The delivery tables (issue 5) are filled too, and every hour in the ledger is valued at the
   partnership's rate in force on its date.
2. bench/run.py, at small scale with two clients for a second per target, drives the real
   server (`joinery serve`, gunicorn) on a database of its own, and writes valid JSON and a
   Markdown table with figures for each target; then a three-second soak (bench/soak.py) writes
   its figures: requests, errors, every worker's RSS and its slope.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import Resolver404, resolve

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
    # The delivery pages the bench measures, once they exist in this checkout.
    from bench.targets import TARGETS

    delivery = ["work", "timeline", "investment", "risks", "contributions", "my-work", "api-contributions",
                "api-work-items"]
    for target in [t for t in TARGETS if t.name in delivery]:
        path = target.url_path(context)
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            continue  # not built yet: the bench skips it too
        response = client.get(path)
        assert response.status_code == 200, path
    # The evaluation pages (issue 6): every target's path is filled from the context; a page that
    # still answers 404 (a stub) is skipped, as the bench skips it; anything else must be a 200.
    anonymous = Client(HTTP_HOST="127.0.0.1")
    evaluation = ["scorecard", "indicator", "measurements", "partner-report", "open-data-csv", "feedback-form",
                  "api-scorecard"]
    for target in [t for t in TARGETS if t.name in evaluation]:
        path = target.url_path(context)
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            continue
        response = (client if target.auth else anonymous).get(path)
        assert response.status_code in (200, 404), (path, response.status_code)


@pytest.mark.django_db(transaction=True)
def test_generator_fills_the_delivery_tables(tmp_path):
    """Work programmes, volunteers, the contributions ledger, risks and review meetings (issue 5)."""
    from django.apps import apps
    from django.db.models import Count, Q

    context_path = tmp_path / "context.json"
    call_command("generate_data", scale="small", seed=3, no_progress=True, context_out=str(context_path),
                 verbosity=0)
    context = json.loads(context_path.read_text())
    model = apps.get_model
    for label in ["programme.WorkProgramme", "programme.WorkItem", "programme.VolunteerSignup",
                  "contributions.ValuationRate", "contributions.ContributionImport", "contributions.Contribution",
                  "risks.RiskAppetite", "risks.Risk", "meetings.ReviewMeeting", "meetings.Attendance",
                  "meetings.MeetingAction"]:
        assert model(label).objects.exists(), label
    WorkItem, Contribution, Rate = model("programme.WorkItem"), model("contributions.Contribution"), \
        model("contributions.ValuationRate")
    assert WorkItem.depends_on.through.objects.exists()
    assert WorkItem.commitments.through.objects.exists()
    kinds = dict(WorkItem.objects.values_list("kind").annotate(n=Count("id")))
    assert set(kinds) == {"objective", "initiative", "milestone", "task"}
    assert kinds["task"] > 0.75 * sum(kinds.values())  # tasks mostly
    assert sum(kinds.values()) >= 6_000
    assert Contribution.objects.count() >= 20_000
    assert context["rows"] == sum(n for n, _seconds in context["counts"].values())

    # Rates: per partnership and kind of work, an old rate superseded by the current one.
    assert Rate.objects.filter(valid_until__isnull=False, superseded_by__isnull=False).exists()
    assert Rate.objects.filter(valid_until__isnull=True, superseded_by__isnull=True).count() == \
        2 * model("network.Partnership").objects.count()
    # Every hour is valued at the partnership's rate in force on its date: value = quantity × rate.
    hours = Contribution.objects.filter(kind__in=["staff_hours", "volunteer_hours"]).select_related("rate")
    checked = 0
    for c in hours.iterator(chunk_size=2000):
        rate = c.rate
        assert rate is not None and rate.partnership_id == c.partnership_id and rate.hours_kind == c.kind, c.pk
        assert rate.valid_from <= c.date and (rate.valid_until is None or c.date <= rate.valid_until), c.pk
        assert c.value == (c.quantity * rate.hourly_rate).quantize(Decimal("0.01")), c.pk
        assert c.quantity > 0 and c.quantity <= c.people * 24 * ((c.period_end - c.period_start).days + 1), c.pk
        checked += 1
    assert checked > 5_000
    assert not Contribution.objects.filter(kind="money").exclude(value=F("quantity")).exists()
    # Against commitments of the same partnership, by the committed party, within its period.
    against = Contribution.objects.filter(commitment__isnull=False)
    assert against.count() > 0.1 * Contribution.objects.count()
    assert not against.exclude(commitment__agreement__partnership=F("partnership")).exists()
    assert not against.exclude(commitment__party=F("organisation")).exists()
    # Citizens give hours as themselves, on the tasks they signed up for.
    citizens = Contribution.objects.filter(sector="citizens")
    assert citizens.exists()
    assert not citizens.filter(Q(person__isnull=True) | Q(organisation__isnull=False)).exists()
    assert model("programme.VolunteerSignup").objects.filter(status="confirmed").exists()

    # The bench corner: a realistic load, every partner of the bench partnership contributing.
    pid = context["partnership_id"]
    assert 300 <= WorkItem.objects.filter(partnership_id=pid).count() <= 600
    assert WorkItem.objects.filter(partnership_id=pid, status__in=["planned", "in_progress", "blocked"],
                                   due_date__lt=context["now"][:10]).exists()  # some overdue
    assert Contribution.objects.filter(partnership_id=pid).count() >= 2_000
    partners = set(model("network.Partner").objects.filter(partnership_id=pid, status="active")
                   .values_list("organisation_id", flat=True))
    assert partners <= set(Contribution.objects.filter(partnership_id=pid).values_list("organisation_id",
                                                                                        flat=True))
    sectors = set(Contribution.objects.filter(partnership_id=pid).values_list("sector", flat=True))
    assert {"public", "non_profit", "community", "citizens"} <= sectors
    risks = model("risks.Risk").objects.filter(partnership_id=pid)
    assert risks.count() == 30
    assert risks.filter(accepted_for_innovation=True).exclude(acceptance_reason="").exists()
    meetings = model("meetings.ReviewMeeting").objects.filter(partnership_id=pid)
    assert meetings.filter(status="held").exclude(minutes="").exists()
    assert meetings.filter(status="scheduled").exists()
    assert model("meetings.MeetingAction").objects.filter(meeting__partnership_id=pid, task__isnull=False).exists()
    # The bench user represents a partner organisation of the bench partnership, which owns work there.
    bench_org = model("organisations.Organisation").objects.get(slug=context["organisation"])
    assert bench_org.pk in partners
    assert model("organisations.Representative").objects.filter(
        organisation=bench_org, person__email=context["bench_user"]["email"], ended_at__isnull=True).exists()
    assert WorkItem.objects.filter(partnership_id=pid, owner=bench_org).exists()


def test_bench_run_drives_a_live_server(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    db = "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    cmd = [sys.executable, str(REPO / "bench" / "run.py"), "--db", db, "--small", "small", "--large", "small",
           "--duration", "1", "--warmup", "0.3", "--clients", "2", "--targets", "partnership,api-decisions",
           "--work-dir", str(tmp_path / "work"), "--out-dir", str(tmp_path / "results"), "--plain-static",
           "--quiet", "--drop", "--soak", "3"]
    if db == "postgres":
        cmd += ["--pg-url", url, "--pg-prefix", f"bench_smoke_{os.getpid()}_"]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    (json_path,) = [p for p in (tmp_path / "results").glob("*.json") if "-soak-" not in p.name]
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

    # The soak: figures come out (no timing and no memory verdict asserted: three seconds say nothing).
    (soak_path,) = (tmp_path / "results").glob("*-soak-*.json")
    soak = json.loads(soak_path.read_text())["soak"]
    assert soak["requests"] > 0 and soak["errors"] == 0 and soak["worker_restarts"] == 0, soak["error_kinds"]
    assert soak["statuses"] == {"200": soak["requests"]}
    assert len(soak["workers"]) == 2 and soak["samples"]
    for worker in soak["workers"]:
        assert worker["rss_start_mb"] > 0 and worker["rss_end_mb"] > 0, worker
        assert worker["slope_mb_per_hour"] is not None, worker
    assert soak["latency_ms"]["p95"] is not None and isinstance(soak["pass"], bool)
    assert "### Soak on" in soak_path.with_suffix(".md").read_text() and "### Soak on" in run.stdout
