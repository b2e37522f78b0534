"""Forms for the network's web pages. Validation of rules lives in services, not here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.core.forms import DateInput, DateTimeInput, VersionField
from joinery.organisations.models import Organisation

from .decision_rules import DecisionRule, Stance
from .models import PartnerRole, Visibility


class ActingForMixin:
    """Adds `acting_for`: which of the person's organisations they act for."""

    def set_acting_for(self, organisations):
        organisations = list(organisations)
        self.fields["acting_for"] = forms.ModelChoiceField(
            label=_("Acting for"), queryset=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
            empty_label=None, help_text=_("The organisation you act for."),
        )
        if len(organisations) == 1:
            self.fields["acting_for"].initial = organisations[0].pk
            self.fields["acting_for"].widget = forms.HiddenInput()
        self.order_fields(["acting_for"])


class PartnershipForm(ActingForMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("The shared purpose the partners work towards."))
    geography = forms.CharField(label=_("Geography"), max_length=300, required=False,
                                help_text=_("Where the partnership works, for example a neighbourhood or a region."))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    end_date = forms.DateField(label=_("End date"), required=False, widget=DateInput())
    visibility = forms.ChoiceField(label=_("Who can see it"), choices=Visibility.choices, widget=forms.RadioSelect,
                                   initial=Visibility.PRIVATE)


class PartnershipCreateForm(PartnershipForm):
    decision_rule = forms.ChoiceField(label=_("How the partners decide"), choices=DecisionRule.choices,
                                      widget=forms.RadioSelect, initial=DecisionRule.CONSENSUS)
    quorum = forms.IntegerField(label=_("Quorum"), required=False, min_value=1,
                                help_text=_("For a majority rule: how many partners must take a position."))


class PartnershipEditForm(PartnershipForm):
    version = VersionField()


class InviteForm(ActingForMixin, forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation to invite"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=PartnerRole.choices, initial=PartnerRole.PARTNER,
                             widget=forms.RadioSelect)
    message = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(ActingForMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class InvitationResponseForm(forms.Form):
    answer = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect,
                               choices=[("accept", _("Accept: join the partnership")),
                                        ("decline", _("Decline"))])
    reason = forms.CharField(label=_("Reason (required when declining)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))


class CharterForm(ActingForMixin, forms.Form):
    expected_number = forms.IntegerField(widget=forms.HiddenInput, required=False)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 4}))
    scope = forms.CharField(label=_("Scope"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What the partnership works on, and what it does not."))
    limits = forms.CharField(label=_("Limits"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Set by the convener: the network operates within these limits."))
    decision_rule = forms.ChoiceField(label=_("Decision rule"), choices=DecisionRule.choices, widget=forms.RadioSelect)
    quorum = forms.IntegerField(label=_("Quorum"), required=False, min_value=1,
                                help_text=_("How many partners must take a position (needed for a majority rule)."))
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())
    changes_need_decision = forms.BooleanField(
        label=_("Future changes to this charter need a decision of the partners"), required=False)
    change_note = forms.CharField(label=_("What changed and why"), max_length=500)


class DecisionForm(ActingForMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("The question each partner answers."))
    background = forms.CharField(label=_("Background"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    options = forms.CharField(label=_("Options considered"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=DateTimeInput(),
                                    help_text=_("Partners can record and change positions until then."))


class PositionForm(ActingForMixin, forms.Form):
    stance = forms.ChoiceField(label=_("Your organisation's position"), choices=Stance.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Required for an objection or a block."))

    def limit_stances(self, allowed):
        self.fields["stance"].choices = [(v, label) for v, label in Stance.choices if v in allowed]


class LeadRulingForm(ActingForMixin, forms.Form):
    ruling = forms.ChoiceField(label=_("The lead's decision"), widget=forms.RadioSelect,
                               choices=[("yes", _("Proceed")), ("no", _("Do not proceed"))])
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())


class RationaleForm(ActingForMixin, forms.Form):
    version = VersionField()
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())


AUDIENCES = [("public", _("Everyone")), ("partners", _("The partners only"))]


class PublicationForm(ActingForMixin, forms.Form):
    """Who sees each area of a public partnership: one choice per area (network/visibility.py)."""

    version = VersionField()
    reason = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded with the change; the partners see it in the decision, if one is needed."))
    closes_at = forms.DateTimeField(label=_("If the charter needs a decision: when it closes"), required=False,
                                    widget=DateTimeInput(), help_text=_("Leave empty for a week from now."))

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        for row in areas:
            self.fields[f"area_{row['area']}"] = forms.ChoiceField(
                label=row["label"], help_text=row["description"], choices=AUDIENCES, widget=forms.RadioSelect,
                initial="public" if row["public"] else "partners")
        self.order_fields([f"area_{row['area']}" for row in areas] + ["reason", "closes_at", "version"])

    def changes(self) -> dict:
        return {name[5:]: value == "public" for name, value in self.cleaned_data.items() if name.startswith("area_")}
