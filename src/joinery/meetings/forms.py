"""Forms for the review meeting pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import DateInput, DateTimeInput, VersionField

#: Blank action rows on the minutes form (more can be recorded by saving and adding tasks later).
ACTION_ROWS = 5


def _choices_of(objects, label_of, empty_label):
    by_pk = {str(o.pk): o for o in objects}
    return by_pk, [("", empty_label)] + [(str(o.pk), label_of(o)) for o in objects]


class MeetingForm(ActingForMixin, forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=250,
                            help_text=_("For example: “Quarterly review of the food security agreement”."))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())
    location = forms.CharField(label=_("Place or link"), max_length=300, required=False,
                               help_text=_("An address, a room, or the link to join online."))

    def set_reviewed(self, agreements, programmes):
        """The optional agreement and work programme the meeting reviews (of this partnership)."""
        by_pk, choices = _choices_of(agreements, lambda a: a.title, _("The partnership as a whole"))
        self.fields["agreement"] = forms.TypedChoiceField(
            label=_("Agreement reviewed (optional)"), choices=choices, required=False, empty_value=None,
            coerce=lambda pk, by_pk=by_pk: by_pk[pk])
        by_pk, choices = _choices_of(programmes, lambda p: p.title, _("No particular work programme"))
        self.fields["programme"] = forms.TypedChoiceField(
            label=_("Work programme reviewed (optional)"), choices=choices, required=False, empty_value=None,
            coerce=lambda pk, by_pk=by_pk: by_pk[pk],
            help_text=_("Actions agreed at the meeting become tasks in this programme."))
        return self


class RescheduleForm(ActingForMixin, forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=250)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())
    location = forms.CharField(label=_("Place or link"), max_length=300, required=False)


class CancelForm(ActingForMixin, forms.Form):
    version = VersionField()
    reason = forms.CharField(label=_("Why is the meeting cancelled?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Every partner's representatives receive it with the cancellation."))


class MinutesForm(ActingForMixin, forms.Form):
    version = VersionField()
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 14}), max_length=100_000,
        help_text=_("What was discussed and agreed. Markdown: a blank line starts a new paragraph, lines starting "
                    "with - make a list."))


class AttendanceForm(forms.Form):
    """One partner organisation's attendance (the organisation is fixed by the row)."""

    organisation = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.BooleanField(required=False)
    attendees = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        name = organisation.name if organisation else ""
        self.organisation_obj = organisation
        self.fields["present"].label = _("%(org)s was present") % {"org": name}
        self.fields["attendees"].label = _("Who attended for %(org)s") % {"org": name}
        self.fields["attendees"].help_text = _("Names and roles, separated by commas.")


class BaseAttendanceFormSet(forms.BaseFormSet):
    def __init__(self, *args, organisations=(), **kwargs):
        self.organisations = list(organisations)
        kwargs.setdefault("initial", [{"organisation": o.pk, "present": False} for o in self.organisations])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["organisation"] = self.organisations[index] if index is not None and index < len(
            self.organisations) else None
        return kwargs

    def rows(self) -> list[tuple]:
        """(organisation, present, attendees) for each partner, as the service takes them."""
        by_pk = {o.pk: o for o in self.organisations}
        out = []
        for form in self.forms:
            data = form.cleaned_data
            org = by_pk.get(data.get("organisation"))
            if org is None:
                org = form.organisation_obj
            out.append((org, data.get("present", False), data.get("attendees", "")))
        return out


AttendanceFormSet = forms.formset_factory(AttendanceForm, formset=BaseAttendanceFormSet, extra=0,
                                          max_num=500, validate_max=True)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=250, required=False)
    owner = forms.TypedChoiceField(label=_("Owner organisation"), choices=[], required=False, empty_value=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        by_pk, choices = _choices_of(list(partners), lambda o: o.name, _("Choose an organisation"))
        self.fields["owner"].choices = choices
        self.fields["owner"].coerce = lambda pk: by_pk[pk]

    def clean(self):
        data = super().clean()
        if any(data.get(k) for k in ("title", "owner", "due_date")):
            if not data.get("title"):
                self.add_error("title", _("Say what is to be done."))
            if not data.get("owner"):
                self.add_error("owner", _("Choose the organisation that owns the action."))
            if not data.get("due_date"):
                self.add_error("due_date", _("Give the date the action is due."))
        return data


class BaseActionFormSet(forms.BaseFormSet):
    def __init__(self, *args, partners=(), **kwargs):
        self.partners = list(partners)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["partners"] = self.partners
        return kwargs

    def actions(self) -> list[dict]:
        return [{"title": f.cleaned_data["title"], "owner": f.cleaned_data["owner"],
                 "due_date": f.cleaned_data["due_date"]}
                for f in self.forms if f.cleaned_data.get("title")]


ActionFormSet = forms.formset_factory(ActionForm, formset=BaseActionFormSet, extra=ACTION_ROWS, max_num=50,
                                      validate_max=True)
