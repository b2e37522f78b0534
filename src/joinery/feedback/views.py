"""Citizen feedback pages. Thin: parse, call one service, respond.

The public form needs no account and works without JavaScript. The partner pages follow the
partnership's visibility; responses (comments, contact details) are for the partners only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from joinery.core.exceptions import PermissionDenied, StaleEdit, ValidationError
from joinery.core.forms import posted, refuse_unless_acting, show_refusal
from joinery.network.shortcuts import partnership_or_404
from joinery.risks.selectors import my_partner_organisations

from . import selectors, services
from .forms import ChannelForm, ModerateForm, PublicFeedbackForm
from .models import FeedbackChannel, FeedbackResponse
from .ratelimit import client_ip


def _channel_for(request, pk, perm: str = "feedback.read_responses") -> FeedbackChannel:
    try:
        c = selectors.channel_get(pk=pk)
    except FeedbackChannel.DoesNotExist as exc:
        raise Http404 from exc
    if not request.user.has_perm(perm, c.partnership):
        raise Http404
    return c


def _public_channel(slug) -> FeedbackChannel:
    try:
        return selectors.channel_by_slug(slug=slug)
    except FeedbackChannel.DoesNotExist as exc:
        raise Http404 from exc


# --- public ----------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
def public_form(request, slug):
    """Anyone answers, no account. Errors answer 400, a flood 429; both keep what the person typed."""
    channel = _public_channel(slug)
    if not channel.is_open:
        return render(request, "feedback/closed.html", {"channel": channel})
    form = PublicFeedbackForm(posted(request))
    status = 200
    if request.method == "POST":
        if (form.data.get("website") or "").strip():
            # A robot filled the hidden field: thank it as usual and store nothing, whatever else it sent.
            return redirect("feedback:thanks", channel.slug)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.response_submit(channel=channel, going=data["going"], trend=data["trend"],
                                         feeling=data["feeling"], comment=data["comment"], contact=data["contact"],
                                         language=translation.get_language() or "", client_ip=client_ip(request),
                                         honeypot=data["website"])
            except services.HoneypotFilled:
                pass  # a robot: the same thanks page, nothing stored
            except services.FeedbackFlood as exc:
                form.add_error(None, exc.messages[0])
                status = 429
            except ValidationError as exc:
                if getattr(exc, "code", None) == "closed":
                    return render(request, "feedback/closed.html", {"channel": channel})
                show_refusal(form, exc)
            if not form.errors:
                return redirect("feedback:thanks", channel.slug)
        if status == 200:
            status = 400
    return render(request, "feedback/public_form.html", {"channel": channel, "form": form}, status=status)


def thanks(request, slug):
    return render(request, "feedback/thanks.html", {"channel": _public_channel(slug)})


# --- partners --------------------------------------------------------------------------------

def channel_list(request, slug):
    """Anyone who sees the partnership sees its forms and their public links; the counts are for partners."""
    p = partnership_or_404(request, slug)
    can_read = request.user.has_perm("feedback.read_responses", p)
    return render(request, "feedback/channels.html", {
        "partnership": p, "channels": selectors.channels(partnership=p), "can_read": can_read,
        "can_manage": request.user.has_perm("feedback.manage_channels", p),
        "base_url": request.build_absolute_uri("/").rstrip("/"),
    })


def _not_convener():
    return _("Only the convener's administrators and coordinators can set up feedback forms.")


@login_required
def channel_create(request, slug):
    p = partnership_or_404(request, slug)
    mine = my_partner_organisations(person=request.user, partnership=p, convener_only=True)
    form = ChannelForm(posted(request)).set_acting_for(mine).set_programmes(selectors.programmes(partnership=p))
    if request.method == "POST" and not refuse_unless_acting(form, mine, _not_convener()) and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            c = services.channel_create(actor=request.user, partnership=p, **data)
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The feedback form “%(t)s” is open. Share its link: %(url)s")
                             % {"t": c.title, "url": request.build_absolute_uri(c.get_absolute_url())})
            return redirect("feedback:channel", c.pk)
    return render(request, "feedback/channel_form.html",
                  {"form": form, "partnership": p, "can_act": bool(mine), "adding": True},
                  status=400 if form.errors else 200)


@login_required
def channel_edit(request, pk):
    c = _channel_for(request, pk, "network.view_partnership")
    p = c.partnership
    mine = my_partner_organisations(person=request.user, partnership=p, convener_only=True)
    initial = {"title": c.title, "programme": str(c.programme_id or ""), "service_name": c.service_name,
               "slug": c.slug, "introduction": c.introduction, "is_open": c.is_open, "version": c.version}
    form = (ChannelForm(posted(request), initial=initial).set_acting_for(mine)
            .set_programmes(selectors.programmes(partnership=p)).with_open_field())
    stale = False
    if request.method == "POST" and not refuse_unless_acting(form, mine, _not_convener()) and form.is_valid():
        data = dict(form.cleaned_data)
        acting_for, version = data.pop("acting_for"), data.pop("version")
        try:
            services.channel_update(actor=request.user, acting_for=acting_for, channel=c, expected_version=version,
                                    **data)
        except StaleEdit as exc:
            stale = True
            form.add_error(None, exc.messages[0])
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The feedback form is saved."))
            return redirect("feedback:channel", c.pk)
    return render(request, "feedback/channel_form.html",
                  {"form": form, "partnership": p, "channel": c, "can_act": bool(mine)},
                  status=409 if stale else (400 if form.errors else 200))


def _before(request) -> int | None:
    try:
        value = int(request.GET.get("before", ""))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def channel_detail(request, pk):
    """The summary by month (from the tallies) and the responses, newest first, with moderation."""
    c = _channel_for(request, pk)
    p = c.partnership
    moderators = my_partner_organisations(person=request.user, partnership=p)
    rows, next_before = selectors.responses_page(channel=c, before=_before(request))
    for r in rows:
        r.moderate_form = ModerateForm(prefix=f"r{r.pk}", initial={
            "action": "unhide" if r.hidden_at else "hide"}).set_acting_for(moderators)
    return render(request, "feedback/channel_detail.html", {
        "channel": c, "partnership": p, "summary": selectors.channel_summary(channel=c), "responses": rows,
        "next_before": next_before, "paged": _before(request) is not None,
        "can_moderate": bool(moderators), "show_contact": bool(moderators),
        "can_manage": request.user.has_perm("feedback.manage_channels", p),
        "public_url": request.build_absolute_uri(c.get_absolute_url()),
    })


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def response_hide(request, pk):
    """Hide (or, with action=unhide, show again) one response. GET shows the form on its own page."""
    try:
        r = FeedbackResponse.objects.select_related("channel", "channel__partnership", "hidden_by").get(pk=pk)
    except FeedbackResponse.DoesNotExist as exc:
        raise Http404 from exc
    c = r.channel
    if not request.user.has_perm("feedback.read_responses", c.partnership):
        raise Http404
    moderators = my_partner_organisations(person=request.user, partnership=c.partnership)
    prefix = f"r{r.pk}"
    form = ModerateForm(posted(request), prefix=prefix,
                        initial={"action": "unhide" if r.hidden_at else "hide"}).set_acting_for(moderators)
    message = _("Only the representatives of an active partner can hide or show responses.")
    if request.method == "POST" and not refuse_unless_acting(form, moderators, message) and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "unhide":
                services.response_unhide(actor=request.user, acting_for=data["acting_for"], response=r,
                                         reason=data["reason"])
                done = _("The response is shown again and counts again.")
            else:
                services.response_hide(actor=request.user, acting_for=data["acting_for"], response=r,
                                       reason=data["reason"])
                done = _("The response is hidden. It no longer counts; the audit trail keeps it.")
        except (ValidationError, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("feedback:channel", args=[c.pk]) + f"#response-{r.pk}")
    return render(request, "feedback/response_hide.html",
                  {"form": form, "response": r, "channel": c, "partnership": c.partnership,
                   "can_act": bool(moderators), "hiding": not r.hidden_at},
                  status=400 if form.errors else 200)
