"""Forms for partners' own reporting requirements. They parse input; the rules live in services/reporting.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import VersionField

from ..periods import PeriodKind


class RequirementForm(ActingForMixin, forms.Form):
    version = VersionField()
    name = forms.CharField(label=_("Name of the report"), max_length=200,
                           help_text=_("For example: Annual return to the funder."))
    report_to = forms.CharField(label=_("Reported to"), max_length=200,
                                help_text=_("The funder, ministry or board that asks for it."))
    reference = forms.CharField(label=_("Reference (optional)"), max_length=100, required=False,
                                help_text=_("Their grant or programme number, if any."))
    period_kind = forms.ChoiceField(label=_("How often do they ask for figures?"), choices=PeriodKind.choices,
                                    widget=forms.RadioSelect,
                                    help_text=_("As often as the partnership reports, or less often: figures for "
                                                "longer periods are made from the partnership's periods."))
    notes = forms.CharField(label=_("Notes (optional)"), required=False, max_length=20_000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ItemsForm(ActingForMixin, forms.Form):
    """For each shared indicator, their name and code for it; a blank name leaves it out of their report."""

    version = VersionField()

    def set_indicators(self, indicators, items):
        self.indicators = list(indicators)
        current = {i.indicator_id: i for i in items}
        for ind in self.indicators:
            item = current.get(ind.pk)
            self.fields[f"name_{ind.pk}"] = forms.CharField(
                label=_("Their name for “%(name)s”") % {"name": ind.name}, max_length=200, required=False,
                initial=item.external_name if item else "")
            self.fields[f"code_{ind.pk}"] = forms.CharField(
                label=_("Their code for “%(name)s”") % {"name": ind.name}, max_length=60, required=False,
                initial=item.external_code if item else "")
        return self

    def rows(self):
        """(indicator, name field, code field) for the template's table."""
        return [(ind, self[f"name_{ind.pk}"], self[f"code_{ind.pk}"]) for ind in self.indicators]

    def items(self) -> list[dict]:
        out = []
        for ind in self.indicators:
            name = self.cleaned_data.get(f"name_{ind.pk}", "").strip()
            code = self.cleaned_data.get(f"code_{ind.pk}", "").strip()
            if name or code:
                out.append({"indicator": ind, "external_name": name, "external_code": code, "_field": ind.pk})
        return out


class ReportPeriodForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)

    def set_periods(self, periods):
        self.fields["period"].choices = [("", _("All periods"))] + [(p.key, p.label) for p in periods]
        return self
