"""Web pages of review meetings. Thin: parse, call one service, respond.

Who may see: anyone who may see the partnership; private partnerships answer 404 to
outsiders. Who may act: any active partner; the services decide and their messages are
shown on the form (or as a banner for one-button actions).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from joinery.agreements.forms import ActingForForm
from joinery.core.exceptions import MFARequired, PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import posted, refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404

from . import agenda as agenda_module
from . import ical, selectors, services
from .forms import (
    ActionFormSet,
    AttendanceFormSet,
    CancelForm,
    MeetingForm,
    MinutesForm,
    RescheduleForm,
)
from .models import MeetingStatus, ReviewMeeting

PAST_PAGE_SIZE = 20


# --- helpers ------------------------------------------------------------------------------------

def _meeting(request, pk) -> ReviewMeeting:
    try:
        m = selectors.meeting_get(pk=pk)
    except ReviewMeeting.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm("meetings.view_meetings", m.partnership):
        raise Http404
    return m


def _refuse_if_nobody(form, orgs) -> bool:
    return refuse_unless_acting(form, orgs, _("Only the representatives of an active partner can do this."))


def _mine(request, partnership):
    return selectors.my_partner_organisations(person=request.user, partnership=partnership)


def _summary(*forms_) -> list[dict]:
    """The error summary's entries for several forms (a form and its formsets' forms)."""
    out = []
    for form in forms_:
        for name, errs in form.errors.items():
            if name == "__all__":
                anchor = ""
            else:
                anchor = form[name].id_for_label if name in form.fields else ""
            for e in errs:
                out.append({"anchor": anchor, "message": e})
    return out


# --- lists and calendars ------------------------------------------------------------------------

def meeting_list(request, slug):
    p = partnership_or_404(request, slug, area="meetings")
    now = timezone.now()
    page = Paginator(selectors.past(partnership=p, now=now), PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "meetings/list.html", {
        "partnership": p, "upcoming": selectors.upcoming(partnership=p, now=now), "page": page, "now": now,
        "can_schedule": request.user.has_perm("meetings.schedule_meeting", p),
    })


def feed(request, slug):
    p = partnership_or_404(request, slug, area="meetings")
    text = ical.feed(selectors.feed_meetings(partnership=p), name=_("Review meetings – %(p)s") % {"p": p.name},
                     language=translation.get_language() or "en")
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{p.slug}-meetings.ics"'
    return response


def ics(request, pk):
    m = _meeting(request, pk)
    text = ical.invitation(m, language=translation.get_language() or "en")
    response = HttpResponse(text, content_type="text/calendar; method=%s; charset=utf-8" % (
        "CANCEL" if m.status == MeetingStatus.CANCELLED else "REQUEST"))
    response["Content-Disposition"] = f'attachment; filename="meeting-{m.pk}.ics"'
    return response


# --- schedule -----------------------------------------------------------------------------------

@login_required
def create(request, slug):
    p = partnership_or_404(request, slug)
    mine = _mine(request, p)
    form = MeetingForm(posted(request)).set_acting_for(mine)
    form.set_reviewed(selectors.reviewable_agreements(partnership=p), selectors.reviewable_programmes(partnership=p))
    if request.method == "POST" and not _refuse_if_nobody(form, mine) and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            m = services.meeting_schedule(actor=request.user, partnership=p, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Meeting scheduled. Every partner's representatives have been sent the "
                                        "invitation."))
            return redirect(m)
    return render(request, "meetings/form.html", {"form": form, "partnership": p, "can_act": bool(mine),
                                                  "adding": True},
                  status=400 if form.errors else 200)


# --- the meeting page ---------------------------------------------------------------------------

def detail(request, pk):
    m = _meeting(request, pk)
    p = m.partnership
    mine = _mine(request, p)
    actions = selectors.actions_of(meeting=m)
    for a in actions:
        a.task_url = agenda_module.url_of(a.task) if a.task_id else ""
    return render(request, "meetings/detail.html", {
        "meeting": m, "partnership": p, "agenda": agenda_module.for_display(m.agenda),
        "attendance": selectors.attendance_of(meeting=m), "actions": actions,
        "can_act": bool(mine), "acting_for": mine[0] if len(mine) == 1 else None, "my_orgs": mine,
        "refresh_form": ActingForForm().set_acting_for(mine) if mine else None,
        "is_scheduled": m.status == MeetingStatus.SCHEDULED,
        "show_minutes": request.user.has_perm("network.see_minutes", p),
        "can_record": m.status == MeetingStatus.SCHEDULED and timezone.localtime(m.starts_at).date()
        <= timezone.localdate(),
    })


@login_required
def edit(request, pk):
    """Reschedule. A change from an older version is refused (409), showing the meeting as saved now."""
    m = _meeting(request, pk)
    p = m.partnership
    mine = _mine(request, p)
    initial = {"title": m.title, "starts_at": timezone.localtime(m.starts_at),
               "ends_at": timezone.localtime(m.ends_at), "location": m.location, "version": m.version}
    form = RescheduleForm(posted(request), initial=initial).set_acting_for(mine)
    conflict = None
    if m.status != MeetingStatus.SCHEDULED:
        messages.error(request, _("This meeting is %(s)s: it can no longer be changed.")
                       % {"s": m.get_status_display().lower()})
        return redirect(m)
    if request.method == "POST" and not _refuse_if_nobody(form, mine) and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version = data.pop("acting_for"), data.pop("version")
        try:
            services.meeting_reschedule(actor=request.user, acting_for=acting_for, meeting=m,
                                        expected_version=version, **data)
        except services.MeetingConflict as exc:
            conflict = exc
            fresh = request.POST.copy()
            fresh["version"] = str(exc.meeting.version)
            form = RescheduleForm(fresh, initial=initial).set_acting_for(mine)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Meeting changed. The partners have been sent the updated invitation."))
            return redirect(m)
    return render(request, "meetings/form.html", {"form": form, "partnership": p, "meeting": m,
                                                  "can_act": bool(mine), "conflict": conflict},
                  status=409 if conflict else (400 if form.errors else 200))


@login_required
def cancel(request, pk):
    m = _meeting(request, pk)
    p = m.partnership
    mine = _mine(request, p)
    form = CancelForm(posted(request), initial={"version": m.version}).set_acting_for(mine)
    stale = False
    if request.method == "POST" and not _refuse_if_nobody(form, mine) and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_cancel(actor=request.user, acting_for=data["acting_for"], meeting=m,
                                    reason=data["reason"], expected_version=data["version"])
        except StaleEdit as exc:
            stale = True
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Meeting cancelled. The partners have been told why."))
            return redirect(m)
    return render(request, "meetings/cancel.html", {"form": form, "meeting": m, "partnership": p,
                                                    "can_act": bool(mine)},
                  status=409 if stale else (400 if form.errors else 200))


@login_required
@require_POST
def refresh_agenda(request, pk):
    m = _meeting(request, pk)
    mine = _mine(request, m.partnership)
    form = ActingForForm(request.POST).set_acting_for(mine)
    if not mine or not form.is_valid():
        messages.error(request, _("Only the representatives of an active partner can do this."))
        return redirect(m)
    try:
        services.meeting_refresh_agenda(actor=request.user, acting_for=form.cleaned_data["acting_for"], meeting=m)
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, MFARequired):
            raise
        messages.error(request, str(exc) if isinstance(exc, PermissionDenied) else " ".join(exc.messages))
    else:
        messages.success(request, _("The agenda is brought up to date."))
    return redirect(m)


@login_required
def minutes(request, pk):
    """Record minutes, attendance (a row per partner) and up to five actions, which become tasks."""
    m = _meeting(request, pk)
    p = m.partnership
    mine = _mine(request, p)
    partners = selectors.partner_organisations(partnership=p)
    data = posted(request)
    form = MinutesForm(data, initial={"version": m.version}).set_acting_for(mine)
    attendance = AttendanceFormSet(data, prefix="attendance", organisations=partners)
    actions = ActionFormSet(data, prefix="actions", partners=partners)
    if m.status != MeetingStatus.SCHEDULED:
        messages.error(request, _("This meeting is %(s)s: its minutes cannot be recorded now.")
                       % {"s": m.get_status_display().lower()})
        return redirect(m)
    stale = False
    if request.method == "POST" and not _refuse_if_nobody(form, mine):
        valid = [form.is_valid(), attendance.is_valid(), actions.is_valid()]
        if all(valid):
            try:
                services.meeting_record_minutes(
                    actor=request.user, acting_for=form.cleaned_data["acting_for"], meeting=m,
                    minutes=form.cleaned_data["minutes"], attendance=attendance.rows(), actions=actions.actions(),
                    expected_version=form.cleaned_data["version"])
            except StaleEdit as exc:
                stale = True
                form.add_error(None, exc.messages[0])
            except (ValidationError, PermissionDenied) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Minutes recorded. The actions are now tasks in the work programme."))
                return redirect(m)
    has_errors = bool(form.errors or any(f.errors for f in attendance.forms) or any(f.errors for f in actions.forms)
                      or attendance.non_form_errors() or actions.non_form_errors())
    summary = _summary(form, *attendance.forms, *actions.forms) if has_errors else []
    summary += [{"anchor": "", "message": e} for e in [*attendance.non_form_errors(), *actions.non_form_errors()]]
    return render(request, "meetings/minutes.html", {
        "meeting": m, "partnership": p, "form": form, "attendance": attendance, "actions": actions,
        "can_act": bool(mine), "summary": summary,
    }, status=409 if stale else (400 if has_errors else 200))
