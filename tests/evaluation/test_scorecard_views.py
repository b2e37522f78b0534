"""Scorecard, indicator and commitment pages: who sees what, the tables behind every chart, the
empty state, refused input, and query counts that do not grow with the number of indicators."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests.accounts.html_audit import audit
from tests.conftest import admin_of, make_person

from .scorecard_helpers import build_reported, link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reported(adopted):
    return build_reported(adopted)


def body(response) -> str:
    return response.content.decode()


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_partnership_scorecard(client, reported):
    w = reported.world
    client.force_login(admin_of(w.business))
    url = reverse("evaluation:scorecard", args=[w.p.slug])
    page = body(client.get(url + "?as_of=2026-02-15"))
    audit(client.get(url + "?as_of=2026-02-15"))
    assert "Improving: 4% above target in Q4 2025." in page
    assert "Getting worse: 13% above target in Q4 2025." in page
    assert f"No data for Q4 2025: {w.residents.name} has not reported yet." in page
    assert "3 indicators: 1 on track, 0 at risk, 1 off track, 1 with no data." in page
    assert "Four bottom lines" in page and "Relationships (process outcome)" in page
    assert "Is it getting better?" in page and "Mixed" in page
    assert 'scope="col"' in page and "<caption" in page
    assert reverse("evaluation:indicator", args=[w.indicator("meals").pk]) in page
    assert reverse("evaluation:outcome", args=[w.outcome.pk]) in page
    assert reverse("evaluation:partner_scorecard", args=[w.p.slug, w.charity.slug]) in page
    assert 'aria-current="page"' in page


def test_outcome_and_partner_scorecards(client, reported):
    w = reported.world
    client.force_login(admin_of(w.city))
    page = body(client.get(reverse("evaluation:outcome", args=[w.outcome.pk]) + "?as_of=2026-02-15"))
    assert "Meals served" in page and "Days waiting for a referral" in page
    assert "Residents who trust the partnership" not in page
    response = client.get(reverse("evaluation:partner_scorecard", args=[w.p.slug, w.charity.slug]))
    audit(response)
    page = body(response)
    assert "Meals served" in page and "Days waiting for a referral" not in page
    assert client.get(reverse("evaluation:partner_scorecard", args=[w.p.slug, w.outsider.slug])).status_code == 404
    assert client.get(reverse("evaluation:partner_scorecard", args=[w.p.slug, "nobody"])).status_code == 404
    assert client.get(reverse("evaluation:outcome", args=[999999])).status_code == 404


def test_private_partnership_pages_answer_404_to_others(client, reported):
    w = reported.world
    meals = w.indicator("meals")
    urls = [reverse("evaluation:scorecard", args=[w.p.slug]), reverse("evaluation:outcome", args=[w.outcome.pk]),
            reverse("evaluation:partner_scorecard", args=[w.p.slug, w.charity.slug]),
            reverse("evaluation:indicator", args=[meals.pk]),
            reverse("evaluation:commitment_thread", args=[w.commitment(w.charity).pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(admin_of(w.outsider))
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_a_bad_as_of_date_is_a_field_error(client, reported):
    w = reported.world
    client.force_login(admin_of(w.city))
    response = client.get(reverse("evaluation:scorecard", args=[w.p.slug]) + "?as_of=31/31/2026")
    assert response.status_code == 400
    page = body(response)
    assert "govuk-error-summary" in page and "#id_as_of" in page
    assert "Meals served" in page  # the scorecard still shows, as of today


def test_empty_state(client, world):
    client.force_login(admin_of(world.charity))
    page = body(client.get(reverse("evaluation:scorecard", args=[world.p.slug])))
    assert "no evaluation framework yet" in page
    assert reverse("evaluation:create", args=[world.p.slug]) in page
    # someone who may see the partnership but is no partner gets the sentence, not the link
    viewer = make_person()
    from joinery.network.models import Partnership

    Partnership.objects.filter(pk=world.p.pk).update(visibility="public")
    client.force_login(viewer)
    response = client.get(reverse("evaluation:scorecard", args=[world.p.slug]))
    audit(response)
    assert "no evaluation framework yet" in body(response)
    assert reverse("evaluation:create", args=[world.p.slug]) not in body(response)


def test_indicator_page(client, reported):
    w = reported.world
    meals = w.indicator("meals")
    link(w, meals, commitments=[w.commitment(w.charity)], work_items=[w.work_task])
    client.force_login(admin_of(w.charity))
    response = client.get(reverse("evaluation:indicator", args=[meals.pk]) + "?as_of=2026-02-15")
    audit(response)
    page = body(response)
    assert 'data-chart="indicator"' in page and 'id="indicator-chart-data"' in page and "charts.js" in page
    assert "value and target in each period" in page
    assert "The chart shows the value of Meals served in each period from Q1 2025 to Q4 2025" in page
    from joinery.evaluation.models import Measurement

    current = Measurement.objects.get(indicator=meals, period="2025-Q4", is_current=True)
    assert reverse("evaluation:measurement", args=[current.pk]) in page and "Corrected: see the history" in page
    assert reverse("evaluation:report", args=[w.p.slug]) + f"?indicator={meals.pk}" in page
    assert "Kitchen grant" in page and "Buy ovens" in page
    assert reverse("evaluation:commitment_thread", args=[w.commitment(w.charity).pk]) in page
    assert "No valued contribution is linked" in page
    # a partner that does not report it may not see the report link? Any active partner reports through
    # the form, which checks the organisation; someone outside the partners has no link.
    viewer = make_person()
    from joinery.network.models import Partnership

    Partnership.objects.filter(pk=w.p.pk).update(visibility="public")
    client.force_login(viewer)
    page = body(client.get(reverse("evaluation:indicator", args=[meals.pk])))
    assert "?indicator=" not in page


def test_commitment_thread_page(client, reported):
    w = reported.world
    grant = w.commitment(w.charity)
    link(w, w.indicator("meals"), commitments=[grant])
    client.force_login(admin_of(w.business))
    response = client.get(reverse("evaluation:commitment_thread", args=[grant.pk]))
    audit(response)
    page = body(response)
    assert "Kitchen grant" in page and "Meals served" in page
    assert "This commitment serves 1 indicator of the evaluation framework." in page
    assert client.get(reverse("evaluation:commitment_thread", args=[999999])).status_code == 404
    # the agreement page links each commitment to the results it serves
    page = body(client.get(reverse("agreements:detail", args=[grant.agreement_id])))
    assert reverse("evaluation:commitment_thread", args=[grant.pk]) in page


def test_scorecard_page_queries_do_not_grow(client, reported):
    from joinery.evaluation.services import framework as fw

    from .scorecard_helpers import report

    w = reported.world
    client.force_login(admin_of(w.city))
    url = reverse("evaluation:scorecard", args=[w.p.slug])
    few = count_queries(client, url)
    for k in range(9):
        i = fw.indicator_create(
            actor=w.lead, acting_for=w.city, framework=reported, outcome=w.impact, code=f"extra-{k}",
            name=f"Extra {k}", definition="More.", unit="visits", value_type="whole", direction="higher",
            aggregation="sum", data_source="Counts", reporting_partner=w.business if k % 2 else w.charity,
            serves="capacity", question="feel")
        report(w, i, "2025-Q4", str(k))
    assert count_queries(client, url) == few
    indicator_url = reverse("evaluation:indicator", args=[w.indicator("meals").pk])
    few = count_queries(client, indicator_url)
    report(w, w.indicator("meals"), "2025-Q3", "119")
    report(w, w.indicator("meals"), "2026-Q1", "121")
    assert count_queries(client, indicator_url) == few
