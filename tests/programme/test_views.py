"""Work programme pages: who sees what, forms and their errors, the decision gate, volunteers, conflicts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from joinery.audit.models import AuditEvent
from joinery.network.models import Decision, DecisionKind
from joinery.programme import services
from joinery.programme.models import (
    ItemStatus,
    ProgrammeStatus,
    SignupStatus,
    VolunteerSignup,
    WorkItem,
)
from tests.conftest import add_role, admin_of, make_organisation, make_person
from tests.programme.conftest import Cast, page_audit

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
NEXT_MONTH = timezone.localdate() + dt.timedelta(days=30)


def text(response) -> str:
    return response.content.decode()


def url(name, *args):
    return reverse(f"programme:{name}", args=args)


def test_work_list_shows_programmes_and_filters(client, cast):
    o, i, m, t = cast.tree()
    cast.item(title="Late report", owner=cast.residents, due_date=YESTERDAY)
    done = cast.item(title="Finished thing")
    services.work_item_set_status(actor=cast.lead, acting_for=cast.city, item=done, status="done")
    client.force_login(cast.food)
    r = client.get(url("work_list", cast.p.slug))
    page_audit(r)
    body = text(r)
    assert "Kitchen programme" in body and "New programme" in body
    assert "Late report" in body and "Buy ovens" in body and "Finished thing" not in body  # open work by default
    assert "Overdue" in body
    body = text(client.get(url("work_list", cast.p.slug), {"overdue": "on"}))
    assert "Late report" in body and "Buy ovens" not in body
    body = text(client.get(url("work_list", cast.p.slug), {"owner": cast.residents.pk}))
    assert "Late report" in body and "Buy ovens" not in body
    body = text(client.get(url("work_list", cast.p.slug), {"status": "done"}))
    assert "Finished thing" in body and "Late report" not in body
    body = text(client.get(url("work_list", cast.p.slug), {"kind": "milestone", "status": "all"}))
    assert "Kitchen open" in body and "Buy ovens" not in body
    body = text(client.get(url("work_list", cast.p.slug), {"q": "ovens"}))
    assert "Buy ovens" in body and "Late report" not in body
    r = client.get(url("work_list", cast.p.slug), {"owner": "999999", "status": "nonsense", "page": "-3"})
    assert r.status_code == 200  # bad filters are ignored, never a 500


def test_work_list_pages_without_counting(client, cast):
    for n in range(55):
        cast.item(title=f"Task {n:02d}", due_date=NEXT_MONTH + dt.timedelta(days=n))
    client.force_login(cast.lead)
    first = text(client.get(url("work_list", cast.p.slug)))
    assert "Task 00" in first and "Task 54" not in first and "page=2" in first
    second = text(client.get(url("work_list", cast.p.slug), {"page": 2}))
    assert "Task 54" in second and "Task 00" not in second


@pytest.mark.parametrize("name", ["work_list", "timeline"])
def test_private_partnership_pages_are_404_to_outsiders(client, cast, name):
    cast.tree()
    assert client.get(url(name, cast.p.slug)).status_code == 404
    client.force_login(make_person())
    assert client.get(url(name, cast.p.slug)).status_code == 404


def test_private_programme_and_item_are_404_to_outsiders(client, cast):
    o, i, m, t = cast.tree()
    client.force_login(admin_of(make_organisation(name="Stranger")))
    for target in [url("detail", cast.programme.pk), url("item", t.pk), url("item_create", cast.programme.pk),
                   url("item_edit", t.pk), url("item_status", t.pk)]:
        assert client.get(target).status_code == 404, target
    assert client.post(url("item_status", t.pk), {"status": "done"}).status_code == 404
    assert client.get(url("create", cast.p.slug)).status_code == 404


def test_public_partnership_pages_are_open_to_anyone(client, public_cast):
    o, i, m, t = public_cast.tree()
    for target in [url("work_list", public_cast.p.slug), url("timeline", public_cast.p.slug),
                   url("detail", public_cast.programme.pk), url("item", t.pk), url("volunteer_opportunities")]:
        r = client.get(target)
        page_audit(r)
    body = text(client.get(url("work_list", public_cast.p.slug)))
    assert "New programme" not in body
    r = client.get(url("item_create", public_cast.programme.pk))
    assert r.status_code == 302 and "login" in r.url


def test_timeline_has_a_chart_a_table_and_a_summary(client, cast):
    o, i, m, t = cast.tree()
    services.work_item_update(actor=cast.lead, acting_for=cast.city, item=m, due_date=NEXT_MONTH)
    cast.item(title="Late report", due_date=YESTERDAY, start_date=YESTERDAY - dt.timedelta(days=10))
    cast.item(title="Undated")
    client.force_login(cast.food)
    r = client.get(url("timeline", cast.p.slug))
    page = page_audit(r)
    body = text(r)
    assert page is not None
    assert '<canvas id="timeline-chart" role="img"' in body
    assert 'id="timeline-data" type="application/json"' in body
    assert "programme/timeline.js" in body and "vendor/chartjs/chart.umd.min.js" in body
    assert "<caption" in body and 'scope="col"' in body
    assert "Late report" in body and "— <strong>overdue</strong>" in body
    assert "Undated" not in body
    summary = r.context["summary"]
    assert "overdue" in summary and "next milestone: “Kitchen open”" in summary


def test_timeline_without_dated_work_says_so(client, cast):
    client.force_login(cast.food)
    r = client.get(url("timeline", cast.p.slug))
    page_audit(r)
    assert "No dated work" in text(r) and "<canvas" not in text(r)


def test_create_a_programme_with_errors_then_success(client, cast):
    client.force_login(cast.food)
    r = client.get(url("create", cast.p.slug))
    page_audit(r)
    r = client.post(url("create", cast.p.slug), {"title": "", "acting_for": cast.charity.pk})
    page_audit(r, 400)
    assert "govuk-error-summary" in text(r) and "Enter a title" in text(r) or "required" in text(r)
    r = client.post(url("create", cast.p.slug), {"title": "Food bank plan", "acting_for": cast.charity.pk,
                                                 "agreement": cast.agreement.pk, "changes_need_decision": "on"})
    assert r.status_code == 302
    created = cast.p.programmes.get(title="Food bank plan")
    assert r.url == url("detail", created.pk) and created.agreement == cast.agreement


def test_a_member_cannot_start_a_programme(client, cast):
    member = make_person()
    add_role(cast.charity, member, "member")
    client.force_login(member)
    r = client.get(url("create", cast.p.slug))
    assert "Only an administrator or coordinator" in text(r)
    r = client.post(url("create", cast.p.slug), {"title": "Mine", "acting_for": cast.charity.pk})
    assert r.status_code == 400 and not cast.p.programmes.filter(title="Mine").exists()


def test_programme_page_shows_the_tree_and_the_convener_adopts(client, cast):
    o, i, m, t = cast.tree()
    client.force_login(cast.lead)
    r = client.get(url("detail", cast.programme.pk))
    page_audit(r)
    body = text(r)
    assert body.index("Nobody goes hungry") < body.index("Community kitchen") < body.index("Kitchen open") \
        < body.index("Buy ovens")
    assert body.count("joinery-work-tree--nested") == 3
    assert "Adopt the programme" in body
    r = client.post(url("adopt", cast.programme.pk), {"adopt-acting_for": cast.city.pk, "adopt-how": "now"})
    assert r.status_code == 302
    cast.programme.refresh_from_db()
    assert cast.programme.status == ProgrammeStatus.ADOPTED
    body = text(client.get(url("detail", cast.programme.pk)))
    assert "Adopt the programme" not in body and "put to the partners as a decision" in body


def test_a_partner_cannot_adopt_now_but_can_put_it_to_a_decision(client, cast):
    client.force_login(cast.food)
    body = text(client.get(url("detail", cast.programme.pk)))
    assert "Put it to the partners as a decision" in body and "The convener adopts it now" not in body
    r = client.post(url("adopt", cast.programme.pk), {"adopt-acting_for": cast.charity.pk, "adopt-how": "now"})
    page_audit(r, 400)
    cast.programme.refresh_from_db()
    assert cast.programme.status == ProgrammeStatus.DRAFT
    r = client.post(url("adopt", cast.programme.pk), {"adopt-acting_for": cast.charity.pk, "adopt-how": "decision"})
    d = Decision.objects.get(kind=DecisionKind.PROGRAMME_CHANGE)
    assert r.status_code == 302 and r.url == d.get_absolute_url()


def item_post(c, **over):
    data = {"acting_for": c.city.pk, "kind": "task", "title": "Paint the hall", "owner": c.charity.pk,
            "description": "", "start_date": "", "due_date": "", "volunteers_wanted": "0", "volunteer_note": ""}
    data.update(over)
    return data


def test_add_a_task_from_the_form(client, cast):
    o, i, m, t = cast.tree()
    client.force_login(cast.lead)
    r = client.get(url("item_create", cast.programme.pk) + f"?parent={m.pk}")
    page_audit(r)
    assert "Kitchen staff" in text(r)  # the partnership's commitments are offered
    r = client.post(url("item_create", cast.programme.pk), item_post(
        cast, parent=m.pk, commitments=[cast.commitment.pk], depends_on=[t.pk], due_date="2026-05-20",
        volunteers_wanted="3", owner_person=cast.food.pk))
    item = WorkItem.objects.get(title="Paint the hall")
    assert r.status_code == 302 and r.url == url("item", item.pk)
    assert item.parent == m and list(item.depends_on.all()) == [t] and item.owner_person == cast.food


def test_item_form_errors_show_a_summary(client, cast):
    other = Cast(name="Westside")
    client.force_login(cast.lead)
    r = client.post(url("item_create", cast.programme.pk), item_post(
        cast, title="", start_date="2026-05-02", due_date="2026-05-01", commitments=[other.commitment.pk]))
    page_audit(r, 400)
    body = text(r)
    assert "govuk-error-summary" in body
    r = client.post(url("item_create", cast.programme.pk), item_post(
        cast, start_date="2026-05-02", due_date="2026-05-01"))
    page_audit(r, 400)
    assert "The due date must be on or after the start date" in text(r)
    r = client.post(url("item_create", cast.programme.pk), item_post(cast, kind="milestone"))
    page_audit(r, 400)
    assert "must sit under" in text(r)
    assert not WorkItem.objects.exists()


def test_in_an_adopted_programme_the_form_explains_and_redirects_to_the_decision(client, cast):
    o, i, m, t = cast.tree()
    cast.adopt()
    client.force_login(cast.lead)
    r = client.get(url("item_create", cast.programme.pk))
    page_audit(r)
    assert "put to the partners as a decision" in text(r) and "Partners can respond until" in text(r)
    r = client.post(url("item_create", cast.programme.pk), item_post(
        cast, kind="milestone", parent=i.pk, title="Second kitchen"))
    d = Decision.objects.get(kind=DecisionKind.PROGRAMME_CHANGE)
    assert r.status_code == 302 and r.url == d.get_absolute_url()
    assert not WorkItem.objects.filter(title="Second kitchen").exists()
    body = text(client.get(url("detail", cast.programme.pk)))
    assert "Changes waiting for a decision" in body and d.title in body
    r = client.post(url("item_create", cast.programme.pk), item_post(cast, title="A plain task"))
    assert r.status_code == 302 and WorkItem.objects.filter(title="A plain task").exists()


def test_item_page_shows_its_links(client, cast):
    o, i, m, t = cast.tree()
    first = cast.item(title="Order parts")
    task = cast.item(title="Fit the ovens", parent=m, depends_on=[first], commitments=[cast.commitment],
                     owner=cast.charity)
    later = cast.item(title="Test the ovens", depends_on=[task])
    client.force_login(cast.res)
    r = client.get(url("item", task.pk))
    page_audit(r)
    body = text(r)
    assert "Kitchen open" in body and "Order parts" in body and "Test the ovens" in body
    assert "Kitchen staff" in body and cast.agreement.get_absolute_url() in body
    assert url("item_edit", task.pk) not in body  # residents neither own it nor convene
    assert later.pk
    client.force_login(cast.food)
    assert url("item_edit", task.pk) in text(client.get(url("item", task.pk)))


def test_edit_an_item_and_a_stale_edit_shows_both_values(client, cast):
    task = cast.item(title="Paint the hall", owner=cast.charity)
    client.force_login(cast.food)
    r = client.get(url("item_edit", task.pk))
    page_audit(r)
    form = item_post(cast, acting_for=cast.charity.pk, title="Paint the big hall", version="1")
    form.pop("kind")
    services.work_item_update(actor=cast.lead, acting_for=cast.city, item=task, title="Paint the small hall",
                              due_date=dt.date(2026, 6, 1))
    r = client.post(url("item_edit", task.pk), form)
    page_audit(r, 409)
    body = text(r)
    assert "Someone saved this item while you were editing it" in body
    assert "Paint the small hall" in body and "Paint the big hall" in body
    task.refresh_from_db()
    assert task.title == "Paint the small hall"
    form["version"] = r.context["form"]["version"].value()
    r = client.post(url("item_edit", task.pk), form)
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.title == "Paint the big hall" and task.version == 3


def test_a_partner_who_neither_owns_nor_convenes_is_turned_back_from_edit(client, cast):
    task = cast.item(owner=cast.charity)
    client.force_login(cast.res)
    r = client.get(url("item_edit", task.pk))
    assert r.status_code == 302 and r.url == url("item", task.pk)


def test_status_page_records_progress_and_needs_a_reason_to_cancel(client, cast):
    task = cast.item(owner=cast.charity)
    client.force_login(cast.food)
    r = client.get(url("item_status", task.pk))
    page_audit(r)
    r = client.post(url("item_status", task.pk), {"acting_for": cast.charity.pk, "status": "cancelled",
                                                   "reason": "", "version": "1"})
    page_audit(r, 400)
    assert "Say why the item is cancelled" in text(r)
    r = client.post(url("item_status", task.pk), {"acting_for": cast.charity.pk, "status": "done", "version": "1"})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == ItemStatus.DONE
    assert AuditEvent.objects.filter(action="work_item.status_changed", object_id=str(task.pk)).exists()


def test_volunteer_signs_up_and_the_coordinator_confirms(client, public_cast, citizen):
    c = public_cast
    task = c.item(title="Serve lunch", owner=c.charity, volunteers_wanted=2, volunteer_note="Two hours")
    r = client.get(url("item", task.pk))
    assert "Sign in to offer to help" in text(r)
    client.force_login(citizen)
    r = client.get(url("volunteer_opportunities"))
    page_audit(r)
    assert "Serve lunch" in text(r) and "2 places left" in text(r)
    r = client.get(url("item", task.pk))
    page_audit(r)
    assert "Offer to help" in text(r)
    r = client.post(url("signup", task.pk), {"message": "Tuesdays"})
    assert r.status_code == 302
    s = VolunteerSignup.objects.get(item=task, person=citizen)
    assert s.status == SignupStatus.PENDING
    body = text(client.get(url("item", task.pk)))
    assert "Your offer: Waiting for confirmation" in body and "Withdraw my offer" in body
    r = client.post(url("signup", task.pk), {"message": "Again"})
    page_audit(r, 400)
    assert "already offered" in text(r)
    client.force_login(c.food)
    r = client.get(url("item", task.pk))
    page_audit(r)
    assert "Tuesdays" in text(r) and f"decide-{s.pk}-decision" in text(r)
    r = client.post(url("signup_decide", task.pk, s.pk), {f"decide-{s.pk}-acting_for": c.charity.pk,
                                                           f"decide-{s.pk}-decision": "decline"})
    page_audit(r, 400)
    assert "Say why you decline" in text(r)
    r = client.post(url("signup_decide", task.pk, s.pk), {f"decide-{s.pk}-acting_for": c.charity.pk,
                                                           f"decide-{s.pk}-decision": "confirm"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == SignupStatus.CONFIRMED


def test_a_citizen_cannot_decide_on_offers(client, public_cast, citizen):
    c = public_cast
    task = c.item(title="Serve lunch", owner=c.charity, volunteers_wanted=2)
    s = services.volunteer_signup(actor=make_person(), item=task)
    client.force_login(citizen)
    r = client.post(url("signup_decide", task.pk, s.pk), {f"decide-{s.pk}-decision": "confirm"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == SignupStatus.PENDING
    assert "Tuesdays" not in text(client.get(url("item", task.pk)))


def test_withdraw_from_the_item_page(client, public_cast, citizen):
    task = public_cast.item(title="Serve lunch", owner=public_cast.charity, volunteers_wanted=1)
    services.volunteer_signup(actor=citizen, item=task)
    client.force_login(citizen)
    r = client.post(url("signup", task.pk), {"action": "withdraw"})
    assert r.status_code == 302
    assert VolunteerSignup.objects.get(item=task).status == SignupStatus.WITHDRAWN


def _confirmed_volunteer(c, citizen):
    task = c.item(title="Serve lunch", owner=c.charity, volunteers_wanted=1)
    s = services.volunteer_signup(actor=citizen, item=task)
    services.volunteer_signup_decide(actor=c.food, acting_for=c.charity, signup=s, confirm=True)
    return task


def test_record_hours_link_follows_the_contributions_page(client, public_cast, citizen):
    task = _confirmed_volunteer(public_cast, citizen)
    client.force_login(public_cast.food)
    try:
        hours = reverse("contributions:volunteer_hours", args=[task.pk])
    except NoReverseMatch:
        hours = None
    body = text(client.get(url("item", task.pk)))
    assert ("Record hours" in body) == (hours is not None)


@override_settings(ROOT_URLCONF="tests.programme.urls_with_hours")
def test_record_hours_link_shows_for_confirmed_volunteers_when_the_page_exists(client, public_cast, citizen):
    task = _confirmed_volunteer(public_cast, citizen)
    client.force_login(public_cast.food)
    r = client.get(reverse("programme:item", args=[task.pk]))
    page_audit(r)
    assert reverse("contributions:volunteer_hours", args=[task.pk]) in text(r) and "Record hours" in text(r)


def test_my_work_lists_my_organisations_open_work_overdue_first(client, cast):
    other = Cast(name="Westside")
    cast.item(title="Later", owner=cast.charity, due_date=NEXT_MONTH)
    cast.item(title="Overdue one", owner=cast.charity, due_date=YESTERDAY)
    cast.item(title="Not ours", owner=cast.residents)
    other.item(title="Elsewhere", owner=other.charity)
    client.force_login(cast.food)
    r = client.get(url("my_work"))
    page_audit(r)
    body = text(r)
    assert body.index("Overdue one") < body.index("Later")
    assert "Not ours" not in body and "Elsewhere" not in body
    assert client.logout() is None
    assert client.get(url("my_work")).status_code == 302


def test_volunteer_page_hides_private_partnerships_from_outsiders(client, cast, public_cast, citizen):
    cast.item(title="Private help", owner=cast.charity, volunteers_wanted=1)
    public_cast.item(title="Public help", owner=public_cast.charity, volunteers_wanted=1)
    client.force_login(citizen)
    body = text(client.get(url("volunteer_opportunities")))
    assert "Public help" in body and "Private help" not in body
    client.force_login(cast.res)
    body = text(client.get(url("volunteer_opportunities")))
    assert "Public help" in body and "Private help" in body


def test_gated_status_change_from_the_page_redirects_to_the_decision(client, cast):
    o, i, m, t = cast.tree()
    services.work_item_set_status(actor=cast.food, acting_for=cast.charity, item=t, status="cancelled",
                                  reason="Donated")
    cast.adopt()
    client.force_login(cast.lead)
    r = client.post(url("item_status", m.pk), {"acting_for": cast.city.pk, "status": "cancelled",
                                               "reason": "Merged", "version": str(m.version)})
    d = Decision.objects.get(kind=DecisionKind.PROGRAMME_CHANGE)
    assert r.status_code == 302 and r.url == d.get_absolute_url()
    m.refresh_from_db()
    assert m.status == ItemStatus.PLANNED
