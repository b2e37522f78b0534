"""Forms for the work programme pages. They parse input; the rules live in services.

Choices come from lists the view has already read (partners, items, commitments), so a
form costs no query of its own and the same object reaches the service.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import DateInput, DateTimeInput, VersionField

from .models import ItemKind, ItemStatus
from .services import MAX_VOLUNTEERS


def _choice(label, objects, *, required=True, empty_label=None, text=str, help_text=""):
    by_pk = {str(o.pk): o for o in objects}
    choices = [(str(o.pk), text(o)) for o in objects]
    if not required or empty_label:
        choices = [("", empty_label or "—")] + choices
    return forms.TypedChoiceField(label=label, choices=choices, required=required, help_text=help_text,
                                  coerce=lambda pk: by_pk[pk], empty_value=None)


def _multi(label, objects, *, text=str, help_text="", widget=None):
    by_pk = {str(o.pk): o for o in objects}
    return forms.TypedMultipleChoiceField(label=label, choices=[(str(o.pk), text(o)) for o in objects],
                                          required=False, coerce=lambda pk: by_pk[pk], help_text=help_text,
                                          widget=widget or forms.SelectMultiple(
                                              attrs={"size": max(3, min(10, len(objects)))}))


class WorkFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("open", _("Open (planned, in progress or blocked)")), ("all", _("Any status"))] + list(ItemStatus.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind"))] + list(ItemKind.choices))
    overdue = forms.BooleanField(label=_("Only overdue work"), required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def set_owners(self, organisations):
        self.fields["owner"] = _choice(_("Owner organisation"), organisations, required=False,
                                       empty_label=_("Any organisation"))
        self.order_fields(["q", "owner", "status", "kind", "overdue"])
        return self


class ProgrammeForm(ActingForMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What the programme will achieve, in a few sentences."))
    changes_need_decision = forms.BooleanField(
        label=_("Once adopted, changes to objectives, initiatives and milestones need a partnership decision"),
        required=False, initial=True)

    def set_agreements(self, agreements):
        self.fields["agreement"] = _choice(
            _("Agreement it puts into practice"), agreements, required=False,
            empty_label=_("None: a programme of the whole partnership"))
        self.order_fields(["acting_for", "title", "summary", "agreement", "changes_need_decision"])
        return self


class AdoptForm(ActingForMixin, forms.Form):
    how = forms.ChoiceField(label=_("How is the programme adopted?"), widget=forms.RadioSelect, choices=[
        ("now", _("The convener adopts it now")),
        ("decision", _("Put it to the partners as a decision")),
    ], initial="now")
    closes_at = forms.DateTimeField(label=_("If put to the partners: they can respond until"), required=False,
                                    widget=DateTimeInput(), help_text=_("Leave empty for a week from now."))


class ItemForm(ActingForMixin, forms.Form):
    """Add an item (with `kind`) or edit one (without)."""

    kind = forms.ChoiceField(label=_("Kind of item"), choices=ItemKind.choices, widget=forms.RadioSelect,
                             initial=ItemKind.TASK,
                             help_text=_("Objectives hold initiatives, initiatives hold milestones, and tasks sit "
                                         "under an initiative or a milestone, or stand alone."))
    title = forms.CharField(label=_("Title"), max_length=250)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("Markdown."))
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DateInput())
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())
    volunteers_wanted = forms.IntegerField(
        label=_("Volunteers wanted"), required=False, min_value=0, max_value=MAX_VOLUNTEERS, initial=0,
        help_text=_("For a task: how many community volunteers can help. 0 means it is not offered."))
    volunteer_note = forms.CharField(label=_("What volunteers will do"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    closes_at = forms.DateTimeField(
        label=_("Partners can respond until"), required=False, widget=DateTimeInput(),
        help_text=_("Only when the change needs a partnership decision. Leave empty for a week from now."))
    version = VersionField()

    def __init__(self, *args, editing: bool = False, gated: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
        else:
            del self.fields["version"]
        if not gated:
            del self.fields["closes_at"]

    def set_choices(self, *, owners, people, parents, items, commitments):
        self.fields["parent"] = _choice(
            _("Part of"), parents, required=False, empty_label=_("Nothing: it stands at the top"),
            text=lambda i: f"{i.get_kind_display()}: {i.title}")
        self.fields["owner"] = _choice(_("Owner organisation"), owners, empty_label=_("Choose an organisation"),
                                       help_text=_("The partner responsible for the work."))
        self.fields["owner_person"] = _choice(
            _("Owner person (optional)"), people, required=False, empty_label=_("Nobody in particular"),
            text=lambda p: p.display_name, help_text=_("Someone who represents the owner organisation."))
        self.fields["depends_on"] = _multi(
            _("Depends on"), items, text=lambda i: f"{i.get_kind_display()}: {i.title}",
            help_text=_("Work that must be done first. Hold Ctrl (or Cmd) to choose more than one."))
        self.fields["commitments"] = _multi(
            _("Commitments it fulfils"), commitments, widget=forms.CheckboxSelectMultiple,
            text=lambda c: f"{c.agreement.title} — {c.party.name}: {c.description} ({c.quantity.normalize():f} {c.unit})")
        order = ["acting_for", "kind", "title", "description", "parent", "owner", "owner_person", "start_date",
                 "due_date", "depends_on", "commitments", "volunteers_wanted", "volunteer_note", "closes_at",
                 "version"]
        self.order_fields([f for f in order if f in self.fields])
        return self

    def clean_volunteers_wanted(self):
        return self.cleaned_data.get("volunteers_wanted") or 0


class StatusForm(ActingForMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when cancelling: say why."))
    closes_at = forms.DateTimeField(
        label=_("If the change needs a partnership decision: partners can respond until"), required=False,
        widget=DateTimeInput(), help_text=_("Leave empty for a week from now."))
    version = VersionField()


class SignupForm(forms.Form):
    message = forms.CharField(label=_("Message to the coordinator (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("For example when you are available, or relevant experience."))


class DecideForm(ActingForMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[
        ("confirm", _("Confirm the volunteer")), ("decline", _("Decline the offer"))])
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when you decline: the volunteer sees it."))
