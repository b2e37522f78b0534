"""Notifications: in the recipient's language, emailed only to those who want email."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from joinery.network import services as network
from joinery.notifications import selectors
from joinery.notifications.models import Notification, NotificationKind, OutboxMessage
from joinery.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    notify,
)
from joinery.notifications.tasks import send_notification_email
from tests.conftest import admin_of, make_organisation, make_person, open_decision

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox_backend(settings):
    """pytest-django swaps in the locmem backend; use the real outbox backend, which delivers to locmem."""
    settings.EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"
    settings.SITE_URL = "https://joinery.example"


def email_tasks_for(notification) -> list[DBTaskResult]:
    return [r for r in DBTaskResult.objects.filter(task_path=send_notification_email.module_path)
            if r.args_kwargs["args"] == [notification.pk]]


def test_notify_writes_one_notification_per_active_person():
    ana, ben, gone = make_person(), make_person(), make_person()
    gone.is_active = False
    gone.save()
    created = notify(recipients=[ana, ben, ana, gone], kind=NotificationKind.MEMBERSHIP,
                     title=lambda: "Eastside Library joined", body=lambda: "Welcome them", url="/p/eastside/")
    assert [n.recipient for n in created] == [ana, ben]
    n = Notification.objects.get(recipient=ana)
    assert (n.kind, n.title, n.body, n.url, n.read_at) == (
        NotificationKind.MEMBERSHIP, "Eastside Library joined", "Welcome them", "/p/eastside/", None)
    assert not Notification.objects.filter(recipient=gone).exists()


def test_each_recipient_gets_the_text_in_their_own_language():
    english, french = make_person(), make_person()
    french.preferred_language = "fr"
    french.save()
    notify(recipients=[english, french], kind=NotificationKind.CHARTER,
           title=lambda: f"title rendered in {translation.get_language()}",
           body=lambda: f"body rendered in {translation.get_language()}")
    assert Notification.objects.get(recipient=english).title == "title rendered in en"
    assert Notification.objects.get(recipient=french).title == "title rendered in fr"
    assert Notification.objects.get(recipient=french).body == "body rendered in fr"
    assert translation.get_language() == "en"  # the caller's language is restored


def test_an_invitation_reaches_a_french_speaker_in_french(partnership):
    org = make_organisation(name="Banque alimentaire de l'Est")
    admin = admin_of(org)
    admin.preferred_language = "fr"
    admin.save()
    convener = partnership.partners.get(role="convener").organisation
    network.invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                              organisation=org)
    with translation.override("fr"):
        expected = _("%(org)s is invited to join %(p)s") % {"org": org.name, "p": partnership.name}
    assert Notification.objects.get(recipient=admin).title == expected


def test_email_goes_only_to_people_who_want_it(partnership, convener, charity):
    quiet = admin_of(charity)
    quiet.email_decisions = False
    quiet.save()
    open_decision(partnership)
    to_quiet = Notification.objects.get(recipient=quiet, kind=NotificationKind.DECISION_OPENED)
    to_convener = Notification.objects.get(recipient=admin_of(convener), kind=NotificationKind.DECISION_OPENED)
    assert email_tasks_for(to_quiet) == []
    assert len(email_tasks_for(to_convener)) == 1
    # Invitations follow their own preference.
    library = make_organisation()
    network.invitation_create(actor=admin_of(convener), partnership=partnership, acting_for=convener,
                              organisation=library)
    invited = Notification.objects.get(recipient=admin_of(library), kind=NotificationKind.INVITATION)
    assert len(email_tasks_for(invited)) == 1


def test_the_email_task_sends_to_the_outbox_once(outbox_backend):
    ana = make_person(email="ana@example.org")
    [n] = notify(recipients=[ana], kind=NotificationKind.DECISION_OPENED, title=lambda: "Decision opened: Plan",
                 body=lambda: "Do we adopt the plan?", url="/partnerships/eastside/decisions/1/")
    assert send_notification_email.call(n.pk) == "sent"
    [sent] = OutboxMessage.objects.all()
    assert (sent.to, sent.subject) == ("ana@example.org", "Decision opened: Plan")
    assert sent.body == "Do we adopt the plan?\n\nhttps://joinery.example/partnerships/eastside/decisions/1/\n"
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert selectors.outbox() == [sent]
    n.refresh_from_db()
    assert n.emailed_at is not None
    # A retried task does not send twice.
    assert send_notification_email.call(n.pk) == "skipped"
    assert OutboxMessage.objects.count() == 1


def test_the_email_task_skips_a_notification_that_no_longer_exists():
    assert send_notification_email.call(987654) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_queued_email(settings):
    settings.EMAIL_BACKEND = "joinery.notifications.mail.OutboxEmailBackend"
    from django.core.management import call_command

    ana = make_person(email="ana@example.org")
    ana.email_invitations = False
    ana.save()
    ben = make_person(email="ben@example.org")
    notify(recipients=[ana, ben], kind=NotificationKind.INVITATION, title=lambda: "You are invited")
    call_command("db_worker", "--batch", "--interval", "0")
    assert list(OutboxMessage.objects.values_list("to", "subject")) == [("ben@example.org", "You are invited")]


def test_mark_read_is_for_the_recipient_only():
    ana, ben = make_person(), make_person()
    [n] = notify(recipients=[ana], kind=NotificationKind.CHARTER, title=lambda: "Charter v2")
    notification_mark_read(actor=ben, notification=n)
    n.refresh_from_db()
    assert n.read_at is None
    notification_mark_read(actor=ana, notification=n)
    n.refresh_from_db()
    assert n.read_at is not None
    assert selectors.unread_count(person=ana) == 0


def test_mark_all_read_touches_only_ones_own_notifications():
    ana, ben = make_person(), make_person()
    for title in ("One", "Two", "Three"):
        notify(recipients=[ana, ben], kind=NotificationKind.CHARTER, title=lambda t=title: t)
    notification_mark_read(actor=ana, notification=selectors.notifications_for(person=ana)[0])
    assert notifications_mark_all_read(actor=ana) == 2
    assert selectors.unread_count(person=ana) == 0
    assert selectors.unread_count(person=ben) == 3
    assert notifications_mark_all_read(actor=ana) == 0


def test_newest_notifications_come_first():
    ana = make_person()
    for title in ("First", "Second", "Third"):
        notify(recipients=[ana], kind=NotificationKind.CHARTER, title=lambda t=title: t)
    assert [n.title for n in selectors.notifications_for(person=ana)] == ["Third", "Second", "First"]
    assert [n.title for n in selectors.notifications_for(person=ana, limit=2)] == ["Third", "Second"]
