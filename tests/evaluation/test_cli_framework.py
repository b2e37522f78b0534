"""`joinery evaluation framework / adopt / open-data / publish`: the same services and selectors as the web
pages, the API and the public open data addresses; exit codes 0, 1 (refused), 2 (unknown)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.evaluation.models import Framework, FrameworkVersion, Indicator, OpenDataPublication
from joinery.network.models import Decision, DecisionKind
from tests.conftest import admin_of, run_cli

from ._reporting import fill, publish
from .conftest import EvalWorld

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wide_terminal")]




def _published_codes(w):
    return set(Indicator.objects.filter(framework=w.fw, is_published=True).values_list("code", flat=True))


# --- joinery evaluation framework --------------------------------------------------------------

def test_framework_prints_settings_and_the_logic_model_by_level(adopted, capsys):
    w = adopted.world
    assert run_cli("evaluation", "framework", "--partnership", w.p.slug) == 0
    out = capsys.readouterr().out
    for expected in ("Eastside outcomes — Eastside Renewal", "Status: Adopted", "Version 1, adopted on ",
                     "Reporting period: Quarterly, from 2025-01-01 to 2026-12-31 (8 periods).",
                     "Contributes to: Nobody in Eastside goes hungry", "Reported by", "Question"):
        assert expected in out, expected
    lines = out.splitlines()
    meals = next(line for line in lines if "Meals served" in line)
    for cell in ("meals", "Higher is better", "Results", "Is it getting better?", w.charity.name):
        assert cell in meals, cell
    wait = next(line for line in lines if "Days waiting for a referral" in line)
    for cell in ("wait-days", "days", "Lower is better", "Productivity", w.city.name):
        assert cell in wait, cell
    trust = next(line for line in lines if "Residents who trust" in line)
    assert "Democracy" in trust and "Is it building public value?" in trust and w.residents.name in trust
    # activities → outputs → outcomes → impact, each step under its level
    at = [lines.index(level) for level in ("Activity", "Output", "Outcome", "Impact")]
    assert at == sorted(at)
    assert lines[at[0] + 1] == "None yet." and lines[at[1] + 1] == "None yet."
    assert at[2] < out.splitlines().index(meals) < at[3] < out.splitlines().index(trust)


def test_framework_draft_with_a_feedback_fed_indicator_and_in_french(framework, capsys):
    from joinery.evaluation.services import framework as fw

    w = framework.world
    w.feedback_indicator(framework)
    fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="output", title="Meals cooked")
    assert run_cli("evaluation", "framework", "--partnership", w.p.slug) == 0
    out = capsys.readouterr().out
    assert "Status: Draft" in out and "Not adopted yet" in out
    feel = next(line for line in out.splitlines() if "How people feel" in line)
    assert "Citizen feedback: Kitchen feedback" in feel and "Service experience" in feel
    lines = out.splitlines()
    assert lines[lines.index("Meals cooked") + 1] == "No indicators yet."
    assert run_cli("evaluation", "framework", "--partnership", w.p.slug, "--language", "fr") == 0
    out = capsys.readouterr().out
    assert "Ébauche" in out and "Trimestrielle" in out and "Plus élevé est mieux" in out
    assert "Avis des citoyens : Kitchen feedback" in out


def test_framework_json_is_the_snapshot_its_versions_keep(adopted, capsys):
    w = adopted.world
    assert run_cli("evaluation", "framework", "--partnership", w.p.slug, "--json") == 0
    doc = json.loads(capsys.readouterr().out)
    version = FrameworkVersion.objects.get(framework=adopted, number=1)
    assert (doc["status"], doc["version"]) == ("adopted", 1)
    assert doc["partnership"] == {"slug": w.p.slug, "name": w.p.name}
    assert doc["snapshot"] == version.snapshot and doc["sha256"] == version.sha256
    assert [i["code"] for i in doc["snapshot"]["indicators"]] == ["meals", "wait-days", "trust"]


def test_framework_of_an_unknown_partnership_or_none(world, capsys):
    assert run_cli("evaluation", "framework", "--partnership", "nowhere") == 2
    assert "No partnership has the short name 'nowhere'" in capsys.readouterr().err
    assert run_cli("evaluation", "framework", "--partnership", world.p.slug) == 2
    assert "has no evaluation framework" in capsys.readouterr().err
    assert run_cli("evaluation", "framework", "--partnership", world.p.slug, "--language", "xx") == 2


# --- joinery evaluation adopt ------------------------------------------------------------------

def test_adopt_opens_the_partnership_decision(framework, capsys):
    w = framework.world
    base = ("evaluation", "adopt", "--partnership", w.p.slug)
    # refusals first: nothing is opened, the framework stays a draft
    assert run_cli(*base, "--acting-for", w.outsider.slug, "--as", admin_of(w.outsider).email) == 1
    assert "is not an active partner" in capsys.readouterr().err
    assert run_cli(*base, "--acting-for", w.city.slug, "--as", admin_of(w.charity).email) == 1
    assert run_cli(*base, "--acting-for", w.city.slug, "--as", w.lead.email, "--closes-at", "2001-01-01T12:00") == 1
    assert "closes_at: The closing time must be in the future." in capsys.readouterr().err
    assert run_cli(*base, "--acting-for", w.city.slug, "--as", w.lead.email, "--closes-at", "soon") == 2
    assert run_cli(*base, "--acting-for", "nobody", "--as", w.lead.email) == 2
    assert run_cli(*base, "--acting-for", w.city.slug, "--as", "nobody@example.org") == 2
    assert run_cli("evaluation", "adopt", "--partnership", "nowhere", "--acting-for", w.city.slug, "--as",
               w.lead.email) == 2
    assert not Decision.objects.filter(kind=DecisionKind.FRAMEWORK_ADOPTION).exists()
    assert Framework.objects.get(pk=framework.pk).status == "draft"
    capsys.readouterr()

    assert run_cli(*base, "--acting-for", w.city.slug, "--as", w.lead.email, "--closes-at", "2099-03-01T17:00") == 0
    out = capsys.readouterr().out
    decision = Decision.objects.get(kind=DecisionKind.FRAMEWORK_ADOPTION)
    assert decision.payload["framework"] == framework.pk and decision.proposed_for == w.city
    assert decision.closes_at.year == 2099
    assert f"Decision {decision.pk} “Adopt the evaluation framework “Eastside outcomes”" in out
    assert decision.get_absolute_url() in out and "2099-03-01T17:00" in out
    assert Framework.objects.get(pk=framework.pk).status == "proposed"
    assert AuditEvent.objects.filter(action="evaluation.framework_adoption_proposed").count() == 1

    assert run_cli(*base, "--acting-for", w.city.slug, "--as", w.lead.email) == 1
    assert "already before the partners" in capsys.readouterr().err
    assert Decision.objects.filter(kind=DecisionKind.FRAMEWORK_ADOPTION).count() == 1


def test_adopt_refuses_an_adopted_framework(adopted, capsys):
    w = adopted.world
    assert run_cli("evaluation", "adopt", "--partnership", w.p.slug, "--acting-for", w.city.slug, "--as",
               w.lead.email) == 1
    assert "already adopted" in capsys.readouterr().err


# --- joinery evaluation publish ----------------------------------------------------------------

def test_publish_then_change_then_unpublish(adopted, capsys):
    w = adopted.world
    who = ("--partnership", w.p.slug, "--acting-for", w.city.slug, "--as", w.lead.email)
    assert run_cli("evaluation", "publish", *who, "--indicators", "meals,trust", "--licence", "cc0-1.0",
               "--publisher", "Eastside Renewal", "--contact", "data@eastside.example",
               "--description", "What the Eastside partners achieve.") == 0
    out = capsys.readouterr().out
    assert "publishes 2 indicator(s) as open data under CC0-1.0" in out
    assert reverse("evaluation:open_data", args=[w.p.slug]) in out
    pub = OpenDataPublication.objects.get(framework=adopted)
    assert pub.is_published and pub.licence == "CC0-1.0" and pub.title == f"{w.p.name}: results"
    assert pub.contact_email == "data@eastside.example" and _published_codes(w) == {"meals", "trust"}

    # only what is given changes
    assert run_cli("evaluation", "publish", *who, "--indicators", "meals", "--title", "Eastside results") == 0
    pub.refresh_from_db()
    assert (pub.title, pub.licence, pub.publisher, pub.contact_email) == (
        "Eastside results", "CC0-1.0", "Eastside Renewal", "data@eastside.example")
    assert _published_codes(w) == {"meals"}

    assert run_cli("evaluation", "publish", *who, "--unpublish") == 0
    assert "is not published" in capsys.readouterr().out
    pub.refresh_from_db()
    assert not pub.is_published and pub.title == "Eastside results" and _published_codes(w) == {"meals"}
    events = list(AuditEvent.objects.filter(action="evaluation.open_data_updated").order_by("id"))
    assert [e.after["is_published"] for e in events] == [True, True, False]
    assert all(e.actor == w.lead and e.acting_for == w.city for e in events)


def test_publish_refusals_change_nothing(adopted, capsys):
    w = adopted.world
    fields = ("--indicators", "meals", "--publisher", "P", "--contact", "data@eastside.example", "--description", "D")
    assert run_cli("evaluation", "publish", "--partnership", w.p.slug, "--acting-for", w.charity.slug, "--as",
               admin_of(w.charity).email, *fields) == 1
    assert "Only the convener of Eastside Renewal can publish its open data." in capsys.readouterr().err
    who = ("--partnership", w.p.slug, "--acting-for", w.city.slug, "--as", w.lead.email)
    assert run_cli("evaluation", "publish", *who, "--indicators", "", "--contact", "not-an-email") == 1
    err = capsys.readouterr().err
    assert "contact_email: Enter an email address like name@example.org." in err
    assert "description: Describe the dataset" in err and "indicators: Choose at least one indicator" in err
    assert run_cli("evaluation", "publish", *who, *fields[:2], "--indicators", "soup") == 2
    assert "There is no indicator 'soup' in this framework." in capsys.readouterr().err
    assert run_cli("evaluation", "publish", *who, *fields, "--licence", "all-rights-reserved") == 2
    assert "Unknown licence" in capsys.readouterr().err
    assert run_cli("evaluation", "publish", "--partnership", "nowhere", "--acting-for", w.city.slug, "--as",
               w.lead.email, *fields) == 2
    assert not OpenDataPublication.objects.exists() and not _published_codes(w)
    assert not AuditEvent.objects.filter(action="evaluation.open_data_updated").exists()


# --- joinery evaluation open-data --------------------------------------------------------------

def test_open_data_is_what_the_public_addresses_serve(client, adopted, tmp_path, settings, capsys):
    w = adopted.world
    fill(w)
    publish(w, ("meals", "trust"))
    settings.SITE_URL = "http://testserver"  # the host the test client asks for
    for fmt, name in (("csv", "evaluation:open_data_csv"), ("json", "evaluation:open_data_json")):
        public = client.get(reverse(name, args=[w.p.slug]))
        assert public.status_code == 200
        target = tmp_path / f"open.{fmt}"
        assert run_cli("evaluation", "open-data", "--partnership", w.p.slug, "--format", fmt, "-o", target) == 0
        assert f"Wrote the open data of {w.p.name}" in capsys.readouterr().err
        assert target.read_bytes() == public.content
        assert run_cli("evaluation", "open-data", "--partnership", w.p.slug, "--format", fmt) == 0
        assert capsys.readouterr().out == public.content.decode("utf-8")
        text = target.read_text(encoding="utf-8")
        assert "140" in text and "wait-days" not in text and "Days waiting" not in text  # never the unpublished
    doc = json.loads((tmp_path / "open.json").read_text(encoding="utf-8"))
    assert [i["code"] for i in doc["indicators"]] == ["meals", "trust"]


def test_open_data_of_an_unpublished_dataset_exits_2_and_prints_nothing(adopted, tmp_path, capsys):
    w = adopted.world
    fill(w)
    target = tmp_path / "open.csv"
    assert run_cli("evaluation", "open-data", "--partnership", w.p.slug, "-o", target) == 2  # never published
    captured = capsys.readouterr()
    assert "publishes no open data" in captured.err and captured.out == "" and not target.exists()
    publish(w, ("meals",))
    publish(w, ("meals",), is_published=False)
    for fmt in ("csv", "json"):
        assert run_cli("evaluation", "open-data", "--partnership", w.p.slug, "--format", fmt) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "140" not in captured.err and "Meals" not in captured.err
    assert run_cli("evaluation", "open-data", "--partnership", "nowhere") == 2
    other = EvalWorld(name="Westside")  # a partnership without a framework
    assert run_cli("evaluation", "open-data", "--partnership", other.p.slug) == 2
