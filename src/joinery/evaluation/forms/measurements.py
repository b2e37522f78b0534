"""Forms of the measurements pages. They parse input; the rules live in services.measurements."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin


class MeasurementFilterForm(forms.Form):
    indicator = forms.TypedChoiceField(label=_("Indicator"), required=False, coerce=int, empty_value=None,
                                       choices=[])
    period = forms.ChoiceField(label=_("Period"), required=False, choices=[])
    organisation = forms.TypedChoiceField(label=_("Reported by"), required=False, coerce=int, empty_value=None,
                                          choices=[])
    include_replaced = forms.BooleanField(label=_("Show corrected (earlier) values too"), required=False)

    def setup(self, *, indicators, periods, organisations):
        self.indicators = {i.pk: i for i in indicators}
        self.organisations = {o.pk: o for o in organisations}
        self.fields["indicator"].choices = [("", _("Any indicator"))] + [(i.pk, i.name) for i in indicators]
        self.fields["period"].choices = [("", _("Any period"))] + [(p.key, p.label) for p in periods]
        self.fields["organisation"].choices = [("", _("Any partner"))] + [(o.pk, o.name) for o in organisations]
        return self


class ReportForm(ActingForMixin, forms.Form):
    """Report one value."""

    indicator = forms.ChoiceField(label=_("Indicator"), choices=[],
                                  help_text=_("Only the indicators your organisation reports are listed."))
    period = forms.ChoiceField(label=_("Period"), choices=[])
    value = forms.CharField(label=_("Value"), max_length=40,
                            help_text=_("A number, without the unit, for example 120 or 87.5."),
                            widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10",
                                                          "inputmode": "decimal", "autocomplete": "off"}))
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Anything a reader should know: how it was counted, what was unusual."))

    def setup(self, *, indicator_choices, periods):
        self.fields["indicator"].choices = [("", _("Choose an indicator"))] + indicator_choices
        self.fields["period"].choices = [(p.key, p.label) for p in periods]
        return self


class CorrectForm(ActingForMixin, forms.Form):
    value = forms.CharField(label=_("Corrected value"), max_length=40,
                            widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-10",
                                                          "inputmode": "decimal", "autocomplete": "off"}))
    reason = forms.CharField(label=_("Reason for the correction"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Partners reading the history see it next to both values."))
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(ActingForMixin, forms.Form):
    file = forms.FileField(label=_("File to import"),
                           help_text=_("CSV (UTF-8) or Excel workbook (.xlsx), up to 5 MB and 50,000 rows."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}))
