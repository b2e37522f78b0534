"""Framework pages: the overview and its empty state, forms with their errors, stale edits, adoption."""

from __future__ import annotations

import pytest
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.evaluation.models import Framework, FrameworkVersion, Indicator, IndicatorTarget, Outcome
from joinery.evaluation.services import framework as fw
from joinery.network.models import Decision, DecisionKind
from tests.conftest import admin_of, make_person
from tests.programme.conftest import page_audit

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"evaluation:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


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
              "Meals served", "wait-days", "Residents who trust the partnership", "Propose the framework"):
        assert s in body, s
