"""Citizen feedback through the API: forms, public responses (with the rate limits), moderation,
summaries; refusals in the shared error shape; schemathesis over the feedback operations."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import override_settings

from joinery.feedback import services
from joinery.feedback.models import FeedbackResponse
from tests.api import test_schemathesis
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_partnership, make_person

from .conftest import at, stored_tallies, submit, tallies_by_hand

pytestmark = pytest.mark.django_db

wsgi_app = test_schemathesis.wsgi_app  # the fixture, for the schemathesis run below


def as_(person) -> ApiClient:
    return ApiClient().as_(person)


def test_the_convener_opens_changes_and_closes_a_form(partnership, city, charity):
    api = as_(admin_of(city))
    r = api.post(f"/partnerships/{partnership.slug}/feedback/channels",
                 {"acting_for": city.slug, "title": "Mobile library", "service_name": "Library van"})
    assert r.status_code == 201, r.json()
    c = r.json()
    assert (c["slug"], c["public_url"], c["is_open"], c["responses"], c["version"]) == (
        "mobile-library", "/feedback/mobile-library/", True, 0, 1)
    r = api.patch(f"/feedback/channels/{c['id']}", {"acting_for": city.slug, "expected_version": 1,
                                                     "is_open": False})
    assert r.status_code == 200 and r.json()["is_open"] is False and r.json()["version"] == 2
    r = api.patch(f"/feedback/channels/{c['id']}", {"acting_for": city.slug, "expected_version": 1, "title": "X"})
    assert r.status_code == 409
    r = as_(admin_of(charity)).post(f"/partnerships/{partnership.slug}/feedback/channels",
                                    {"acting_for": charity.slug, "title": "Mine", "service_name": "Mine"})
    assert r.status_code == 403
    r = api.post(f"/partnerships/{partnership.slug}/feedback/channels",
                 {"acting_for": city.slug, "title": "Neither"})
    assert r.status_code == 400 and "programme" in r.json()["errors"]


def test_the_list_gives_counts_to_partners_only(partnership, charity, channel):
    submit(channel)
    listed = as_(admin_of(charity)).get(f"/partnerships/{partnership.slug}/feedback/channels").json()
    assert [(c["slug"], c["responses"]) for c in listed] == [("community-kitchen", 1)]
    public = ApiClient().get(f"/partnerships/{partnership.slug}/feedback/channels").json()
    assert public[0]["responses"] is None
    private = make_partnership(name="Closed door")
    assert ApiClient().get(f"/partnerships/{private.slug}/feedback/channels").status_code == 404


def test_anyone_sends_a_response_without_an_account(channel):
    r = ApiClient().post(f"/feedback/{channel.slug}/responses",
                         {"going": 4, "trend": "better", "feeling": 5, "comment": "Good"})
    assert r.status_code == 201 and r.json()["received"] is True
    assert FeedbackResponse.objects.get().comment == "Good"
    r = ApiClient().post(f"/feedback/{channel.slug}/responses", {"going": 9, "trend": "sideways", "feeling": 5})
    assert r.status_code == 422 and {"going", "trend"} <= set(r.json()["errors"])
    assert ApiClient().post("/feedback/nope/responses", {"going": 4, "trend": "same", "feeling": 4}).status_code == 404
    assert FeedbackResponse.objects.count() == 1


def test_a_closed_form_answers_400(city, channel):
    services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, is_open=False)
    r = ApiClient().post(f"/feedback/{channel.slug}/responses", {"going": 4, "trend": "same", "feeling": 4})
    assert r.status_code == 400 and "closed" in r.json()["detail"]


@override_settings(JOINERY_FEEDBACK_FLOOD_PER_MINUTE=2)
def test_a_flood_answers_429_in_the_error_shape_and_loses_nothing(channel):
    body = {"going": 3, "trend": "same", "feeling": 3}
    for _ in range(2):
        submit(channel)
    before = stored_tallies(channel)
    r = ApiClient().post(f"/feedback/{channel.slug}/responses", body)
    assert r.status_code == 429
    assert "too many responses" in r.json()["detail"] and r.json()["errors"]
    assert FeedbackResponse.objects.count() == 2 and stored_tallies(channel) == before


def test_one_sender_over_the_hourly_limit_answers_429(channel):
    body = {"going": 3, "trend": "same", "feeling": 3}
    for _ in range(services.PER_SENDER_PER_HOUR):
        assert ApiClient().post(f"/feedback/{channel.slug}/responses", body).status_code == 201
    assert ApiClient().post(f"/feedback/{channel.slug}/responses", body).status_code == 429


def test_partners_read_page_and_moderate_responses(partnership, city, charity, channel):
    rows = [submit(channel, when=at(2025, 1, d), comment=f"c{d}", contact=f"p{d}@example.org") for d in (1, 2, 3)]
    api = as_(admin_of(charity))
    page = api.get(f"/feedback/channels/{channel.pk}/responses", limit=2).json()
    assert [r["comment"] for r in page["items"]] == ["c3", "c2"] and page["items"][0]["contact"] == "p3@example.org"
    rest = api.get(f"/feedback/channels/{channel.pk}/responses", limit=2, before=page["next_before"]).json()
    assert [r["comment"] for r in rest["items"]] == ["c1"] and rest["next_before"] is None
    r = api.post(f"/feedback/responses/{rows[0].pk}/hide", {"acting_for": charity.slug, "reason": "Abuse"})
    assert r.status_code == 200 and r.json()["hidden"] is True and r.json()["hidden_reason"] == "Abuse"
    again = api.post(f"/feedback/responses/{rows[0].pk}/hide", {"acting_for": charity.slug, "reason": "Abuse"})
    assert again.status_code == 400 and "already hidden" in again.json()["detail"]
    noreason = api.post(f"/feedback/responses/{rows[1].pk}/hide", {"acting_for": charity.slug})
    assert noreason.status_code == 400 and "reason" in noreason.json()["errors"]
    summary = api.get(f"/feedback/channels/{channel.pk}/summary").json()
    assert summary["total"]["responses"] == 2 and summary["months"][0]["month"] == "2025-01-01"
    assert stored_tallies(channel) == tallies_by_hand(channel)
    r = api.post(f"/feedback/responses/{rows[0].pk}/unhide", {"acting_for": charity.slug})
    assert r.status_code == 200 and r.json()["hidden"] is False
    assert api.get(f"/feedback/channels/{channel.pk}/summary").json()["total"]["responses"] == 3


def test_outsiders_read_no_responses(partnership, channel):
    r = submit(channel)
    stranger = as_(make_person())
    assert stranger.get(f"/feedback/channels/{channel.pk}/responses").status_code == 403
    assert stranger.post(f"/feedback/responses/{r.pk}/hide", {"acting_for": "x", "reason": "y"}).status_code == 403
    assert ApiClient().get(f"/feedback/channels/{channel.pk}/summary").status_code == 401
    private = make_partnership(name="Closed door")
    convener = private.partners.get(role="convener").organisation
    hidden = services.channel_create(actor=admin_of(convener), acting_for=convener, partnership=private, title="P",
                                     service_name="P")
    assert stranger.get(f"/feedback/channels/{hidden.pk}/responses").status_code == 404


def test_schemathesis_over_the_feedback_operations(wsgi_app, partnership, city, channel):
    import schemathesis

    r = submit(channel)
    key = token_for(admin_of(city))
    known = {"slug": [partnership.slug, channel.slug], "channel_id": [channel.pk], "response_id": [r.pk]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [o.ok() for o in schema.get_all_operations()]
    operations = [op for op in operations if "Citizen feedback" in (op.definition.raw.get("tags") or [])]
    assert len(operations) == 8
    cases = {"count": 0}
    statuses: dict[str, Counter] = {}
    for operation in operations:
        test_schemathesis.run_operation(operation, known, key, cases, statuses)
    assert sum(c[s] for c in statuses.values() for s in c if 200 <= s < 300) >= len(operations) // 2
