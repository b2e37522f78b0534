"""Forms for the contributions pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import DateInput

from . import currencies
from .models import HOUR_KINDS, ContributionKind, ContributorSector

EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.csv,.xlsx,.docx,.odt,.txt"


class ActingForForm(ActingForMixin, forms.Form):
    pass


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search the descriptions"), required=False, max_length=200)
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None,
                                          choices=[])
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind"))] + list(ContributionKind.choices))
    sector = forms.ChoiceField(label=_("Sector"), required=False,
                               choices=[("", _("Any sector"))] + list(ContributorSector.choices))
    date_from = forms.DateField(label=_("Given from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Given until"), required=False, widget=DateInput())
    include_withdrawn = forms.BooleanField(label=_("Show withdrawn and corrected contributions too"),
                                           required=False)

    def set_organisations(self, organisations):
        self.organisations = {o.pk: o for o in organisations}
        self.fields["organisation"].choices = [("", _("Any organisation"))] + [
            (o.pk, o.name) for o in organisations]


def _currency_field(required=False, help_text=None):
    return forms.CharField(
        label=_("Currency"), required=required, max_length=3, min_length=3,
        help_text=help_text or _("A three-letter code, for example %(codes)s.") % {
            "codes": ", ".join(currencies.COMMON[:3])},
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-3", "autocomplete": "off",
                                      "spellcheck": "false"}))


class ContributionForm(ActingForMixin, forms.Form):
    """Record (or correct) a contribution."""

    organisation = forms.TypedChoiceField(
        label=_("Contributing organisation"), required=False, coerce=int, empty_value=None, choices=[],
        help_text=_("As convener you can record a contribution for another partner. Leave it on the organisation "
                    "you act for otherwise."))
    kind = forms.ChoiceField(label=_("What was given"), choices=ContributionKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Description"), max_length=500,
                                  help_text=_("For example: “Room hire for the weekly drop-in, January to March”."))
    date = forms.DateField(label=_("Date given"), widget=DateInput())
    period_start = forms.DateField(label=_("Covers the period from"), required=False, widget=DateInput(),
                                   help_text=_("Leave both period dates empty for a single day."))
    period_end = forms.DateField(label=_("Covers the period until"), required=False, widget=DateInput())
    quantity = forms.DecimalField(label=_("Amount"), max_digits=16, decimal_places=4,
                                  help_text=_("Money in the currency, a number of hours, or a count of items."))
    currency = _currency_field(help_text=_("For money, and for the value of in-kind contributions: a three-letter "
                                           "code such as CAD, EUR or USD. Hours use the rate's currency."))
    unit = forms.CharField(label=_("Unit"), required=False, max_length=40,
                           help_text=_("For in-kind and data: what the amount counts (rooms, laptops, datasets)."))
    people = forms.IntegerField(label=_("Number of people"), required=False, min_value=1, initial=1,
                                help_text=_("For hours: how many people gave them."))
    work_kind = forms.ChoiceField(label=_("Kind of work"), required=False, choices=[],
                                  help_text=_("For hours: the rate they are valued at."))
    value = forms.DecimalField(label=_("Stated value"), required=False, max_digits=16, decimal_places=4,
                               help_text=_("For in-kind and data, optional: what it is worth, in the currency above."))
    commitment = forms.TypedChoiceField(label=_("Commitment it meets"), required=False, coerce=int,
                                        empty_value=None, choices=[])
    evidence = forms.FileField(label=_("Evidence file"), required=False,
                               help_text=_("Optional. PDF, PNG, JPG, CSV, XLSX, DOCX, ODT or TXT, up to 10 MB."),
                               widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}))
    evidence_url = forms.CharField(label=_("Or a link to the evidence"), required=False, max_length=500,
                                   widget=forms.URLInput())

    def setup(self, *, acting_orgs, partners=None, rates=(), commitments=()):
        self.set_acting_for(acting_orgs)
        self.partner_map = {o.pk: o for o in (partners or [])}
        if partners:
            self.fields["organisation"].choices = [("", _("The organisation you act for"))] + [
                (o.pk, o.name) for o in partners]
        else:
            del self.fields["organisation"]
        self.fields["work_kind"].choices = [("", _("The partnership's only rate for these hours"))] + [
            (r.work_kind, f"{r.label} — {r.hourly_rate} {r.currency}/h ({r.get_hours_kind_display().lower()})")
            for r in rates]
        self.commitment_map = {m.pk: m for m in commitments}
        self.fields["commitment"].choices = [("", _("None"))] + [
            (m.pk, f"#{m.pk} {m.party.name}: {m.quantity} {m.unit} — {m.description} "
                   f"({m.period_start:%Y-%m-%d} – {m.period_end:%Y-%m-%d})") for m in commitments]
        return self

    def service_kwargs(self) -> dict:
        d = dict(self.cleaned_data)
        d["organisation"] = self.partner_map.get(d.get("organisation")) if "organisation" in self.fields else None
        d["commitment"] = self.commitment_map.get(d.get("commitment"))
        d["people"] = d.get("people") or 1
        d["currency"] = d.get("currency") or ""
        return d


class CorrectionForm(ContributionForm):
    reason = forms.CharField(label=_("Why is it corrected?"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Partners reading the ledger see this reason next to the old record."))


class WithdrawForm(ActingForMixin, forms.Form):
    reason = forms.CharField(label=_("Why is it withdrawn?"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The contribution stays in the ledger's history, with this reason."))


class ImportForm(ActingForMixin, forms.Form):
    file = forms.FileField(label=_("File to import"),
                           help_text=_("CSV (UTF-8) or Excel workbook (.xlsx), up to 5 MB and 50,000 rows."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}))


class RateForm(ActingForMixin, forms.Form):
    work_kind = forms.SlugField(label=_("Code"), max_length=60,
                                help_text=_("A short code used in imports, for example volunteer-general. Use an "
                                            "existing code to change its rate from a date."))
    label = forms.CharField(label=_("Kind of work"), max_length=200)
    hours_kind = forms.ChoiceField(label=_("Applies to"), choices=[(k.value, k.label) for k in HOUR_KINDS],
                                   widget=forms.RadioSelect)
    hourly_rate = forms.DecimalField(label=_("Value of one hour"), max_digits=12, decimal_places=4)
    currency = _currency_field(required=True)
    valid_from = forms.DateField(label=_("Applies from"), widget=DateInput(),
                                 help_text=_("Contributions already recorded keep the rate they were valued at."))
    basis = forms.CharField(label=_("Basis for the rate"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Where the figure comes from, so others can check it."))


class VolunteerHoursForm(ActingForMixin, forms.Form):
    date = forms.DateField(label=_("Date the hours were given"), widget=DateInput())
    description = forms.CharField(label=_("What they did (optional)"), required=False, max_length=500)

    def set_volunteers(self, signups):
        self.signups = list(signups)
        for s in self.signups:
            self.fields[f"hours_{s.pk}"] = forms.DecimalField(
                label=_("Hours given by %(name)s") % {"name": s.person.display_name}, required=False,
                max_digits=10, decimal_places=4,
                widget=forms.NumberInput(attrs={"step": "0.25", "class": "govuk-input govuk-input--width-4"}))
        return self

    def hours_by_signup(self) -> dict:
        return {s: self.cleaned_data[f"hours_{s.pk}"] for s in self.signups
                if self.cleaned_data.get(f"hours_{s.pk}") not in (None, "")}


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False, choices=[])
