"""Partners' own reporting pages: who sees what, the mapping form, refusals (400/409), downloads, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from joinery.evaluation.models import ReportingRequirement
from joinery.evaluation.services import reporting as services
from tests.accounts.html_audit import audit
from tests.conftest import admin_of, make_person

from ._reporting import fill, requirement

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def test_partners_see_the_list_outsiders_get_404(client, adopted):
    w = adopted.world
    r = requirement(w)
    url = reverse("evaluation:requirements", args=[w.p.slug])
    client.force_login(admin_of(w.business))
    response = client.get(url)
    audit(response)
    assert "Annual return to the Lottery" in body(response)
    assert "Add your organisation's reporting requirement" in body(response)
    for page in ("evaluation:requirement", "evaluation:report_html", "evaluation:report_pdf", "evaluation:report_csv"):
        assert client.get(reverse(page, args=[r.pk])).status_code == 200, page
    client.force_login(admin_of(w.outsider))
    assert client.get(url).status_code == 404
    for page in ("evaluation:requirement", "evaluation:report_html", "evaluation:report_pdf", "evaluation:report_csv"):
        assert client.get(reverse(page, args=[r.pk])).status_code == 404, page
    client.logout()
    assert client.get(reverse("evaluation:report_csv", args=[r.pk])).status_code == 404


def test_the_list_says_when_there_is_no_framework(client, world):
    client.force_login(admin_of(world.charity))
    response = client.get(reverse("evaluation:requirements", args=[world.p.slug]))
    audit(response)
    assert "no evaluation framework yet" in body(response)


def test_a_partner_adds_a_requirement_then_maps_it(client, adopted):
    w = adopted.world
    client.force_login(admin_of(w.charity))
    url = reverse("evaluation:requirement_create", args=[w.p.slug])
    audit(client.get(url))
    response = client.post(url, {"acting_for": w.charity.pk, "name": "Annual return", "report_to": "The Lottery",
                                 "period_kind": "year", "reference": "L-1"})
    r = ReportingRequirement.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evaluation:requirement", args=[r.pk])
    assert r.organisation == w.charity
    detail = reverse("evaluation:requirement", args=[r.pk])
    audit(client.get(detail))
    meals, wait = w.indicator("meals"), w.indicator("wait-days")
    response = client.post(detail, {"acting_for": w.charity.pk, "version": r.version, f"name_{meals.pk}": "Hot meals",
                                    f"code_{meals.pk}": "M1", f"name_{wait.pk}": ""})
    assert response.status_code == 302
    assert [(i.indicator_id, i.external_name, i.external_code) for i in r.items.all()] == [(meals.pk, "Hot meals",
                                                                                            "M1")]


def test_a_refused_requirement_is_400_with_the_errors(client, adopted):
    w = adopted.world
    client.force_login(admin_of(w.charity))
    response = client.post(reverse("evaluation:requirement_create", args=[w.p.slug]),
                           {"acting_for": w.charity.pk, "name": "Monthly", "report_to": "Ministry",
                            "period_kind": "month"})
    assert response.status_code == 400
    assert "govuk-error-summary" in body(response) and "quarterly" in body(response)
    assert not ReportingRequirement.objects.exists()
    client.force_login(admin_of(w.outsider))
    response = client.post(reverse("evaluation:requirement_create", args=[w.p.slug]),
                           {"name": "X", "report_to": "Y", "period_kind": "year"})
    assert response.status_code == 404


def test_a_code_without_a_name_is_a_field_error(client, adopted):
    w = adopted.world
    r = requirement(w, items=False)
    client.force_login(admin_of(w.charity))
    meals = w.indicator("meals")
    response = client.post(reverse("evaluation:requirement", args=[r.pk]),
                           {"acting_for": w.charity.pk, "version": r.version, f"code_{meals.pk}": "M1"})
    assert response.status_code == 400
    assert f'id="id_name_{meals.pk}-error"' in body(response)
    assert r.items.count() == 0


def test_another_partner_cannot_change_it(client, adopted):
    w = adopted.world
    r = requirement(w)
    client.force_login(admin_of(w.business))
    response = client.get(reverse("evaluation:requirement", args=[r.pk]))
    assert "Save the mapping" not in body(response) and "Hot meals provided" in body(response)
    meals = w.indicator("meals")
    response = client.post(reverse("evaluation:requirement", args=[r.pk]), {f"name_{meals.pk}": "Mine"})
    assert response.status_code == 400 and "Only the representatives of this partner" in body(response)
    response = client.post(reverse("evaluation:requirement_edit", args=[r.pk]),
                           {"name": "Mine", "report_to": "Me", "period_kind": "year"})
    assert response.status_code == 400
    assert ReportingRequirement.objects.get(pk=r.pk).name == "Annual return to the Lottery"


def test_a_stale_edit_is_409_and_the_convener_may_edit(client, adopted):
    w = adopted.world
    r = requirement(w)
    services.requirement_update(actor=admin_of(w.charity), acting_for=w.charity, requirement=r, notes="Theirs")
    client.force_login(w.lead)
    url = reverse("evaluation:requirement_edit", args=[r.pk])
    audit(client.get(url))
    response = client.post(url, {"acting_for": w.city.pk, "version": r.version, "name": "Mine", "report_to": "Me",
                                 "period_kind": "year"})
    assert response.status_code == 409 and "Someone else changed this" in body(response)
    fresh = ReportingRequirement.objects.get(pk=r.pk)
    response = client.post(url, {"acting_for": w.city.pk, "version": fresh.version, "name": "Renamed", "report_to": "Me",
                                 "period_kind": "year"})
    assert response.status_code == 302
    assert ReportingRequirement.objects.get(pk=r.pk).name == "Renamed"


def test_delete(client, adopted):
    w = adopted.world
    r = requirement(w)
    client.force_login(admin_of(w.charity))
    response = client.post(reverse("evaluation:requirement_edit", args=[r.pk]), {"acting_for": w.charity.pk, "delete": "1"})
    assert response.status_code == 302
    assert not ReportingRequirement.objects.filter(pk=r.pk).exists()


def test_the_report_page_and_downloads(client, adopted):
    w = adopted.world
    fill(w)
    r = requirement(w)
    client.force_login(admin_of(w.residents))
    url = reverse("evaluation:report_html", args=[r.pk])
    response = client.get(url)
    audit(response)
    html = body(response)
    assert '<caption class="govuk-table__caption govuk-table__caption--m">2025</caption>' in html
    assert "3 of 4 quarters reported" in html and "390 meals" in html and "Off track" in html
    assert "8.25 days" in html and "govuk-tag--red" in html
    response = client.get(url, {"period": "2026"})
    assert "<caption class=\"govuk-table__caption govuk-table__caption--m\">2025</caption>" not in body(response)
    assert f'{reverse("evaluation:report_pdf", args=[r.pk])}?period=2026' in body(response)
    response = client.get(url, {"period": "1999"})
    assert response.status_code == 400 and "govuk-error-summary" in body(response)
    pdf = client.get(reverse("evaluation:report_pdf", args=[r.pk]), {"period": "2025", "language": "fr"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == f'attachment; filename="report-{r.pk}-{w.charity.slug}-2025.pdf"'
    got = client.get(reverse("evaluation:report_csv", args=[r.pk]))
    assert got["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in got["Content-Disposition"]
    assert "Hot meals provided" in got.content.decode("utf-8-sig")
    assert client.get(reverse("evaluation:report_csv", args=[r.pk]), {"period": "nope"}).status_code == 400
    assert client.get(reverse("evaluation:report_pdf", args=[r.pk]), {"language": "xx"}).status_code == 400


def test_staff_may_read_a_report(client, adopted):
    w = adopted.world
    r = requirement(w)
    client.force_login(make_person(staff=True, mfa=True))
    assert client.get(reverse("evaluation:report_html", args=[r.pk])).status_code == 200


def test_query_counts_do_not_grow_with_requirements_and_items(client, adopted, django_assert_max_num_queries):
    w = adopted.world
    fill(w)
    r = requirement(w)
    client.force_login(admin_of(w.charity))
    list_url = reverse("evaluation:requirements", args=[w.p.slug])
    report_url = reverse("evaluation:report_html", args=[r.pk])
    detail_url = reverse("evaluation:requirement", args=[r.pk])

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        out = []
        for url in (list_url, report_url, detail_url):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    before = counts()
    for n in range(3):
        requirement(w, org=w.business, name=f"Return {n}")
        requirement(w, name=f"Return {n}", period_kind="quarter")
    assert counts() == before
    with django_assert_max_num_queries(30):
        client.get(report_url)
