"""Forms for the organisation pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from joinery.core.forms import VersionField

from . import selectors
from .models import Level, RepresentativeRole, Sector

EMAIL_ATTRS = {"spellcheck": "false", "autocomplete": "off"}


class JurisdictionChoiceMixin:
    """A select of jurisdictions read once from `selectors.jurisdictions()`; cleans to the object."""

    jurisdiction_empty_label = _("No jurisdiction")

    def set_jurisdictions(self, field_name: str = "jurisdiction", *, broad_only: bool = False) -> None:
        selected = self.data.get(field_name) if self.is_bound else None
        self._jurisdictions = {str(j.pk): j for j in selectors.jurisdictions(broad_only=broad_only,
                                                                             include_id=selected)}
        self.fields[field_name].choices = [("", self.jurisdiction_empty_label)] + [
            (pk, str(j)) for pk, j in self._jurisdictions.items()
        ]

    def clean_jurisdiction(self):
        value = self.cleaned_data.get("jurisdiction")
        return self._jurisdictions.get(value) if value else None


class OrganisationForm(JurisdictionChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices, widget=forms.RadioSelect)
    level = forms.ChoiceField(
        label=_("Level of government"), required=False,
        choices=[("", _("Not a public body"))] + list(Level.choices),
        help_text=_("For public bodies only."),
    )
    jurisdiction = forms.ChoiceField(
        label=_("Jurisdiction"), required=False,
        help_text=_("The territory the organisation serves, if it has one."),
    )
    identifier_scheme = forms.CharField(
        label=_("Identifier type"), max_length=100, required=False,
        help_text=_("For example: charity number, business number, band number."),
    )
    identifier = forms.CharField(label=_("Identifier"), max_length=100, required=False)
    email = forms.EmailField(label=_("Contact email"), required=False,
                             widget=forms.EmailInput(attrs=EMAIL_ATTRS))
    phone = forms.CharField(label=_("Contact phone"), max_length=50, required=False,
                            widget=forms.TelInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https",
                             help_text=_("For example: https://example.org"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the organisation does and who it serves."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Enter the organisation's name.")
        self.fields["sector"].error_messages["required"] = _("Choose the organisation's sector.")
        self.fields["email"].error_messages["invalid"] = _(
            "Enter an email address in the correct format, like name@example.org.")
        self.fields["website"].error_messages["invalid"] = _(
            "Enter a website address in the correct format, like https://example.org.")
        self.set_jurisdictions()


class OrganisationEditForm(OrganisationForm):
    version = VersionField()

    field_order = ["version"]


class DirectoryFilterForm(JurisdictionChoiceMixin, forms.Form):
    """The directory's GET filters. Every field is optional; an invalid value is shown and ignored."""

    jurisdiction_empty_label = _("Any jurisdiction")

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Name, description or identifier."), widget=forms.SearchInput)
    sector = forms.ChoiceField(label=_("Sector"), required=False,
                               choices=[("", _("Any sector"))] + list(Sector.choices))
    level = forms.ChoiceField(label=_("Level of government"), required=False,
                              choices=[("", _("Any level"))] + list(Level.choices))
    jurisdiction = forms.ChoiceField(label=_("Jurisdiction"), required=False,
                                     help_text=_("A region also finds the organisations of its municipalities."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_jurisdictions(broad_only=True)

    def filters(self) -> dict:
        """The valid filters as keyword arguments for `selectors.organisation_directory`."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        jurisdiction = data.get("jurisdiction")
        return {
            "query": (data.get("q") or "").strip(),
            "sector": data.get("sector") or "",
            "level": data.get("level") or "",
            "jurisdiction_id": jurisdiction.pk if jurisdiction else None,
        }


class RepresentativeAddForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs=EMAIL_ATTRS),
        help_text=_("The email address the person signs in with."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=RepresentativeRole.choices, widget=forms.RadioSelect,
                             initial=RepresentativeRole.MEMBER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = _("Enter the person's email address.")
        self.fields["email"].error_messages["invalid"] = _(
            "Enter an email address in the correct format, like name@example.org.")
        self.fields["role"].error_messages["required"] = _("Choose a role.")

    def clean(self):
        data = super().clean()
        email = data.get("email")
        if email:
            person = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
            if person is None:
                self.add_error("email", _(
                    "No account uses this email address. Ask the person to create a Joinery account, "
                    "then add them."))
            else:
                data["person"] = person
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the organisation closing?"), widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the organisation is being closed.")},
    )


class HandOverForm(forms.Form):
    leaving = forms.ChoiceField(label=_("Person leaving"),
                                help_text=_("Every role they hold passes to the successor."))
    successor = forms.ChoiceField(label=_("Successor"),
                                  help_text=_("Only a current representative can take over. "
                                              "Add the person as a representative first if needed."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example: retired, moved to another post."))

    def __init__(self, *args, representatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._people = {}
        for rep in representatives:
            self._people.setdefault(str(rep.person_id), rep.person)
        choices = [("", _("Choose a person"))] + [(pk, str(p)) for pk, p in self._people.items()]
        self.fields["leaving"].choices = choices
        self.fields["successor"].choices = choices
        self.fields["leaving"].error_messages["required"] = _("Choose the person who is leaving.")
        self.fields["successor"].error_messages["required"] = _("Choose the successor.")

    def clean_leaving(self):
        return self._people[self.cleaned_data["leaving"]]

    def clean_successor(self):
        return self._people[self.cleaned_data["successor"]]
