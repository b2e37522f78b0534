"""Open data: the convener publishes chosen indicators; the public pages and downloads show those and
nothing else (unpublished indicators, an unpublished publication, a private partnership, retired
indicators, other values)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.evaluation.models import Indicator, OpenDataPublication
from joinery.evaluation.services import framework as fw
from joinery.evaluation.services import reporting as services
from joinery.notifications.models import Notification
from tests.accounts.html_audit import audit
from tests.conftest import admin_of

from ._reporting import fill, publish
from .conftest import EvalWorld

pytestmark = pytest.mark.django_db

PUBLIC = ("evaluation:open_data", "evaluation:open_data_csv", "evaluation:open_data_json")


def _published_codes(w):
    return set(Indicator.objects.filter(framework=w.fw, is_published=True).values_list("code", flat=True))


# --- the service -------------------------------------------------------------------------------

def test_the_convener_publishes_chosen_indicators_and_unpublishes_the_rest(adopted):
    w = adopted.world
    pub = publish(w, ("meals", "trust"))
    assert pub.is_published and pub.first_published_at is not None and pub.version == 1
    assert _published_codes(w) == {"meals", "trust"}
    told = Notification.objects.filter(url=reverse("evaluation:open_data", args=[w.p.slug]))
    assert told.filter(recipient=admin_of(w.charity)).count() == 1
    first = pub.first_published_at
    pub = publish(w, ("meals",), expected_version=1)
    assert _published_codes(w) == {"meals"} and pub.version == 2 and pub.first_published_at == first
    assert told.filter(recipient=admin_of(w.charity)).count() == 1  # told once, when first published
    events = AuditEvent.objects.filter(action="evaluation.open_data_updated").order_by("id")
    assert [e.after["indicators"] for e in events] == [sorted([w.indicator("meals").pk, w.indicator("trust").pk]),
                                                       [w.indicator("meals").pk]]
    with pytest.raises(StaleEdit):
        publish(w, ("trust",), expected_version=1)
    assert _published_codes(w) == {"meals"}


def test_only_the_convener_publishes(adopted):
    w = adopted.world
    with pytest.raises(PermissionDenied):
        services.publication_update(actor=admin_of(w.charity), acting_for=w.charity, framework=w.fw,
                                    is_published=True, title="T", description="D", licence="CC0-1.0",
                                    publisher="P", contact_email="a@b.example", indicators=[w.indicator("meals")])
    assert not OpenDataPublication.objects.exists() and not _published_codes(w)


def test_bad_input_is_refused_with_field_errors_and_nothing_changes(adopted):
    w = adopted.world
    with pytest.raises(ValidationError) as exc:
        publish(w, (), title=" ", contact_email="not-an-email", licence="all-rights-reserved")
    assert set(exc.value.message_dict) == {"title", "contact_email", "licence", "indicators"}
    other = EvalWorld(name="Westside")
    other.framework()
    with pytest.raises(ValidationError) as exc:
        services.publication_update(actor=w.lead, acting_for=w.city, framework=w.fw, is_published=True, title="T",
                                    description="D", licence="CC0-1.0", publisher="P", contact_email="a@b.example",
                                    indicators=[other.indicator("meals")])
    assert "indicators" in exc.value.message_dict
    assert not OpenDataPublication.objects.exists() and not _published_codes(w)


# --- the public pages --------------------------------------------------------------------------

def test_a_private_partnership_that_published_is_readable_by_anyone(client, adopted):
    w = adopted.world
    assert not w.p.is_public
    fill(w)
    publish(w, ("meals", "trust"))
    response = client.get(reverse("evaluation:open_data", args=[w.p.slug]))
    audit(response)
    html = response.content.decode()
    for expected in ("Eastside results", "Meals served", "Hot meals served at the community kitchen.",
                     "Creative Commons Attribution 4.0", "CC-BY-4.0", "data@eastside.example", "Higher is better",
                     "Residents who trust the partnership", "140"):
        assert expected in html, expected
    assert "Days waiting for a referral" not in html and "wait-days" not in html
    index = client.get(reverse("evaluation:open_data_index"))
    audit(index)
    assert "Eastside results" in index.content.decode()


def test_the_csv_has_one_row_per_indicator_and_period(client, adopted):
    w = adopted.world
    fill(w)
    publish(w, ("meals", "trust"))
    response = client.get(reverse("evaluation:open_data_csv", args=[w.p.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0] == ["partnership", "indicator_code", "indicator_name", "unit", "period", "value", "target",
                       "licence"]
    by = {(r[1], r[4]): r for r in rows[1:]}
    assert by[("meals", "2025-Q2")][5:] == ["140", "120", "CC-BY-4.0"]  # the corrected value
    assert by[("meals", "2025-Q3")][5:7] == ["", "120"]  # a target without a value: the value stays empty
    assert by[("trust", "2025-Q3")][5:7] == ["55", ""]
    assert ("trust", "2025-Q2") not in by  # neither value nor target
    assert {r[1] for r in rows[1:]} == {"meals", "trust"}
    assert len([r for r in rows[1:] if r[1] == "meals"]) == 8


def test_the_json_has_metadata_indicators_and_values(client, adopted):
    w = adopted.world
    fill(w)
    publish(w, ("trust",))
    response = client.get(reverse("evaluation:open_data_json", args=[w.p.slug]))
    data = json.loads(response.content)
    assert data["licence"] == {"id": "CC-BY-4.0", "name": "Creative Commons Attribution 4.0"}
    assert data["partnership"] == {"slug": w.p.slug, "name": w.p.name}
    assert data["csv"].endswith(reverse("evaluation:open_data_csv", args=[w.p.slug]))
    assert [i["code"] for i in data["indicators"]] == ["trust"]
    assert data["indicators"][0]["values"] == [
        {"period": "2025-Q1", "start": "2025-01-01", "end": "2025-03-31", "value": "40", "target": None},
        {"period": "2025-Q3", "start": "2025-07-01", "end": "2025-09-30", "value": "55", "target": None}]


def test_nothing_unpublished_leaks(client, adopted):
    w = adopted.world
    fill(w)
    for name in PUBLIC:  # no publication at all
        assert client.get(reverse(name, args=[w.p.slug])).status_code == 404, name
    publish(w, ("meals",), is_published=False)  # chosen, but not published
    for name in PUBLIC:
        assert client.get(reverse(name, args=[w.p.slug])).status_code == 404, name
    assert "Eastside results" not in client.get(reverse("evaluation:open_data_index")).content.decode()
    publish(w, ("meals", "trust"))
    fw.indicator_retire(actor=w.lead, acting_for=w.city, indicator=w.indicator("trust"))  # retired: never shown
    for name in PUBLIC:
        text = client.get(reverse(name, args=[w.p.slug])).content.decode()
        assert "meals" in text.lower()
        if name.endswith("json"):  # its timestamps could hold any digits: look at the values only
            values = [v for i in json.loads(text)["indicators"] for v in i["values"]]
            assert {v["value"] for v in values} == {"100", "140", "150", None}
            text = text.replace(json.loads(text)["last_updated"], "").replace(json.loads(text)["first_published"], "")
        for hidden in ("trust", "wait-days", "Days waiting", "8.25", "7.5", "City referral system"):
            assert hidden not in text, (name, hidden)
        assert w.charity.name not in text and admin_of(w.charity).email not in text  # no partners nor people
    publish(w, ("meals",), is_published=False)  # withdrawn
    for name in PUBLIC:
        assert client.get(reverse(name, args=[w.p.slug])).status_code == 404, name


def test_the_public_pages_cost_a_constant_number_of_queries(client, adopted, django_assert_max_num_queries):
    w = adopted.world
    fill(w)
    publish(w, ("meals", "trust", "wait-days"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("evaluation:open_data", args=[w.p.slug])).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("evaluation:open_data_json", args=[w.p.slug])).status_code == 200


# --- the settings page -------------------------------------------------------------------------

def test_the_convener_publishes_from_the_settings_page(client, adopted):
    w = adopted.world
    url = reverse("evaluation:open_data_settings", args=[w.p.slug])
    client.force_login(w.lead)
    audit(client.get(url))
    data = {"acting_for": w.city.pk, "is_published": "on", "title": "Eastside results", "description": "Results.",
            "licence": "OGL-UK-3.0", "publisher": "Eastside", "contact_email": "data@eastside.example",
            "indicators": [w.indicator("meals").pk]}
    response = client.post(url, {**data, "contact_email": "nope", "indicators": []})
    assert response.status_code == 400 and "govuk-error-summary" in response.content.decode()
    assert not OpenDataPublication.objects.exists()
    response = client.post(url, data)
    assert response.status_code == 302
    assert _published_codes(w) == {"meals"}
    response = client.post(url, {**data, "version": 0, "indicators": [w.indicator("trust").pk]})
    assert response.status_code == 409 and _published_codes(w) == {"meals"}


def test_other_partners_see_the_settings_but_cannot_publish(client, adopted):
    w = adopted.world
    url = reverse("evaluation:open_data_settings", args=[w.p.slug])
    client.force_login(admin_of(w.charity))
    response = client.get(url)
    audit(response)
    assert "Only the convener" in response.content.decode()
    response = client.post(url, {"acting_for": w.charity.pk, "is_published": "on", "title": "T", "description": "D",
                                 "licence": "CC0-1.0", "publisher": "P", "contact_email": "a@b.example",
                                 "indicators": [w.indicator("meals").pk]})
    assert response.status_code == 400 and not _published_codes(w)
    client.force_login(admin_of(w.outsider))
    assert client.get(url).status_code == 404


def test_citizen_feedback_is_published_without_hidden_responses_or_comments(client, adopted):
    """A feedback-fed indicator publishes its monthly tallies: a hidden response does not count, and no
    comment or contact ever appears."""
    import datetime as dt

    from django.utils import timezone

    from joinery.feedback import services as feedback

    w = adopted.world
    channel = feedback.channel_create(actor=w.lead, acting_for=w.city, partnership=w.p, title="Kitchen feedback",
                                      service_name="Community kitchen")
    fw.indicator_create(actor=w.lead, acting_for=w.city, framework=w.fw, outcome=w.outcome, code="responses",
                        name="Citizen responses", definition="Answers to the kitchen's feedback form.",
                        unit="responses", aggregation="sum", data_source="Citizen feedback form",
                        serves="service_experience", question="feel", feedback_channel=channel,
                        feedback_measure="responses")
    when = timezone.make_aware(dt.datetime(2025, 5, 10, 12, 0))
    answers = []
    for comment in ("Lovely soup", "Friendly people", "ABUSIVE words here"):
        answers.append(feedback.response_record(actor=w.lead, acting_for=w.city, channel=channel, submitted_at=when,
                                                going=4, trend="better", feeling=5, comment=comment,
                                                contact="citizen@example.org"))
    feedback.response_hide(actor=w.lead, acting_for=w.city, response=answers[2], reason="Abuse of the staff.")
    publish(w, ("responses",))
    data = json.loads(client.get(reverse("evaluation:open_data_json", args=[w.p.slug])).content)
    assert data["indicators"][0]["values"] == [
        {"period": "2025-Q2", "start": "2025-04-01", "end": "2025-06-30", "value": "2", "target": None}]
    for name in PUBLIC:
        text = client.get(reverse(name, args=[w.p.slug])).content.decode()
        for secret in ("Lovely soup", "ABUSIVE", "citizen@example.org", "Abuse of the staff"):
            assert secret not in text, (name, secret)
