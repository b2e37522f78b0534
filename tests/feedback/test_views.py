"""Feedback pages: the public form (with and without errors, closed), the partner pages, moderation,
and the query count of the channel page whatever the number of responses."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from joinery.feedback import services
from joinery.feedback.models import FeedbackChannel, FeedbackResponse
from tests.conftest import admin_of, make_partnership, make_person

from .conftest import at, stored_tallies, submit, tallies_by_hand

pytestmark = pytest.mark.django_db


def as_(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


# --- public ----------------------------------------------------------------------------------

def test_the_public_form_needs_no_account_and_is_accessible(channel):
    r = Client().get(reverse("feedback:public_form", args=[channel.slug]))
    assert r.status_code == 200
    html = r.content.decode()
    for text in ("Community kitchen", "Eastside Renewal", "<strong>lunch</strong>", "How is the service going?",
                 "Is it getting better?", "How do you feel about it?", "<legend", 'name="comment"',
                 'name="contact"', "Only if you would like a reply", "Privacy", "feedback/feedback.css"):
        assert text in html, text
    # The honeypot: hidden by a class, out of the tab order, hidden from screen readers, labelled.
    assert 'class="feedback-hp" aria-hidden="true"' in html
    assert 'tabindex="-1" autocomplete="off"' in html and "Leave this field empty" in html
    assert "style=" not in html and "<script>" not in html


def test_sending_feedback_redirects_to_thanks_and_counts(channel):
    url = reverse("feedback:public_form", args=[channel.slug])
    r = Client().post(url, {"going": "5", "trend": "better", "feeling": "4", "comment": "Warm welcome",
                            "contact": "", "website": ""}, REMOTE_ADDR="192.0.2.1")
    assert r.status_code == 302 and r["Location"] == reverse("feedback:thanks", args=[channel.slug])
    r = Client().get(r["Location"])
    assert r.status_code == 200 and "Thank you for your feedback" in r.content.decode()
    saved = FeedbackResponse.objects.get()
    assert (saved.going, saved.trend, saved.feeling, saved.comment, saved.language) == (5, "better", 4,
                                                                                       "Warm welcome", "en")
    assert stored_tallies(channel) == tallies_by_hand(channel)


def test_missing_answers_show_the_error_summary_and_keep_the_comment(channel):
    r = Client().post(reverse("feedback:public_form", args=[channel.slug]),
                      {"trend": "same", "comment": "Queue too long", "contact": "x" * 201})
    assert r.status_code == 400
    html = r.content.decode()
    assert "govuk-error-summary" in html and 'href="#id_going_0"' in html and 'href="#id_feeling_0"' in html
    assert "Choose how the service is going." in html and "200 characters" in html
    assert "Queue too long" in html and 'value="same" checked' in html
    assert not FeedbackResponse.objects.exists()


def test_a_closed_form_says_so_without_a_form(city, channel):
    services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, is_open=False)
    url = reverse("feedback:public_form", args=[channel.slug])
    r = Client().get(url)
    assert r.status_code == 200 and "is closed" in r.content.decode() and "<form method=\"post\" novalidate>" \
        not in r.content.decode()
    r = Client().post(url, {"going": "3", "trend": "same", "feeling": "3"})
    assert r.status_code == 200 and not FeedbackResponse.objects.exists()
    assert Client().get(reverse("feedback:public_form", args=["no-such-form"])).status_code == 404


# --- partner pages ---------------------------------------------------------------------------

def test_the_channel_list_shows_counts_and_links_to_partners_only(partnership, charity, channel):
    submit(channel)
    submit(channel)
    url = reverse("feedback:channels", args=[partnership.slug])
    html = as_(admin_of(charity)).get(url).content.decode()
    assert "Community kitchen" in html and "/feedback/community-kitchen/" in html and "Responses" in html
    assert 'aria-current="page"' in html  # the evaluation sub-navigation, on "Citizen feedback"
    public = Client().get(url).content.decode()
    assert "/feedback/community-kitchen/" in public and ">Responses<" not in public
    private = make_partnership(name="Closed door")
    assert Client().get(reverse("feedback:channels", args=[private.slug])).status_code == 404


def test_the_convener_opens_and_edits_a_form(partnership, city, charity):
    client = as_(admin_of(city))
    url = reverse("feedback:channel_create", args=[partnership.slug])
    assert client.get(url).status_code == 200
    a = {"acting_for": str(city.pk)}
    r = client.post(url, {**a, "title": "Library", "service_name": "", "programme": ""})
    assert r.status_code == 400 and "govuk-error-summary" in r.content.decode()
    r = client.post(url, {**a, "title": "Library", "service_name": "Mobile library", "introduction": "Our van"})
    c = FeedbackChannel.objects.get(title="Library")
    assert r.status_code == 302 and r["Location"] == reverse("feedback:channel", args=[c.pk])
    edit = reverse("feedback:channel_edit", args=[c.pk])
    r = client.post(edit, {**a, "title": "Library van", "service_name": "Mobile library", "slug": c.slug,
                           "version": "1"})  # is_open unticked: closes it
    c.refresh_from_db()
    assert r.status_code == 302 and (c.title, c.is_open, c.version) == ("Library van", False, 2)
    r = client.post(edit, {**a, "title": "Old copy", "service_name": "Mobile library", "version": "1", "is_open": "on"})
    assert r.status_code == 409
    r = as_(admin_of(charity)).post(url, {"acting_for": str(charity.pk), "title": "Mine", "service_name": "Mine"})
    assert r.status_code == 400 and "convener" in r.content.decode()


def test_the_channel_page_shows_the_summary_and_responses_to_partners(partnership, charity, channel):
    submit(channel, 5, "better", 4, comment="Lovely", contact="ana@example.org", when=at(2025, 3, 1))
    submit(channel, 1, "worse", 2, comment="Cold food", when=at(2025, 4, 1))
    url = reverse("feedback:channel", args=[channel.pk])
    html = as_(admin_of(charity)).get(url).content.decode()
    for text in ("March 2025", "April 2025", "Lovely", "Cold food", "ana@example.org", "Hide this response",
                 "<caption", 'scope="col"', "2 visible responses"):
        assert text in html, text
    assert Client().get(url).status_code == 404  # the public sees no comments
    assert as_(make_person()).get(url).status_code == 404


def test_a_partner_hides_and_shows_a_response_from_the_page(charity, channel):
    r = submit(channel, comment="Insults")
    client = as_(admin_of(charity))
    url = reverse("feedback:response_hide", args=[r.pk])
    p = f"r{r.pk}-"
    a = {p + "acting_for": str(charity.pk)}
    bad = client.post(url, {**a, p + "action": "hide", p + "reason": ""})
    assert bad.status_code == 400 and "Say why you hide" in bad.content.decode()
    ok = client.post(url, {**a, p + "action": "hide", p + "reason": "Insults staff"})
    assert ok.status_code == 302 and ok["Location"].endswith(f"#response-{r.pk}")
    r.refresh_from_db()
    assert r.hidden_at is not None and stored_tallies(channel) == tallies_by_hand(channel) == {}
    html = client.get(reverse("feedback:channel", args=[channel.pk])).content.decode()
    assert "Hidden" in html and "Insults staff" in html and "Show this response again" in html
    twice = client.post(url, {**a, p + "action": "hide", p + "reason": "Again"})
    assert twice.status_code == 400 and "already hidden" in twice.content.decode()
    ok = client.post(url, {**a, p + "action": "unhide", p + "reason": ""})
    r.refresh_from_db()
    assert ok.status_code == 302 and r.hidden_at is None
    outsider = make_person()
    assert as_(outsider).post(url, {**a, p + "action": "hide", p + "reason": "x"}).status_code == 404


def test_the_channel_page_costs_the_same_queries_whatever_the_number_of_responses(
        charity, channel, django_assert_max_num_queries):
    for month in range(1, 13):
        for _ in range(6):
            submit(channel, when=at(2025, month))
    client = as_(admin_of(charity))
    url = reverse("feedback:channel", args=[channel.pk])
    client.get(url)  # warm the session
    with django_assert_max_num_queries(12):  # 3 of them save the session
        r = client.get(url)
    assert r.status_code == 200
    r = client.get(url + f"?before={FeedbackResponse.objects.order_by('submitted_at', 'id')[10].pk}")
    assert r.status_code == 200 and "Earlier responses" in r.content.decode()
