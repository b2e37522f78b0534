from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)

    field_order = ["full_name", "email", "password1", "password2"]

    def save(self, request):
        person = super().save(request)
        person.full_name = self.cleaned_data["full_name"]
        person.save(update_fields=["full_name"])
        return person
