"""The notifications page, opening a notification, and the administrators' outbox."""

from __future__ import annotations

import pytest

from joinery.notifications.models import Notification, NotificationKind
from joinery.notifications.services import notify
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def note(person, title, url="/partnerships/eastside-renewal/") -> Notification:
    [n] = notify(recipients=[person], kind=NotificationKind.MEMBERSHIP, title=lambda: title, url=url)
    return n


@pytest.fixture
def ana(client):
    person = make_person(name="Ana")
    client.force_login(person)
    return person


def test_the_page_needs_signing_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_lists_ones_own_notifications_only(client, ana):
    note(ana, "Eastside Library joined Eastside Renewal")
    note(make_person(), "Someone else's secret")
    page = client.get("/notifications/").content.decode()
    assert "Eastside Library joined Eastside Renewal" in page
    assert "Someone else&#x27;s secret" not in page and "Someone else's secret" not in page


def test_the_page_says_when_there_is_nothing(client, ana):
    assert "You have no notifications." in client.get("/notifications/").content.decode()


def test_opening_marks_read_and_goes_to_the_page_it_is_about(client, ana):
    n = note(ana, "Decision closed", url="/partnerships/eastside-renewal/decisions/4/")
    response = client.post(f"/notifications/{n.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/partnerships/eastside-renewal/decisions/4/")
    n.refresh_from_db()
    assert n.read_at is not None


def test_opening_needs_a_post(client, ana):
    n = note(ana, "Decision closed")
    assert client.get(f"/notifications/{n.pk}/open/").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_another_persons_notification_cannot_be_opened(client, ana):
    theirs = note(make_person(), "Not for Ana")
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("url", ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)"])
def test_opening_never_redirects_off_site(client, ana, url):
    n = note(ana, "Suspicious", url=url)
    response = client.post(f"/notifications/{n.pk}/open/")
    assert (response.status_code, response["Location"]) == (302, "/")


def test_mark_all_read(client, ana):
    note(ana, "One")
    note(ana, "Two")
    other = note(make_person(), "Three")
    response = client.post("/notifications/read-all/", follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=ana, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_outbox_is_for_administrators(client, settings):
    settings.EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"
    from joinery.notifications.tasks import send_notification_email

    ana = make_person(email="ana@example.org")
    send_notification_email.call(note(ana, "Charter changed").pk)
    client.force_login(ana)
    assert client.get("/notifications/outbox/").status_code == 302
    client.force_login(make_person(staff=True, mfa=True))
    page = client.get("/notifications/outbox/")
    assert page.status_code == 200
    assert "Charter changed" in page.content.decode()
    assert "ana@example.org" in page.content.decode()
