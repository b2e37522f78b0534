"""Forms for the risk register pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import DateInput, VersionField

from .models import Impact, Likelihood, RiskStatus


def _org_choice(label, organisations, *, help_text="", required=True, empty_label=None):
    by_pk = {str(o.pk): o for o in organisations}
    choices = ([("", empty_label)] if empty_label else []) + [(str(o.pk), o.name) for o in organisations]
    return forms.TypedChoiceField(label=label, choices=choices, coerce=lambda pk: by_pk[pk], required=required,
                                  empty_value=None, help_text=help_text)


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(RiskStatus.choices))


class RiskForm(ActingForMixin, forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Risk"), max_length=250,
                            help_text=_("In a few words, for example: “Volunteers drop out over the summer”."))
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("What could make it happen."))
    consequence = forms.CharField(label=_("Consequence"), widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("What would happen to the partnership's work if it did."))
    likelihood = forms.TypedChoiceField(label=_("Likelihood"), choices=Likelihood.choices, coerce=int,
                                        widget=forms.RadioSelect)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int, widget=forms.RadioSelect)
    owner = forms.TypedChoiceField(label=_("Owner organisation"), choices=[])
    mitigations = forms.CharField(label=_("Mitigations"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What the partners do to make it less likely or less serious."))
    status = forms.ChoiceField(label=_("Status"), choices=[(s.value, s.label) for s in
                                                           (RiskStatus.OPEN, RiskStatus.MITIGATING)],
                               widget=forms.RadioSelect, initial=RiskStatus.OPEN)
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())

    def set_partners(self, organisations):
        self.fields["owner"] = _org_choice(_("Owner organisation"), organisations,
                                           help_text=_("The partner that watches this risk and leads on it."),
                                           empty_label=_("Choose an organisation"))
        self.order_fields(["acting_for", "version", "title", "cause", "consequence", "likelihood", "impact",
                           "owner", "mitigations", "status", "review_date"])
        return self

    def set_current_status(self, status: str):
        """An accepted or closed risk: the status may stay as it is, or be set back to open or mitigating."""
        if status == RiskStatus.ACCEPTED:
            self.fields["status"].choices = [("", _("Keep it accepted for innovation"))] + \
                self.fields["status"].choices
            self.fields["status"].required = False
            self.fields["status"].help_text = _("Setting it back to open or being mitigated withdraws the acceptance.")
        elif status == RiskStatus.CLOSED:
            self.fields["status"].help_text = _("The risk is closed. Saving reopens it with the status you choose.")
        return self


class AcceptForm(ActingForMixin, forms.Form):
    version = VersionField()
    reason = forms.CharField(
        label=_("Why does the partnership accept this risk?"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("Say what taking this risk makes possible that mitigating it would not, and what the partners "
                    "will watch. Everyone in the partnership will read it."))


class CloseForm(ActingForMixin, forms.Form):
    version = VersionField()
    reason = forms.CharField(label=_("Why is the risk closed? (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AppetiteForm(ActingForMixin, forms.Form):
    threshold = forms.IntegerField(
        label=_("Highest acceptable score"), min_value=1, max_value=25,
        help_text=_("A risk's score is its likelihood (1 to 5) times its impact (1 to 5). Risks scoring above "
                    "this number are above the partnership's appetite and go on review meeting agendas."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    statement = forms.CharField(
        label=_("Appetite statement"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        help_text=_("How much risk the partnership is willing to take to innovate, and where it is not."))
