from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from joinery.core.exceptions import ValidationError
from joinery.core.forms import apply_errors

from . import selectors, services
from .models import ApiToken, ApiTokenScope


class PreferencesForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    preferred_language = forms.ChoiceField(label=gettext_lazy("Language for emails and notifications"),
                                           choices=settings.LANGUAGES, widget=forms.RadioSelect)
    email_invitations = forms.BooleanField(label=gettext_lazy("Email me about invitations and membership"), required=False)
    email_decisions = forms.BooleanField(label=gettext_lazy("Email me about decisions and the charter"), required=False)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100,
                           help_text=gettext_lazy("For example: the reporting script of our data team."))
    scope = forms.ChoiceField(label=gettext_lazy("Access"), choices=ApiTokenScope.choices, widget=forms.RadioSelect)


@login_required
def settings_view(request):
    person = request.user
    initial = {"full_name": person.full_name, "preferred_language": person.preferred_language,
               "email_invitations": person.email_invitations, "email_decisions": person.email_decisions}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update_preferences(actor=person, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your settings are saved."))
            return redirect("accounts:settings")
    return render(request, "accounts/settings.html", {"form": form, "has_mfa": person.has_mfa()})


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm()
    return render(request, "accounts/tokens.html",
                  {"form": form, "tokens": selectors.tokens_for(request.user), "new_key": new_key})


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, person=request.user)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
