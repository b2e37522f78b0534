from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notification


@login_required
def notification_list(request):
    return render(request, "notifications/list.html",
                  {"notifications": selectors.notifications_for(person=request.user)})


@login_required
@require_POST
def open_notification(request, pk):
    n = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(actor=request.user, notification=n)
    target = n.url if url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}) else "/"
    return redirect(target or "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(n)d notifications marked as read.") % {"n": count})
    return redirect("notifications:list")


@staff_member_required
def outbox(request):
    return render(request, "notifications/outbox.html", {"mails": selectors.outbox()})
