"""The audit trail is append-only and hash-chained; tampering is found and named."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from joinery import cli
from joinery.audit.models import AppendOnlyError, AuditEvent
from joinery.audit.selectors import verify_chain
from tests.conftest import admin_of, make_partnership, open_decision

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def trail(db):
    """A few dozen real events from real services."""
    p = make_partnership(partners=[])
    open_decision(p)
    return list(AuditEvent.objects.order_by("id"))


def raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL refusals stay contained
        cursor.execute(sql, params)


def table():
    return connection.ops.quote_name(AuditEvent._meta.db_table)


def forge(**changes) -> AuditEvent:
    """Append an event by hand, bypassing record_event (inserts are allowed by the database)."""
    last = AuditEvent.objects.order_by("-id").first()
    event = AuditEvent(occurred_at=last.occurred_at, actor_label="intruder", action="partnership.created",
                       object_type="network.partnership", object_id="999", object_repr="Forged",
                       previous_hash=last.hash)
    for name, value in changes.items():
        setattr(event, name, value)
    event.hash = changes.get("hash") or event.compute_hash()
    event.save()
    return event


def test_every_event_links_to_the_one_before(trail):
    assert len(trail) > 5
    for earlier, later in zip(trail, trail[1:], strict=False):
        assert later.previous_hash == earlier.hash
    report = verify_chain()
    assert (report.ok, report.checked, report.broken_event_id) == (True, len(trail), None)


def test_verification_walks_long_chains_in_batches(trail):
    assert verify_chain(batch_size=3).ok
    assert verify_chain(batch_size=3).checked == len(trail)


def test_an_edited_event_is_named_or_refused_by_the_database(trail):
    victim = trail[len(trail) // 2]
    sql = f"UPDATE {table()} SET object_repr = %s WHERE id = %s"
    if POSTGRES:
        with pytest.raises(DatabaseError, match="append-only"):
            raw(sql, ["Nothing to see here", victim.id])
        assert verify_chain().ok
    else:
        raw(sql, ["Nothing to see here", victim.id])
        report = verify_chain()
        assert (report.ok, report.broken_event_id) == (False, victim.id)
        assert report.problem == "content does not match its hash"
        assert report.checked == trail.index(victim)


def test_a_deleted_event_is_named_or_refused_by_the_database(trail):
    victim, next_one = trail[3], trail[4]
    sql = f"DELETE FROM {table()} WHERE id = %s"
    if POSTGRES:
        with pytest.raises(DatabaseError, match="append-only"):
            raw(sql, [victim.id])
        assert verify_chain().ok
    else:
        raw(sql, [victim.id])
        report = verify_chain()
        assert (report.ok, report.broken_event_id) == (False, next_one.id)
        assert report.problem == "previous_hash does not match the event before it"


def test_deleting_the_latest_event_is_noticed_too(trail):
    latest = trail[-1]
    sql = f"DELETE FROM {table()} WHERE id = %s"
    if POSTGRES:
        with pytest.raises(DatabaseError, match="append-only"):
            raw(sql, [latest.id])
    else:
        raw(sql, [latest.id])
        report = verify_chain()
        assert (report.ok, report.broken_event_id) == (False, latest.id)
        assert "missing" in report.problem


def test_a_forged_event_is_named(trail):
    forged = forge(previous_hash="f" * 64)
    report = verify_chain()
    assert (report.ok, report.broken_event_id, report.checked) == (False, forged.id, len(trail))


def test_a_forged_event_with_a_wrong_hash_is_named(trail):
    forged = forge(hash="e" * 64)
    assert verify_chain().broken_event_id == forged.id


def test_the_model_refuses_to_change_or_delete_an_event(trail):
    event = trail[0]
    event.object_repr = "Rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="Rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == len(trail)
    assert verify_chain().ok


def test_cli_reports_an_intact_chain(trail, capsys):
    cli.main(["audit", "verify"])
    assert capsys.readouterr().out.strip() == f"Audit chain intact: {len(trail)} events checked."


def test_cli_exits_with_an_error_naming_the_broken_event(trail, capsys):
    forged = forge(previous_hash="f" * 64)
    with pytest.raises(SystemExit) as exc:
        cli.main(["audit", "verify"])
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert f"Audit chain BROKEN at event {forged.id}:" in out
    assert f"({len(trail)} events before it are intact)" in out


def test_events_for_a_partnership_page_backwards_through_its_history(db):
    p = make_partnership(partners=[])
    convener = p.partners.get().organisation
    from joinery.audit.selectors import events_for_partnership
    from joinery.network.services import charter_amend

    for n in range(4):
        charter_amend(actor=admin_of(convener), partnership=p, acting_for=convener, scope=f"Scope {n}")
    first_page = events_for_partnership(partnership=p, limit=3)
    second_page = events_for_partnership(partnership=p, limit=3, before_id=first_page[-1].id)
    ids = [e.id for e in first_page + second_page]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6
    assert first_page[0].action == "charter.version_created"
