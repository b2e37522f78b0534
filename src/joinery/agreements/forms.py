"""Forms for the agreements pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from joinery.core.forms import DateInput, DateTimeInput
from joinery.organisations.models import Organisation

from . import clause_templates
from .models import (
    AgreementKind,
    AgreementStatus,
    AmendmentKind,
    ClauseStance,
    CommitmentKind,
    ReviewOutcome,
)

BLANK_TEMPLATE = "blank"


class ActingForMixin:
    """`acting_for`: which of the person's organisations they act for.

    Like joinery.network.forms.ActingForMixin, but its choices come from a list already read,
    so that the agreement page's many small forms (one per clause and per thread) cost no query.
    """

    def set_acting_for(self, organisations):
        organisations = list(organisations)
        by_pk = {str(o.pk): o for o in organisations}
        self.fields["acting_for"] = forms.TypedChoiceField(
            label=_("Acting for"), choices=[(str(o.pk), o.name) for o in organisations],
            coerce=lambda pk: by_pk[pk], help_text=_("The organisation you act for."),
        )
        if len(organisations) == 1:
            self.fields["acting_for"].initial = str(organisations[0].pk)
            self.fields["acting_for"].widget = forms.HiddenInput()
        self.order_fields(["acting_for"])
        return self


class ActingForForm(ActingForMixin, forms.Form):
    """A button that only needs to know whom the person acts for (new round, resolve, …)."""


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search the title and text"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status"))] + list(AgreementStatus.choices))
    organisation = forms.ModelChoiceField(label=_("Party"), required=False, queryset=Organisation.objects.none(),
                                          empty_label=_("Any organisation"))


class AgreementCreateForm(ActingForMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    kind = forms.ChoiceField(label=_("Type of agreement"), choices=AgreementKind.choices, widget=forms.RadioSelect)
    language = forms.ChoiceField(label=_("Language of the agreement"), choices=settings.LANGUAGES,
                                 widget=forms.RadioSelect, initial="en",
                                 help_text=_("The printed and PDF copies use this language."))
    parties = forms.ModelMultipleChoiceField(
        label=_("Parties"), queryset=Organisation.objects.none(), widget=forms.CheckboxSelectMultiple,
        required=False, help_text=_("Some or all of the partners. The organisation you act for is always a party."))
    drafting_lead = forms.ModelChoiceField(
        label=_("Drafting lead"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("The organisation you act for"),
        help_text=_("The party that holds the pen: it edits clauses and accepts or rejects amendments."))
    template = forms.ChoiceField(
        label=_("Start from"), widget=forms.RadioSelect, initial=BLANK_TEMPLATE,
        choices=[(key or BLANK_TEMPLATE, label) for key, label in clause_templates.template_choices()],
        help_text=_("A template gives you clause headings with questions to answer in your own words."))
    review_date = forms.DateField(label=_("Review date"), required=False, widget=DateInput())
    expiry_date = forms.DateField(label=_("Expiry date"), required=False, widget=DateInput())

    def set_partners(self, organisations):
        pks = [o.pk for o in organisations]
        self.fields["parties"].queryset = Organisation.objects.filter(pk__in=pks).order_by("name")
        self.fields["drafting_lead"].queryset = Organisation.objects.filter(pk__in=pks).order_by("name")

    def clean_template(self):
        value = self.cleaned_data["template"]
        return "" if value == BLANK_TEMPLATE else value


class ClauseForm(ActingForMixin, forms.Form):
    expected_revision = forms.IntegerField(widget=forms.HiddenInput)
    heading = forms.CharField(label=_("Heading"), max_length=250)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("Markdown: a blank line starts a new paragraph, *italic*, **bold**, "
                                       "lines starting with - make a list."))


class ClauseAddForm(ActingForMixin, forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=250)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_("Markdown."))
    after = forms.TypedChoiceField(label=_("Place it after"), required=False, coerce=int, empty_value=None,
                                   choices=[])

    def set_clauses(self, clauses):
        self.fields["after"].choices = [("", _("At the end"))] + [
            (str(c.pk), f"{n}. {c.heading}") for n, c in enumerate(clauses, start=1)]


class CommentForm(ActingForMixin, forms.Form):
    quote = forms.CharField(
        label=_("Passage (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("To comment on part of the clause, copy its exact words here."))
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(ActingForMixin, forms.Form):
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 2}))


class PositionForm(ActingForMixin, forms.Form):
    stance = forms.ChoiceField(label=_("Your organisation's position on this clause"), choices=ClauseStance.choices,
                               widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when you object: say what would make it acceptable."))


class CommitmentForm(ActingForMixin, forms.Form):
    party = forms.ModelChoiceField(label=_("Party that commits"), queryset=Organisation.objects.none(),
                                   empty_label=None)
    kind = forms.ChoiceField(label=_("What is committed"), choices=CommitmentKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(label=_("How much"), max_digits=14, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("For example: CAD, hours, sessions."))
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(label=_("Until"), widget=DateInput())

    def set_parties(self, organisations):
        self.fields["party"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")


class AmendmentForm(ActingForMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the amendment does"), choices=AmendmentKind.choices,
                             widget=forms.RadioSelect)
    clause = forms.TypedChoiceField(
        label=_("Clause"), required=False, coerce=int, empty_value=None, choices=[],
        help_text=_("The clause to replace or delete. For a new clause: the clause it comes after."))
    heading = forms.CharField(label=_("Heading"), required=False, max_length=250,
                              help_text=_("Required for a new clause; optional when replacing."))
    body = forms.CharField(label=_("Proposed text"), required=False, widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=_("Markdown. Leave empty to delete a clause."))
    rationale = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("Explain the change to the other parties."))

    def set_clauses(self, clauses):
        self.fields["clause"].choices = [("", _("None (a new clause at the end)"))] + [
            (str(c.pk), f"{n}. {c.heading}") for n, c in enumerate(clauses, start=1)]


class DecideForm(ActingForMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Your decision"), widget=forms.RadioSelect,
                                 choices=[("accept", _("Accept and apply it")), ("reject", _("Reject it"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class EndForm(ActingForMixin, forms.Form):
    how = forms.ChoiceField(label=_("How does the agreement end?"), widget=forms.RadioSelect, choices=[
        ("expired", _("It has expired")),
        ("terminated", _("It is terminated")),
        ("abandoned", _("The draft is abandoned")),
    ])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(ActingForMixin, forms.Form):
    proposed_outcome = forms.ChoiceField(label=_("Proposed outcome"), choices=ReviewOutcome.choices,
                                         widget=forms.RadioSelect)
    rationale = forms.CharField(label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    closes_at = forms.DateTimeField(label=_("Partners can respond until"), widget=DateTimeInput())
    next_review_date = forms.DateField(label=_("Next review date"), required=False, widget=DateInput(),
                                       help_text=_("If the partners continue the agreement."))


class SignForm(ActingForMixin, forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signer_name = forms.CharField(label=_("Your full name"), max_length=200)
    signer_role = forms.CharField(label=_("Your role or title"), max_length=200,
                                  help_text=_("As it should appear under your signature."))
    confirm = forms.BooleanField(label=_("I have read this version and I am authorised to sign it for the "
                                         "organisation"))


class DeclineForm(ActingForMixin, forms.Form):
    reason = forms.CharField(label=_("Why does your organisation decline to sign?"),
                             widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    MAX_BYTES = 20 * 1024 * 1024

    document = forms.FileField(label=_("Agreement document"),
                               help_text=_("A PDF, or a text export, downloaded from Joinery."))

    def clean_document(self):
        f = self.cleaned_data["document"]
        if f.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return f
