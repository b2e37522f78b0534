"""Feedback services: channels, responses, moderation; tallies compared with counts made by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from joinery.audit.models import AuditEvent
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.evaluation import periods
from joinery.feedback import selectors, services
from joinery.feedback.models import FeedbackChannel, FeedbackResponse, FeedbackTally
from joinery.notifications.models import Notification
from tests.conftest import add_role, admin_of, make_person

from .conftest import at, stored_tallies, submit, tallies_by_hand

pytestmark = pytest.mark.django_db


# --- channels --------------------------------------------------------------------------------

def test_the_convener_opens_a_form_with_a_slug_made_from_the_title(partnership, city, charity, channel):
    assert channel.slug == "community-kitchen" and channel.is_open and channel.version == 1
    again = services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                    title="Community kitchen", service_name="Kitchen, evenings")
    assert again.slug == "community-kitchen-2"
    event = AuditEvent.objects.get(action="feedback.channel_created", object_id=str(channel.pk))
    assert event.after["title"] == "Community kitchen" and event.partnership_id == partnership.pk
    assert Notification.objects.filter(recipient=admin_of(charity), kind="feedback").exists()


def test_a_form_is_for_a_programme_of_the_partnership_or_a_named_service(partnership, city, charity):
    from joinery.programme import services as programme

    prog = programme.programme_create(actor=admin_of(city), acting_for=city, partnership=partnership,
                                      title="Food security")
    c = services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="Food",
                                programme=prog)
    assert c.programme_id == prog.pk
    with pytest.raises(ValidationError) as e:
        services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="Both",
                                programme=prog, service_name="Kitchen")
    assert "service_name" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="Neither")
    assert "programme" in e.value.message_dict
    from tests.conftest import make_partnership

    other = make_partnership(convener=city, name="Other")
    with pytest.raises(ValidationError) as e:
        services.channel_create(actor=admin_of(city), acting_for=city, partnership=other, title="Theirs",
                                programme=prog)
    assert "programme" in e.value.message_dict


def test_bad_channel_fields_are_refused_with_field_errors_and_nothing_written(partnership, city, channel):
    before = (FeedbackChannel.objects.count(), AuditEvent.objects.count())
    for slug, field in (("community-kitchen", "slug"), ("Not A Slug!", "slug"), ("channels", "slug")):
        with pytest.raises(ValidationError) as e:
            services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership, title="T",
                                    service_name="S", slug=slug)
        assert field in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.channel_create(actor=admin_of(city), acting_for=city, partnership=partnership, title=" ",
                                service_name="S", introduction="x" * 5001)
    assert {"title", "introduction"} <= set(e.value.message_dict)
    assert (FeedbackChannel.objects.count(), AuditEvent.objects.count()) == before


def test_only_the_convener_sets_up_forms(partnership, city, charity, outsider):
    with pytest.raises(PermissionDenied):
        services.channel_create(actor=admin_of(charity), acting_for=charity, partnership=partnership, title="T",
                                service_name="S")
    member = make_person(mfa=True)
    add_role(city, member, "member")
    with pytest.raises(PermissionDenied):
        services.channel_create(actor=member, acting_for=city, partnership=partnership, title="T", service_name="S")
    with pytest.raises(PermissionDenied):
        services.channel_create(actor=admin_of(outsider), acting_for=outsider, partnership=partnership, title="T",
                                service_name="S")


def test_update_closes_and_reopens_and_refuses_a_stale_version(city, charity, channel):
    c = services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, expected_version=1,
                                is_open=False, title="Kitchen lunches")
    assert (c.is_open, c.title, c.version, c.slug) == (False, "Kitchen lunches", 2, "community-kitchen")
    with pytest.raises(StaleEdit):
        services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, expected_version=1,
                                is_open=True)
    with pytest.raises(PermissionDenied):
        services.channel_update(actor=admin_of(charity), acting_for=charity, channel=channel, is_open=True)
    event = AuditEvent.objects.get(action="feedback.channel_updated")
    assert event.before["is_open"] is True and event.after["is_open"] is False


# --- responses -------------------------------------------------------------------------------

def test_a_response_is_stored_tallied_and_audited_without_personal_data(partnership, channel):
    r = submit(channel, going=5, trend="same", feeling=2, comment="Great soup", contact="me@example.org",
               language="fr", ip="192.0.2.7")
    assert (r.going, r.trend, r.feeling, r.comment, r.contact, r.language) == (5, "same", 2, "Great soup",
                                                                               "me@example.org", "fr")
    assert len(r.client_hash) == 64 and "192.0.2.7" not in r.client_hash
    assert stored_tallies(channel) == tallies_by_hand(channel)
    event = AuditEvent.objects.get(action="feedback.response_submitted")
    assert event.actor is None and event.partnership_id == partnership.pk
    assert "Great soup" not in str(event.after) and "example.org" not in str(event.after)
    assert event.after["going"] == 5


@pytest.mark.parametrize(("fields", "field"), [
    ({"going": 0}, "going"), ({"going": 6}, "going"), ({"going": "x"}, "going"), ({"feeling": None}, "feeling"),
    ({"trend": "sideways"}, "trend"), ({"comment": "x" * 2001}, "comment"), ({"contact": "x" * 201}, "contact"),
    ({"comment": "nul\x00"}, "comment"),
])
def test_bad_answers_are_refused_and_nothing_is_stored(channel, fields, field):
    before = (FeedbackResponse.objects.count(), FeedbackTally.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as e:
        submit(channel, **fields)
    assert field in e.value.message_dict
    assert (FeedbackResponse.objects.count(), FeedbackTally.objects.count(), AuditEvent.objects.count()) == before


def test_a_closed_form_takes_no_response(city, channel):
    services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, is_open=False)
    with pytest.raises(ValidationError, match="closed"):
        submit(channel)
    assert not FeedbackResponse.objects.exists()


def test_a_filled_honeypot_is_dropped_quietly(channel):
    events = AuditEvent.objects.count()
    with pytest.raises(services.HoneypotFilled):
        submit(channel, honeypot="http://spam.example")
    with pytest.raises(services.HoneypotFilled):
        submit(channel, going=99, honeypot="x")  # even with bad answers: a robot learns nothing
    assert not FeedbackResponse.objects.exists() and not FeedbackTally.objects.exists()
    assert AuditEvent.objects.count() == events


# --- moderation and exactness ----------------------------------------------------------------

def test_tallies_stay_exact_through_submits_hides_and_unhides(city, charity, channel):
    answers = [(5, "better", 4, at(2025, 1, 3)), (3, "same", 3, at(2025, 1, 30)), (1, "worse", 1, at(2025, 2, 2)),
               (4, "unsure", 5, at(2025, 2, 28)), (2, "better", 2, at(2025, 4, 1)), (4, "better", 5, None)]
    rows = [submit(channel, g, t, f, when=w) for g, t, f, w in answers]
    assert stored_tallies(channel) == tallies_by_hand(channel)
    hidden = services.response_hide(actor=admin_of(charity), acting_for=charity, response=rows[2],
                                    reason="Abusive language")
    assert hidden.hidden_by == admin_of(charity) and hidden.hidden_reason == "Abusive language"
    services.response_hide(actor=admin_of(city), acting_for=city, response=rows[4], reason="Spam link")
    assert stored_tallies(channel) == tallies_by_hand(channel)
    assert FeedbackTally.objects.get(channel=channel, month=at(2025, 4).date().replace(day=1)).responses == 0
    services.response_unhide(actor=admin_of(city), acting_for=city, response=rows[2], reason="Not abusive after all")
    assert stored_tallies(channel) == tallies_by_hand(channel)
    assert FeedbackResponse.objects.count() == 6  # nothing is ever deleted


def test_hiding_is_audited_with_the_comment_and_refused_twice(charity, channel):
    r = submit(channel, comment="You are all idiots", contact="troll@example.org")
    services.response_hide(actor=admin_of(charity), acting_for=charity, response=r, reason="Insults")
    event = AuditEvent.objects.get(action="feedback.response_hidden")
    assert event.before["comment"] == "You are all idiots" and event.after["hidden_reason"] == "Insults"
    assert "troll@example.org" not in str(event.before) + str(event.after)
    with pytest.raises(ValidationError, match="already hidden"):
        services.response_hide(actor=admin_of(charity), acting_for=charity, response=r, reason="Again")
    services.response_unhide(actor=admin_of(charity), acting_for=charity, response=r)
    with pytest.raises(ValidationError, match="not hidden"):
        services.response_unhide(actor=admin_of(charity), acting_for=charity, response=r)
    assert AuditEvent.objects.filter(action="feedback.response_unhidden").count() == 1


def test_moderation_needs_a_partner_and_a_reason(charity, outsider, channel):
    r = submit(channel)
    with pytest.raises(PermissionDenied):
        services.response_hide(actor=admin_of(outsider), acting_for=outsider, response=r, reason="Mine")
    with pytest.raises(PermissionDenied):
        services.response_hide(actor=admin_of(outsider), acting_for=charity, response=r, reason="Not mine")
    with pytest.raises(ValidationError) as e:
        services.response_hide(actor=admin_of(charity), acting_for=charity, response=r, reason="  ")
    assert "reason" in e.value.message_dict
    r.refresh_from_db()
    assert r.hidden_at is None and stored_tallies(channel) == tallies_by_hand(channel)


def test_indicators_read_hand_computed_quarterly_values_after_submits_and_a_hide(charity, channel):
    # Q1 2025: going 5, 3, 1 → hide the 1; feeling 4, 2, 1; trends better, worse, (better hidden); one unsure.
    q1 = [submit(channel, 5, "better", 4, when=at(2025, 1, 10)), submit(channel, 3, "worse", 2, when=at(2025, 2, 10)),
          submit(channel, 1, "better", 1, when=at(2025, 3, 10)), submit(channel, 2, "unsure", 3, when=at(2025, 3, 20))]
    # Q2 2025: nothing. Q3 2025: going 4, 2; feeling 5, 4; better, same.
    submit(channel, 4, "better", 5, when=at(2025, 7, 1))
    submit(channel, 2, "same", 4, when=at(2025, 9, 30))
    services.response_hide(actor=admin_of(charity), acting_for=charity, response=q1[2], reason="Duplicate")
    quarters = periods.periods_between("quarter", at(2025, 1, 1).date(), at(2025, 12, 31).date())
    values = selectors.measure_by_period(channel.pk, {"going", "feeling", "better_share", "responses"}, quarters)
    assert set(values) == {"2025-Q1", "2025-Q3"}  # no responses, no value: Q2 and Q4 are missing, not zero
    assert values["2025-Q1"] == {"responses": Decimal(3), "going": Decimal("3.3333"), "feeling": Decimal("3.0000"),
                                 "better_share": Decimal("50.0000")}  # better 1 of (better 1 + worse 1)
    assert values["2025-Q3"] == {"responses": Decimal(2), "going": Decimal("3.0000"), "feeling": Decimal("4.5000"),
                                 "better_share": Decimal("50.0000")}
    year = selectors.measure_by_period(channel.pk, {"going"}, [periods.parse("year", "2025")])
    assert year == {"2025": {"going": Decimal("3.2000")}}  # (5+3+2+4+2)/5


def test_summary_and_channel_counts_come_from_the_tallies(partnership, charity, channel):
    rows = [submit(channel, 5, "better", 5, when=at(2025, 5, 1)), submit(channel, 1, "worse", 1, when=at(2025, 5, 2)),
            submit(channel, 3, "unsure", 3, when=at(2025, 6, 1))]
    services.response_hide(actor=admin_of(charity), acting_for=charity, response=rows[1], reason="Spam")
    s = selectors.channel_summary(channel=channel)
    assert s["total"]["responses"] == 2 and s["total"]["going"] == Decimal("4.0000")
    assert s["total"]["better_share"] == Decimal("100.0000")
    assert [m["month"].month for m in s["months"]] == [6, 5]
    assert s["months"][0]["better_share"] is None  # only "I don't know" that month
    [c] = selectors.channels(partnership=partnership)
    assert c.response_count == 2


def test_responses_page_newest_first_with_keyset_paging(charity, channel):
    rows = [submit(channel, when=at(2025, 1, d)) for d in range(1, 8)]
    rows.append(submit(channel, when=at(2025, 1, 4)))  # the same time as another: the id breaks the tie
    seen, before = [], None
    while True:
        page, before = selectors.responses_page(channel=channel, before=before, limit=3)
        seen += [r.pk for r in page]
        if before is None:
            break
    expected = [r.pk for r in sorted(rows, key=lambda r: (r.submitted_at, r.pk), reverse=True)]
    assert seen == expected


def test_tallies_rebuilt_from_bulk_loaded_responses_equal_the_counts_by_hand(charity, channel):
    from django.utils import timezone

    rows = [submit(channel, g, t, f, when=w) for g, t, f, w in
            [(5, "better", 4, at(2025, 1, 31, 23)), (2, "worse", 1, at(2025, 2, 1, 0)), (3, "unsure", 3, None)]]
    services.response_hide(actor=admin_of(charity), acting_for=charity, response=rows[1], reason="Spam")
    FeedbackResponse.objects.bulk_create([  # as a benchmark or demo loader would, bypassing the tallies
        FeedbackResponse(channel=channel, submitted_at=at(2024, m, 28, 22), going=m % 5 + 1, trend="same",
                         feeling=4, comment="", contact="") for m in range(1, 13)])
    FeedbackTally.objects.filter(channel=channel).update(going_sum=0)  # and damage them
    assert services.tally_rebuild(channel=channel) == 12 + 2
    assert stored_tallies(channel) == tallies_by_hand(channel)
    assert timezone.localdate(rows[0].submitted_at).month == 1  # local months, as the tallies count them
    assert AuditEvent.objects.filter(action="feedback.tallies_rebuilt").count() == 1


def test_partners_type_in_paper_answers_on_the_day_they_were_given(city, charity, outsider, channel):
    import datetime as dt

    from django.utils import timezone

    services.channel_update(actor=admin_of(city), acting_for=city, channel=channel, is_open=False)
    r = services.response_record(actor=admin_of(charity), acting_for=charity, channel=channel,
                                 submitted_at=at(2025, 3, 3), going=4, trend="same", feeling=5, comment="On paper")
    assert r.submitted_at == at(2025, 3, 3) and r.client_hash == ""  # a closed form still takes paper answers
    event = AuditEvent.objects.get(action="feedback.response_recorded")
    assert event.actor == admin_of(charity) and event.acting_for == charity and "On paper" not in str(event.after)
    assert stored_tallies(channel) == tallies_by_hand(channel)
    with pytest.raises(PermissionDenied):
        services.response_record(actor=admin_of(outsider), acting_for=outsider, channel=channel,
                                 submitted_at=at(2025, 3, 3), going=4, trend="same", feeling=5)
    for when in (timezone.now() + dt.timedelta(days=1), at(1999, 1, 1), None):
        with pytest.raises(ValidationError) as e:
            services.response_record(actor=admin_of(charity), acting_for=charity, channel=channel,
                                     submitted_at=when, going=4, trend="same", feeling=5)
        assert "submitted_at" in e.value.message_dict
    assert FeedbackResponse.objects.count() == 1
