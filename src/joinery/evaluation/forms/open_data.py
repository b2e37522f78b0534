"""The convener's open data settings form. It parses input; the rules live in services/reporting.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import VersionField

from ..models import Licence


class PublicationForm(ActingForMixin, forms.Form):
    version = VersionField()
    is_published = forms.BooleanField(
        label=_("Publish the chosen indicators as open data"), required=False,
        help_text=_("Anyone, signed in or not, can then read them and download them as CSV and JSON, even if the "
                    "partnership is private. Untick to withdraw them."))
    title = forms.CharField(label=_("Dataset title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What the data measures, where, and how it is collected."))
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, widget=forms.RadioSelect)
    publisher = forms.CharField(label=_("Publisher"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact email"), max_length=254,
                                     help_text=_("Published with the data, for questions about it."))
    indicators = forms.TypedMultipleChoiceField(label=_("Indicators to publish"), required=False, coerce=int,
                                                widget=forms.CheckboxSelectMultiple)

    def set_indicators(self, indicators):
        self.indicator_map = {i.pk: i for i in indicators}
        self.fields["indicators"].choices = [(i.pk, f"{i.name} ({i.code})") for i in indicators]
        return self

    def chosen(self) -> list:
        return [self.indicator_map[pk] for pk in self.cleaned_data.get("indicators", []) if pk in self.indicator_map]
