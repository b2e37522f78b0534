"""Risk register pages: what each person sees and does, refused input, stale edits, and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.risks import services
from joinery.risks.models import Risk, RiskAppetite, RiskStatus
from tests.accounts.html_audit import audit
from tests.conftest import (
    add_role,
    admin_of,
    make_organisation,
    make_partnership,
    make_person,
    publish,
)

from .conftest import REASON, make_risk, set_appetite

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def audit_refused(response, status=400):
    assert response.status_code == status, response.status_code
    response.status_code = 200
    try:
        return audit(response)
    finally:
        response.status_code = status


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_url_names():
    assert reverse("risks:register", args=["p"]) == "/partnerships/p/risks/"
    assert reverse("risks:create", args=["p"]) == "/partnerships/p/risks/new/"
    assert reverse("risks:appetite", args=["p"]) == "/partnerships/p/risks/appetite/"
    assert reverse("risks:detail", args=[1]) == "/risks/1/"
    assert reverse("risks:edit", args=[1]) == "/risks/1/edit/"
    assert reverse("risks:accept", args=[1]) == "/risks/1/accept/"


# --- the register --------------------------------------------------------------------------------

def test_register_shows_risks_the_appetite_and_an_accessible_heat_map(client, partnership, city, charity):
    set_appetite(partnership, city, threshold=9, statement="We take risks to learn.")
    make_risk(partnership, city, title="Venue lost", likelihood=4, impact=4)
    low = make_risk(partnership, charity, title="Printer breaks", likelihood=1, impact=2)
    bold = make_risk(partnership, charity, title="Pop-up market", likelihood=5, impact=4)
    services.risk_accept_for_innovation(actor=admin_of(charity), acting_for=charity, risk=bold, reason=REASON)
    client.force_login(admin_of(charity))
    response = client.get(reverse("risks:register", args=[partnership.slug]))
    page = audit(response)
    html = body(response)
    assert "We take risks to learn." in html
    assert "Venue lost" in html and low.title in html
    assert "Above appetite" in html and "Within appetite" in html  # in words, not colour only
    assert "Accepted for innovation" in html and REASON[:40] in html
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "Likelihood 1: Rare" in html and "Impact 5: Severe" in html
    assert "above appetite" in html and "within appetite" in html  # the heat map cells' bands
    assert "3 live risks are recorded; 2 of them in cells above the appetite" in html
    assert "risks/risks.css" in html and "style=" not in html
    assert page.h1s == 1
    # Filter by status.
    filtered = body(client.get(reverse("risks:register", args=[partnership.slug]), {"status": "accepted"}))
    assert "Pop-up market" in filtered and "Venue lost" not in filtered


def test_register_without_appetite_says_so(client, partnership, city):
    make_risk(partnership, city)
    client.force_login(admin_of(city))
    html = body(client.get(reverse("risks:register", args=[partnership.slug])))
    assert "has not set its risk appetite yet" in html and "No appetite set" in html


def test_private_register_is_hidden_from_outsiders(client, partnership, city):
    r = make_risk(partnership, city)
    client.force_login(make_person())
    for url in (reverse("risks:register", args=[partnership.slug]), r.get_absolute_url(),
                reverse("risks:appetite", args=[partnership.slug]), reverse("risks:edit", args=[r.pk])):
        assert client.get(url).status_code == 404, url


def test_a_public_register_can_be_read_by_anyone(client, city, charity):
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    r = make_risk(p, city, title="Open risk")
    assert client.get(reverse("risks:register", args=[p.slug])).status_code == 403  # partners only by default
    assert client.get(r.get_absolute_url()).status_code == 404
    publish(p, "risks")
    html = body(client.get(reverse("risks:register", args=[p.slug])))
    assert "Open risk" in html and reverse("risks:create", args=[p.slug]) not in html
    assert client.get(r.get_absolute_url()).status_code == 200
    assert client.get(reverse("risks:create", args=[p.slug])).status_code == 302  # sign in first


def test_register_query_count_is_flat(client, partnership, city, charity):
    set_appetite(partnership, city)
    make_risk(partnership, city)
    client.force_login(admin_of(charity))
    url = reverse("risks:register", args=[partnership.slug])
    few = count_queries(client, url)
    for n in range(15):
        r = make_risk(partnership, charity if n % 2 else city, title=f"Risk {n}", likelihood=1 + n % 5,
                      impact=1 + (n * 2) % 5)
        if n % 3 == 0:
            services.risk_accept_for_innovation(actor=admin_of(city), acting_for=city, risk=r, reason=REASON)
    assert count_queries(client, url) == few


def test_risk_page_query_count_is_flat(client, partnership, city):
    set_appetite(partnership, city)
    r = make_risk(partnership, city)
    client.force_login(admin_of(city))
    few = count_queries(client, r.get_absolute_url())
    for n in range(5):
        r = services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                                 mitigations=f"Step {n}")
    assert count_queries(client, r.get_absolute_url()) == few


# --- record and edit -----------------------------------------------------------------------------

def test_record_a_risk(client, partnership, city, charity):
    client.force_login(admin_of(charity))
    url = reverse("risks:create", args=[partnership.slug])
    page = audit(client.get(url))
    assert "id_title" in page.label_fors
    response = client.post(url, {"acting_for": charity.pk, "title": "Funding gap", "cause": "Grant ends",
                                 "consequence": "Staff leave", "likelihood": "3", "impact": "4",
                                 "owner": city.pk, "status": "open", "mitigations": ""})
    r = Risk.objects.get(title="Funding gap")
    assert response.status_code == 302 and response["Location"] == r.get_absolute_url()
    assert (r.score, r.owner, r.created_by) == (12, city, admin_of(charity))
    assert AuditEvent.objects.filter(action="risk.created", object_id=str(r.pk)).exists()
    audit(client.get(r.get_absolute_url()))


def test_bad_input_shows_an_error_summary_and_saves_nothing(client, partnership, charity):
    client.force_login(admin_of(charity))
    response = client.post(reverse("risks:create", args=[partnership.slug]),
                           {"acting_for": charity.pk, "title": "", "cause": "x", "consequence": "y",
                            "likelihood": "9", "impact": "", "owner": "999999", "status": "open"})
    page = audit_refused(response)
    assert "There is a problem" in body(response)
    assert {"id_title", "id_likelihood_0", "id_owner"} <= set(page.summary_links)
    assert not Risk.objects.exists()


def test_someone_who_is_not_a_partner_cannot_record(client, partnership):
    stranger = make_person()
    outsider = make_organisation(admin=stranger)
    client.force_login(stranger)
    assert outsider
    # The partnership is private: the stranger cannot even see it.
    assert client.get(reverse("risks:create", args=[partnership.slug])).status_code == 404


def test_a_public_partnership_refuses_a_non_partner_politely(client, city, charity):
    p = make_partnership(convener=city, partners=[charity], visibility="public")
    stranger = make_person()
    make_organisation(admin=stranger)
    client.force_login(stranger)
    url = reverse("risks:create", args=[p.slug])
    assert "must represent an organisation that is an active partner" in body(client.get(url))
    response = client.post(url, {"title": "x"})
    assert response.status_code == 400 and "Only the representatives of an active partner" in body(response)
    assert not Risk.objects.exists()


def test_edit_a_risk_and_a_stale_edit_shows_both_versions(client, partnership, city, charity):
    r = make_risk(partnership, city, title="Venue lost")
    client.force_login(admin_of(charity))
    url = reverse("risks:edit", args=[r.pk])
    audit(client.get(url))
    form = {"acting_for": charity.pk, "version": r.version, "title": "Venue lost for good",
            "cause": "Lease ends", "consequence": "No space", "likelihood": "4", "impact": "4",
            "owner": city.pk, "status": "mitigating", "mitigations": "Look for another hall"}
    # Meanwhile the city changes it.
    services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=r.version,
                         mitigations="Ask the school")
    response = client.post(url, form)
    page = audit_refused(response, 409)
    html = body(response)
    assert "Their saved version" in html and "Ask the school" in html and "Your version" in html
    assert "Look for another hall" in html  # their text and yours, side by side
    assert page.h1s == 1
    r.refresh_from_db()
    assert r.title == "Venue lost" and r.version == 2
    # Saving again (the form now carries their version) goes through.
    form["version"] = 2
    response = client.post(url, form)
    assert response.status_code == 302
    r.refresh_from_db()
    assert (r.title, r.score, r.status, r.version) == ("Venue lost for good", 16, "mitigating", 3)


def test_edit_bad_input(client, partnership, city):
    r = make_risk(partnership, city)
    client.force_login(admin_of(city))
    response = client.post(reverse("risks:edit", args=[r.pk]), {"acting_for": city.pk, "version": r.version,
                                                                 "title": "", "cause": "", "consequence": "",
                                                                 "likelihood": "2", "impact": "2",
                                                                 "owner": city.pk, "status": "open"})
    audit_refused(response)
    r.refresh_from_db()
    assert r.version == 1


# --- accept for innovation -----------------------------------------------------------------------

def test_accept_for_innovation_page(client, partnership, city, charity):
    set_appetite(partnership, city, threshold=9)
    r = make_risk(partnership, charity, likelihood=5, impact=4, title="Pop-up market")
    client.force_login(admin_of(charity))
    url = reverse("risks:accept", args=[r.pk])
    response = client.get(url)
    audit(response)
    assert "over-emphasis on risk management" in body(response)
    response = client.post(url, {"acting_for": charity.pk, "version": r.version, "reason": "n/a"})
    page = audit_refused(response)
    assert "id_reason" in page.summary_links
    r.refresh_from_db()
    assert not r.accepted_for_innovation
    response = client.post(url, {"acting_for": charity.pk, "version": r.version, "reason": REASON})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.accepted_for_innovation and r.status == RiskStatus.ACCEPTED
    html = body(client.get(r.get_absolute_url()))
    assert REASON in html and "Accepted by" in html


def test_a_partner_that_neither_convenes_nor_owns_cannot_accept(client, partnership, city, charity):
    r = make_risk(partnership, city)
    member = make_person()
    add_role(charity, member)
    client.force_login(member)
    response = client.get(reverse("risks:accept", args=[r.pk]))
    assert "Only the convener" in body(response)
    response = client.post(reverse("risks:accept", args=[r.pk]), {"reason": REASON})
    assert response.status_code == 400
    r.refresh_from_db()
    assert not r.accepted_for_innovation


def test_stale_accept_is_409(client, partnership, city):
    r = make_risk(partnership, city)
    services.risk_update(actor=admin_of(city), acting_for=city, risk=r, expected_version=1, impact=5)
    client.force_login(admin_of(city))
    response = client.post(reverse("risks:accept", args=[r.pk]), {"acting_for": city.pk, "version": 1,
                                                                   "reason": REASON})
    audit_refused(response, 409)


def test_close_a_risk(client, partnership, city):
    r = make_risk(partnership, city)
    client.force_login(admin_of(city))
    url = reverse("risks:close", args=[r.pk])
    audit(client.get(url))
    assert client.post(url, {"acting_for": city.pk, "version": r.version, "reason": "Passed"}).status_code == 302
    r.refresh_from_db()
    assert r.status == RiskStatus.CLOSED


# --- appetite -------------------------------------------------------------------------------------

def test_convener_sets_the_appetite_and_sees_its_history(client, partnership, city, charity):
    set_appetite(partnership, city, threshold=6, statement="Careful at first.")
    client.force_login(admin_of(city))
    url = reverse("risks:appetite", args=[partnership.slug])
    audit(client.get(url))
    response = client.post(url, {"acting_for": city.pk, "threshold": "30", "statement": ""})
    page = audit_refused(response)
    assert {"id_threshold", "id_statement"} <= set(page.summary_links)
    response = client.post(url, {"acting_for": city.pk, "threshold": "12", "statement": "Bolder now."})
    assert response.status_code == 302
    html = body(client.get(url))
    assert "Bolder now." in html and "Careful at first." in html
    assert RiskAppetite.objects.filter(partnership=partnership).count() == 2
    # A partner that is not the convener reads the history but gets no form.
    client.force_login(admin_of(charity))
    html = body(client.get(url))
    assert "Careful at first." in html and 'name="threshold"' not in html
    assert client.post(url, {"threshold": "20", "statement": "Ours"}).status_code == 302
    assert RiskAppetite.objects.filter(partnership=partnership).count() == 2


def test_garbage_posts_never_give_a_server_error(client, partnership, city):
    r = make_risk(partnership, city)
    client.force_login(admin_of(city))
    for url in (reverse("risks:create", args=[partnership.slug]), reverse("risks:edit", args=[r.pk]),
                reverse("risks:accept", args=[r.pk]), reverse("risks:close", args=[r.pk]),
                reverse("risks:appetite", args=[partnership.slug])):
        for data in ({}, {"acting_for": "999999", "owner": "x", "version": "abc", "likelihood": "-1",
                          "threshold": "1e9", "review_date": "2999-99-99"}):
            response = client.post(url, data)
            assert response.status_code == 400, (url, data, response.status_code)
