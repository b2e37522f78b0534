"""Writes about partners' own reporting requirements and the open data publication.

A partner maps what its funder or ministry asks for (their names, codes and periods) onto the
shared indicators, so its own report comes from the partnership's one dataset instead of a
second collection. A requirement belongs to the partner that created it: its representatives
and the convener change it. Publishing open data is the convener's explicit act: it chooses
the indicators (`Indicator.is_published`) and the licence in one transaction.
"""

from __future__ import annotations

from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from joinery.audit.services import record_event
from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.network.models import PartnerRole, PartnerStatus
from joinery.network.permissions import MANAGING_ROLES
from joinery.notifications.models import NotificationKind
from joinery.notifications.services import notify
from joinery.organisations.models import Representative
from joinery.organisations.services import require_can_act_for

from ..models import Indicator, Licence, OpenDataPublication, ReportingRequirement, RequirementItem
from ..periods import PeriodKind, is_coarser_or_equal

REQUIREMENT_FIELDS = ("name", "report_to", "reference", "period_kind", "notes")
MAX_ITEMS = 500


# --- helpers -------------------------------------------------------------------------------

def _active_partner_ids(partnership) -> set[int]:
    return set(partnership.partners.filter(status=PartnerStatus.ACTIVE).values_list("organisation_id", flat=True))


def _is_convener(partnership, organisation) -> bool:
    return organisation is not None and partnership.partners.filter(
        status=PartnerStatus.ACTIVE, role=PartnerRole.CONVENER, organisation=organisation).exists()


def _require_partner(actor, partnership, acting_for) -> None:
    if acting_for is None or acting_for.pk not in _active_partner_ids(partnership):
        raise PermissionDenied(_("%(org)s is not an active partner in %(p)s.")
                               % {"org": getattr(acting_for, "name", "?"), "p": partnership.name})
    require_can_act_for(actor, acting_for)


def _require_owner_or_convener(actor, requirement, acting_for) -> None:
    """The partner the requirement belongs to, or the convener (its administrators and coordinators)."""
    partnership = requirement.framework.partnership
    if acting_for is not None and acting_for.pk == requirement.organisation_id:
        _require_partner(actor, partnership, acting_for)
        return
    if _is_convener(partnership, acting_for):
        require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)
        return
    raise PermissionDenied(_("Only %(org)s or the convener can change this reporting requirement.")
                           % {"org": requirement.organisation.name})


def _require_convener(actor, partnership, acting_for) -> None:
    if not _is_convener(partnership, acting_for):
        raise PermissionDenied(_("Only the convener of %(p)s can publish its open data.") % {"p": partnership.name})
    require_can_act_for(actor, acting_for, roles=MANAGING_ROLES)


def _people_of(organisation_ids) -> list:
    reps = Representative.objects.current().filter(organisation_id__in=list(organisation_ids)).select_related(
        "person")
    return [r.person for r in reps]


def _lock_requirement(requirement) -> ReportingRequirement:
    return (ReportingRequirement.objects.select_for_update(of=("self",))
            .select_related("framework__partnership", "organisation").get(pk=requirement.pk))


def _snapshot(r: ReportingRequirement) -> dict:
    return {"name": r.name, "report_to": r.report_to, "reference": r.reference, "period_kind": r.period_kind,
            "notes": r.notes, "organisation": r.organisation_id, "version": r.version}


def _items_snapshot(requirement) -> list[dict]:
    return [{"indicator": i.indicator_id, "external_name": i.external_name, "external_code": i.external_code}
            for i in requirement.items.order_by("position", "id")]


def _text(fields: dict, name: str, max_length: int, errors: dict, *, required: str = "") -> str:
    value = fields.get(name)
    value = "" if value is None else str(value).strip()
    if "\x00" in value:
        errors[name] = _("Text cannot contain NUL characters.")
    elif required and not value:
        errors[name] = required
    elif max_length and len(value) > max_length:
        errors[name] = _("Keep this to %(n)d characters or fewer.") % {"n": max_length}
    return value


def _validate_requirement(framework, fields: dict) -> dict:
    errors: dict[str, str] = {}
    out = {
        "name": _text(fields, "name", 200, errors,
                      required=_("Name the report, for example “Annual return to the funder”.")),
        "report_to": _text(fields, "report_to", 200, errors,
                           required=_("Say who asks for this report: the funder, ministry or board.")),
        "reference": _text(fields, "reference", 100, errors),
        "notes": _text(fields, "notes", 20_000, errors),
    }
    kind = fields.get("period_kind")
    if kind not in PeriodKind.values:
        errors["period_kind"] = _("Choose how often they ask for figures: monthly, quarterly or yearly.")
    elif not is_coarser_or_equal(kind, framework.period_kind):
        errors["period_kind"] = _("The partnership reports %(kind)s, so a report can only be %(kind)s or less "
                                  "often: its figures are made from the partnership's periods.") % {
            "kind": PeriodKind(framework.period_kind).label.lower()}
    out["period_kind"] = kind
    if errors:
        raise ValidationError(errors)
    return out


# --- requirements --------------------------------------------------------------------------

@transaction.atomic
def requirement_create(*, actor, acting_for, framework, name, report_to, period_kind, reference="",
                       notes="") -> ReportingRequirement:
    """A partner records what its funder or ministry asks of it; the requirement is the partner's own."""
    partnership = framework.partnership
    _require_partner(actor, partnership, acting_for)
    data = _validate_requirement(framework, {"name": name, "report_to": report_to, "period_kind": period_kind,
                                             "reference": reference, "notes": notes})
    r = ReportingRequirement.objects.create(framework=framework, organisation=acting_for, created_by=actor, **data)
    record_event(actor=actor, action="evaluation.requirement_created", obj=r, acting_for=acting_for,
                 partnership=partnership, after=_snapshot(r))
    return r


@transaction.atomic
def requirement_update(*, actor, acting_for, requirement, expected_version=None, **fields) -> ReportingRequirement:
    r = _lock_requirement(requirement)
    _require_owner_or_convener(actor, r, acting_for)
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if expected_version is not None and int(expected_version) != r.version:
        raise StaleEdit()
    merged = {name: getattr(r, name) for name in REQUIREMENT_FIELDS}
    merged.update(fields)
    data = _validate_requirement(r.framework, merged)
    before = _snapshot(r)
    for name, value in data.items():
        setattr(r, name, value)
    after = _snapshot(r)
    if after == before:
        return r
    r.version += 1
    r.save()
    after["version"] = r.version
    record_event(actor=actor, action="evaluation.requirement_updated", obj=r, acting_for=acting_for,
                 partnership=r.framework.partnership, before=before, after=after)
    _tell_owner(r, acting_for, "fields")
    return r


def _tell_owner(requirement, acting_for, what: str) -> None:
    """When the convener changes a partner's requirement, the partner hears of it (in each reader's language)."""
    if acting_for.pk == requirement.organisation_id:
        return
    names = {"by": acting_for.name, "name": requirement.name}

    def title():
        if what == "items":
            return _("%(by)s changed how your report “%(name)s” maps onto the shared indicators") % names
        return _("%(by)s changed your reporting requirement “%(name)s”") % names

    notify(recipients=_people_of([requirement.organisation_id]), kind=NotificationKind.EVALUATION, title=title,
           url=_url(requirement))


def _url(requirement) -> str:
    from django.urls import reverse

    return reverse("evaluation:requirement", args=[requirement.pk])


@transaction.atomic
def requirement_items_set(*, actor, acting_for, requirement, items: list[dict],
                          expected_version=None) -> ReportingRequirement:
    """Replace the mapping: each item names a shared indicator of this framework with their name and code.

    Items are kept in the order given. An indicator may appear once; retired indicators and those
    of another framework are refused, with the problem on the item's row (`items.<n>.<field>`).
    """
    r = _lock_requirement(requirement)
    _require_owner_or_convener(actor, r, acting_for)
    if expected_version is not None and int(expected_version) != r.version:
        raise StaleEdit()
    items = list(items or [])
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("A report can map at most %(n)d indicators.") % {"n": MAX_ITEMS}})
    wanted = {}
    for item in items:
        ind = item.get("indicator")
        wanted[ind.pk if isinstance(ind, Indicator) else ind] = None
    known = {i.pk: i for i in Indicator.objects.filter(framework=r.framework, pk__in=[k for k in wanted
                                                                                       if isinstance(k, int)])}
    errors: dict[str, str] = {}
    seen: set[int] = set()
    rows = []
    for n, item in enumerate(items):
        ind = item.get("indicator")
        pk = ind.pk if isinstance(ind, Indicator) else ind
        indicator = known.get(pk) if isinstance(pk, int) else None
        if indicator is None:
            errors[f"items.{n}.indicator"] = _("This is not an indicator of the partnership's framework.")
            continue
        if indicator.retired_at is not None:
            errors[f"items.{n}.indicator"] = _("“%(name)s” is retired: it can no longer be reported.") % {
                "name": indicator.name}
            continue
        if pk in seen:
            errors[f"items.{n}.indicator"] = _("“%(name)s” is mapped twice: map each indicator once.") % {
                "name": indicator.name}
            continue
        seen.add(pk)
        fields = {"external_name": item.get("external_name"), "external_code": item.get("external_code")}
        before = len(errors)
        name = _text(fields, "external_name", 200, errors,
                     required=_("Give their name for “%(name)s”.") % {"name": indicator.name})
        code = _text(fields, "external_code", 60, errors)
        for key in ("external_name", "external_code"):
            if key in errors:
                errors[f"items.{n}.{key}"] = errors.pop(key)
        if len(errors) == before:
            rows.append(RequirementItem(requirement=r, indicator=indicator, external_name=name, external_code=code,
                                        position=n))
    if errors:
        raise ValidationError(errors)
    before_items = _items_snapshot(r)
    after_items = [{"indicator": i.indicator_id, "external_name": i.external_name,
                    "external_code": i.external_code} for i in rows]
    if before_items == after_items:
        return r
    r.items.all().delete()
    RequirementItem.objects.bulk_create(rows)
    r.version += 1
    r.save(update_fields=["version", "updated_at"])
    record_event(actor=actor, action="evaluation.requirement_items_set", obj=r, acting_for=acting_for,
                 partnership=r.framework.partnership, before={"items": before_items},
                 after={"items": after_items, "version": r.version})
    _tell_owner(r, acting_for, "items")
    return r


@transaction.atomic
def requirement_delete(*, actor, acting_for, requirement) -> None:
    """Remove a requirement no longer asked for. Its report is made from the shared data, so nothing else is lost."""
    r = _lock_requirement(requirement)
    _require_owner_or_convener(actor, r, acting_for)
    before = {**_snapshot(r), "items": _items_snapshot(r)}
    partnership = r.framework.partnership
    record_event(actor=actor, action="evaluation.requirement_deleted", obj=r, acting_for=acting_for,
                 partnership=partnership, before=before)
    r.items.all().delete()
    r.delete()


# --- open data -----------------------------------------------------------------------------

def _publication_snapshot(pub: OpenDataPublication, indicator_ids) -> dict:
    return {"is_published": pub.is_published, "title": pub.title, "description": pub.description,
            "licence": pub.licence, "publisher": pub.publisher, "contact_email": pub.contact_email,
            "indicators": sorted(indicator_ids), "version": pub.version}


@transaction.atomic
def publication_update(*, actor, acting_for, framework, is_published, title, description, licence, publisher,
                       contact_email, indicators, expected_version=None) -> OpenDataPublication:
    """Say what the partnership publishes as open data, under which licence; the convener decides.

    The chosen indicators are marked published and every other one unmarked in the same
    transaction, so the public pages never show a half-made choice.
    """
    partnership = framework.partnership
    _require_convener(actor, partnership, acting_for)
    pub = OpenDataPublication.objects.select_for_update().filter(framework=framework).first()
    if pub is not None and expected_version is not None and int(expected_version) != pub.version:
        raise StaleEdit()
    errors: dict[str, str] = {}
    fields = {"title": title, "description": description, "publisher": publisher, "contact_email": contact_email}
    title = _text(fields, "title", 200, errors, required=_("Give the dataset a title."))
    description = _text(fields, "description", 20_000, errors,
                        required=_("Describe the dataset: what it measures, and for whom."))
    publisher = _text(fields, "publisher", 200, errors, required=_("Name the publisher, usually the partnership."))
    contact_email = _text(fields, "contact_email", 254, errors,
                          required=_("Give an email address people can write to about the data."))
    if contact_email and "contact_email" not in errors:
        try:
            validate_email(contact_email)
        except ValidationError:
            errors["contact_email"] = _("Enter an email address like name@example.org.")
    if licence not in Licence.values:
        errors["licence"] = _("Choose an open licence.")
    chosen = list(indicators or [])
    ids = {i.pk for i in chosen}
    valid = dict(Indicator.objects.filter(framework=framework, retired_at__isnull=True, pk__in=ids)
                 .values_list("pk", "name"))
    if ids - set(valid):
        errors["indicators"] = _("Choose indicators of this framework that are not retired.")
    elif is_published and not ids:
        errors["indicators"] = _("Choose at least one indicator to publish.")
    if errors:
        raise ValidationError(errors)
    is_published = bool(is_published)
    old_ids = set(Indicator.objects.filter(framework=framework, is_published=True).values_list("pk", flat=True))
    before = _publication_snapshot(pub, old_ids) if pub is not None else None
    newly_published = is_published and (pub is None or not pub.is_published)
    if pub is None:
        pub = OpenDataPublication(framework=framework, updated_by=actor)
    else:
        pub.version += 1
    pub.is_published, pub.title, pub.description = is_published, title, description
    pub.licence, pub.publisher, pub.contact_email, pub.updated_by = licence, publisher, contact_email, actor
    if is_published and pub.first_published_at is None:
        pub.first_published_at = timezone.now()
    pub.save()
    Indicator.objects.filter(framework=framework).exclude(pk__in=ids).filter(is_published=True).update(
        is_published=False)
    Indicator.objects.filter(framework=framework, pk__in=ids).filter(is_published=False).update(is_published=True)
    after = _publication_snapshot(pub, ids)
    record_event(actor=actor, action="evaluation.open_data_updated", obj=pub, acting_for=acting_for,
                 partnership=partnership, before=before, after=after)
    if newly_published:
        from django.urls import reverse

        notify(recipients=_people_of(_active_partner_ids(partnership)), kind=NotificationKind.EVALUATION,
               title=lambda: _("%(p)s now publishes %(n)d indicators as open data")
               % {"p": partnership.name, "n": len(ids)},
               body=lambda: _("Anyone can read and download them under the licence %(l)s.") % {"l": licence},
               url=reverse("evaluation:open_data", args=[partnership.slug]))
    return pub
