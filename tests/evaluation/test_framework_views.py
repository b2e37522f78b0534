"""Framework pages: the overview and its empty state, forms with their errors, stale edits, adoption,
versions, who may see and do what, and query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.evaluation.models import (
    Framework,
    FrameworkVersion,
    Indicator,
    IndicatorTarget,
    Outcome,
)
from joinery.evaluation.services import framework as fw
from joinery.network.models import Decision, DecisionKind
from tests.conftest import admin_of, make_person
from tests.evaluation.conftest import EvalWorld
from tests.programme.conftest import page_audit

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"evaluation:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def counts():
    return {m.__name__: m.objects.count() for m in (Framework, Outcome, Indicator, IndicatorTarget, FrameworkVersion,
                                                     AuditEvent, Decision)}


# --- overview ----------------------------------------------------------------------------------

def test_empty_state_offers_to_create(client, world):
    client.force_login(admin_of(world.charity))
    r = client.get(url("framework", world.p.slug))
    page_audit(r)
    assert "Create the evaluation framework" in text(r)


def test_overview_shows_logic_model_and_indicators(client, framework):
    w = framework.world
    client.force_login(admin_of(w.charity))
    r = client.get(url("framework", w.p.slug))
    page_audit(r)
    body = text(r)
    for s in ("Eastside outcomes", "People eat well", "Nobody in Eastside goes hungry", "Contributes to:",
              "Meals served", "wait-days", "Residents who trust the partnership", "Propose the framework",
              "Lower is better", "Democracy", "Is it building public value?", w.charity.name, "100 (2024-Q4)",
              'aria-current="page"', url("indicator_targets", w.meals.pk), url("outcome_edit", w.outcome.pk)):
        assert s in body, s
    assert body.index("People eat well") < body.index("Nobody in Eastside goes hungry")  # outcomes before impact


def test_private_framework_is_404_to_others_and_read_only_for_the_public(client, framework):
    w = framework.world
    client.force_login(make_person())
    for name, arg in (("framework", w.p.slug), ("edit", w.p.slug), ("versions", w.p.slug),
                      ("indicator_edit", w.meals.pk), ("indicator_targets", w.meals.pk),
                      ("outcome_edit", w.outcome.pk)):
        assert client.get(url(name, arg)).status_code == 404, name
    public = EvalWorld(visibility="public", name="Northside Open")
    public.framework()
    r = client.get(url("framework", public.p.slug))
    page_audit(r)
    assert "Meals served" in text(r) and url("edit", public.p.slug) not in text(r)
    before = counts()
    r = client.post(url("edit", public.p.slug), {"title": "Mine", "period_kind": "quarter",
                                                 "starts_on": "2025-01-01", "ends_on": "2026-12-31",
                                                 "reporting_days": 30, "reminder_days": 7})
    assert r.status_code == 400 and "Only the representatives" in text(r)
    assert counts() == before


def test_overview_query_count_does_not_grow_with_the_framework(client, framework, django_assert_max_num_queries):
    w = framework.world
    client.force_login(admin_of(w.charity))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("framework", w.p.slug)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(4):
        o = fw.outcome_create(actor=w.lead, acting_for=w.city, framework=framework, level="output", title=f"Out {n}",
                              contributes_to=w.outcome)
        fw.indicator_create(actor=w.lead, acting_for=w.city, framework=framework, outcome=o, code=f"x-{n}",
                            name=f"X {n}", definition="x", unit="x", data_source="x", reporting_partner=w.business,
                            serves="relationships", question="value")
    assert count() == few
    with django_assert_max_num_queries(20):
        client.get(url("framework", w.p.slug))


# --- create and edit ---------------------------------------------------------------------------

def test_create_the_framework(client, world):
    client.force_login(admin_of(world.charity))
    r = client.get(url("create", world.p.slug))
    page_audit(r)
    before = counts()
    me = {"acting_for": world.charity.pk}
    r = client.post(url("create", world.p.slug), me | {"title": "", "period_kind": "quarter", "starts_on": "2025-06-01",
                                                  "ends_on": "2025-01-01", "reporting_days": 30, "reminder_days": 7})
    assert r.status_code == 400 and "govuk-error-summary" in text(r)
    page_audit(r, 400)
    assert counts() == before
    r = client.post(url("create", world.p.slug), me | {"title": "Kitchen", "period_kind": "quarter",
                                                  "starts_on": "2025-06-01", "ends_on": "2025-01-01",
                                                  "reporting_days": 30, "reminder_days": 7})
    assert r.status_code == 400 and "must end after" in text(r)
    r = client.post(url("create", world.p.slug), me | {"title": "Kitchen", "period_kind": "month",
                                                  "starts_on": "2025-01-01", "ends_on": "2025-12-31",
                                                  "reporting_days": 20, "reminder_days": 5})
    assert r.status_code == 302 and r["Location"] == url("framework", world.p.slug)
    f = Framework.objects.get(partnership=world.p)
    assert (f.title, f.period_kind, f.reporting_days, f.created_by) == ("Kitchen", "month", 20,
                                                                        admin_of(world.charity))
    assert client.get(url("create", world.p.slug)).status_code == 302  # one per partnership


def test_edit_settings_and_a_stale_edit_is_409(client, framework):
    w = framework.world
    client.force_login(w.lead)
    r = client.get(url("edit", w.p.slug))
    page_audit(r)
    data = {"title": "Renamed", "purpose": "", "period_kind": "quarter", "starts_on": "2025-01-01",
            "ends_on": "2026-12-31", "reporting_days": 30, "reminder_days": 7, "version": framework.version,
            "acting_for": w.city.pk}
    assert client.post(url("edit", w.p.slug), data).status_code == 302
    r = client.post(url("edit", w.p.slug), data | {"title": "Mine"})
    assert r.status_code == 409 and "Someone else changed this" in text(r)
    assert Framework.objects.get(pk=framework.pk).title == "Renamed"


# --- outcomes and indicators -------------------------------------------------------------------

def test_add_edit_and_retire_a_step(client, framework):
    w = framework.world
    client.force_login(admin_of(w.residents))
    r = client.get(url("outcome_create", w.p.slug))
    page_audit(r)
    r = client.post(url("outcome_create", w.p.slug), {"acting_for": w.residents.pk, "level": "activity", "title": "Cook",
                                                      "contributes_to": w.outcome.pk})
    assert r.status_code == 400 and "next step of the logic model" in text(r)
    r = client.post(url("outcome_create", w.p.slug), {"acting_for": w.residents.pk, "level": "output", "title": "Meals cooked",
                                                      "contributes_to": w.outcome.pk})
    assert r.status_code == 302
    o = Outcome.objects.get(title="Meals cooked")
    r = client.get(url("outcome_edit", o.pk))
    page_audit(r)
    r = client.post(url("outcome_edit", o.pk), {"acting_for": w.residents.pk, "level": "output", "title": "Meals cooked well",
                                                "contributes_to": w.outcome.pk, "version": o.version})
    assert r.status_code == 302 and Outcome.objects.get(pk=o.pk).title == "Meals cooked well"
    r = client.post(url("outcome_edit", o.pk), {"acting_for": w.residents.pk, "level": "output", "title": "Meals cooked well",
                                                "contributes_to": w.outcome.pk, "version": o.version + 1,
                                                "action": "retire"})
    assert r.status_code == 302 and Outcome.objects.get(pk=o.pk).retired_at is not None
    assert client.get(url("outcome_edit", o.pk)).status_code == 404
    r = client.post(url("outcome_edit", w.impact.pk), {"acting_for": w.residents.pk, "level": "impact", "title": w.impact.title,
                                                       "version": w.impact.version, "action": "retire"})
    assert r.status_code == 400 and "indicators first" in text(r)


INDICATOR = {"code": "volunteers", "name": "Volunteers", "definition": "People who helped.", "unit": "people",
             "value_type": "whole", "direction": "higher", "aggregation": "sum", "baseline": "",
             "baseline_period": "", "data_source": "Rota", "serves": "capacity", "question": "value",
             "feedback_measure": ""}


def test_add_and_edit_an_indicator(client, framework):
    w = framework.world
    client.force_login(admin_of(w.charity))
    r = client.get(url("indicator_create", w.p.slug) + f"?outcome={w.outcome.pk}")
    page_audit(r)
    assert "Citizen feedback form" in text(r) and w.business.name in text(r)
    before = counts()
    r = client.post(url("indicator_create", w.p.slug), INDICATOR | {"acting_for": w.charity.pk,
        "outcome": w.outcome.pk, "code": "meals", "baseline": "1.5", "baseline_period": "2025-07"})
    assert r.status_code == 400
    page_audit(r, 400)
    body = text(r)
    assert "already uses the code" in body and "whole number" in body and "not a quarterly period" in body
    assert "Choose the partner that reports it" in body
    assert counts() == before
    r = client.post(url("indicator_create", w.p.slug), INDICATOR | {"acting_for": w.charity.pk,
        "outcome": w.outcome.pk, "reporting_partner": w.residents.pk, "baseline": "12"})
    i = Indicator.objects.get(code="volunteers")
    assert r.status_code == 302 and r["Location"] == url("indicator_targets", i.pk)
    assert (i.reporting_partner, i.baseline) == (w.residents, Decimal("12"))
    r = client.get(url("indicator_edit", i.pk))
    page_audit(r)
    assert 'value="12"' in text(r)
    r = client.post(url("indicator_edit", i.pk), INDICATOR | {"acting_for": w.charity.pk,
        "outcome": w.impact.pk, "reporting_partner": w.residents.pk, "name": "Volunteers who came back",
        "version": i.version})
    assert r.status_code == 302
    i.refresh_from_db()
    assert (i.name, i.outcome, i.baseline) == ("Volunteers who came back", w.impact, None)
    r = client.post(url("indicator_edit", i.pk), INDICATOR | {"acting_for": w.charity.pk,
        "outcome": w.impact.pk, "reporting_partner": w.residents.pk, "version": i.version - 1})
    assert r.status_code == 409
    r = client.post(url("indicator_edit", i.pk), INDICATOR | {"acting_for": w.charity.pk,
        "outcome": w.impact.pk, "reporting_partner": w.residents.pk, "version": i.version, "action": "retire"})
    assert r.status_code == 302 and Indicator.objects.get(pk=i.pk).retired_at is not None


def test_targets_page(client, framework):
    w = framework.world
    client.force_login(admin_of(w.charity))
    r = client.get(url("indicator_targets", w.meals.pk))
    page_audit(r)
    body = text(r)
    assert "Q1 2025" in body and "Q4 2026" in body and 'value="120"' in body
    data = {f"target_{q.replace('-', '_')}": "120" for q in ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4",
                                                             "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")}
    data |= {"version": w.meals.version, "acting_for": w.charity.pk}
    r = client.post(url("indicator_targets", w.meals.pk), data | {"target_2025_Q2": "12.5"})
    assert r.status_code == 400
    page_audit(r, 400)
    assert "whole number" in text(r) and 'href="#id_target_2025_Q2"' in text(r)
    r = client.post(url("indicator_targets", w.meals.pk), data | {"target_2025_Q2": "150", "target_2026_Q4": ""})
    assert r.status_code == 302
    got = dict(Indicator.objects.get(pk=w.meals.pk).targets.values_list("period", "value"))
    assert got["2025-Q2"] == Decimal("150") and "2026-Q4" not in got and len(got) == 7
    r = client.post(url("indicator_targets", w.meals.pk), data)  # the version it read is now stale
    assert r.status_code == 409


def test_links_page(client, framework):
    w = framework.world
    client.force_login(admin_of(w.charity))
    r = client.get(url("indicator_links", w.meals.pk))
    page_audit(r)
    body = text(r)
    for s in ("Objective", "Initiative", "Milestone", "Task", "Community kitchen", "Kitchen grant"):
        assert s in body, s
    commitment = w.commitment(w.charity)
    form = r.context["form"]
    field_of = {label: name for name, label in ((n, str(form.fields[n].label)) for n in form.groups)}
    r = client.post(url("indicator_links", w.meals.pk), {
        field_of["Initiative"]: [w.initiative.pk], field_of["Task"]: [w.work_task.pk],
        "commitments": [commitment.pk], "version": w.meals.version, "acting_for": w.charity.pk})
    assert r.status_code == 302, text(r)
    i = Indicator.objects.get(pk=w.meals.pk)
    assert set(i.work_items.all()) == {w.initiative, w.work_task} and list(i.commitments.all()) == [commitment]
    r = client.get(url("indicator_links", w.meals.pk))
    assert f'value="{w.initiative.pk}" checked' in text(r)


# --- adoption and versions ---------------------------------------------------------------------

def test_adopt_then_read_the_versions(client, framework):
    w = framework.world
    client.force_login(admin_of(w.charity))
    r = client.get(url("adopt", w.p.slug))
    page_audit(r)
    assert "3 indicators" in text(r)
    r = client.post(url("adopt", w.p.slug), {"acting_for": w.charity.pk})
    d = Decision.objects.get(kind=DecisionKind.FRAMEWORK_ADOPTION)
    assert r.status_code == 302 and r["Location"] == d.get_absolute_url()
    assert client.get(d.get_absolute_url()).status_code == 200  # the partners take their positions there
    r = client.get(url("framework", w.p.slug))
    assert "before the partners for adoption" in text(r) and d.get_absolute_url() in text(r)
    assert url("indicator_edit", w.meals.pk) not in text(r)  # frozen while the partners decide
    r = client.post(url("adopt", w.p.slug), {"acting_for": w.charity.pk})
    assert r.status_code == 400 and "already before the partners" in text(r)
    r = client.get(url("versions", w.p.slug))
    page_audit(r)
    assert "version 1 is written when the partners adopt it" in text(r)
    w.close(d)
    fw.indicator_update(actor=w.lead, acting_for=w.city, indicator=w.meals, name="Warm dinners")
    r = client.get(url("versions", w.p.slug))
    page_audit(r)
    body = text(r)
    assert "Adopted by decision" in body and "Changed the indicator meals: name." in body
    v1 = FrameworkVersion.objects.get(framework=framework, number=1)
    r = client.get(url("version", w.p.slug, 1))
    page_audit(r)
    body = text(r)
    assert v1.sha256 in body and "Meals served" in body and "2025-Q1: 120" in body and "Warm dinners" not in body
    assert "Whole number; Higher is better; Add the periods up" in body and "Quarterly" in body
    assert "Warm dinners" in text(client.get(url("version", w.p.slug, 2)))
    assert client.get(url("version", w.p.slug, 3)).status_code == 404
    r = client.get(url("framework", w.p.slug))
    assert "this is version 2" in text(r)


def test_admin_reads_the_framework(client, adopted):
    staff = make_person(staff=True, mfa=True)
    client.force_login(staff)
    for model in ("framework", "indicator", "outcome", "frameworkversion"):
        r = client.get(reverse(f"admin:evaluation_{model}_changelist"))
        assert r.status_code == 200, model
    r = client.get(reverse("admin:evaluation_indicator_change", args=[adopted.world.meals.pk]))
    assert r.status_code == 200 and "120" in text(r)
