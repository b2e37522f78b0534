"""Forms for building the framework: settings, logic model steps, indicators, targets and links."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import DateInput, DateTimeInput, VersionField

from ..models import (
    Aggregation,
    Direction,
    FeedbackMeasure,
    LogicLevel,
    Question,
    Serves,
    ValueType,
)
from ..periods import PeriodKind


def _choice(label, objects, *, required=True, empty_label=None, text=str, help_text=""):
    by_pk = {str(o.pk): o for o in objects}
    choices = [(str(o.pk), text(o)) for o in objects]
    if not required or empty_label:
        choices = [("", empty_label or "—")] + choices
    return forms.TypedChoiceField(label=label, choices=choices, required=required, help_text=help_text,
                                  coerce=lambda pk: by_pk[pk], empty_value=None)


def _checkboxes(label, objects, *, text=str, help_text=""):
    by_pk = {str(o.pk): o for o in objects}
    return forms.TypedMultipleChoiceField(label=label, choices=[(str(o.pk), text(o)) for o in objects],
                                          required=False, coerce=lambda pk: by_pk[pk], help_text=help_text,
                                          widget=forms.CheckboxSelectMultiple)


class FrameworkForm(ActingForMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("What the partners want to learn and show, in plain words."))
    period_kind = forms.ChoiceField(label=_("Reporting period"), choices=PeriodKind.choices,
                                    widget=forms.RadioSelect, initial=PeriodKind.QUARTER)
    starts_on = forms.DateField(label=_("First period starts"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last period ends"), widget=DateInput())
    reporting_days = forms.IntegerField(label=_("Days to report"), min_value=0, max_value=365, initial=30,
                                        help_text=_("How many days after a period ends its values are due."))
    reminder_days = forms.IntegerField(label=_("Reminder days"), min_value=0, max_value=365, initial=7,
                                       help_text=_("How many days before the due date reporting partners are "
                                                   "reminded."))
    version = VersionField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]


class OutcomeForm(ActingForMixin, forms.Form):
    level = forms.ChoiceField(label=_("Step of the logic model"), choices=LogicLevel.choices,
                              widget=forms.RadioSelect, initial=LogicLevel.OUTCOME,
                              help_text=_("Activities lead to outputs, outputs to outcomes, outcomes to impact."))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]

    def set_steps(self, steps):
        self.fields["contributes_to"] = _choice(
            _("Contributes to"), steps, required=False, empty_label=_("Nothing yet"),
            text=lambda o: f"{o.get_level_display()}: {o.title}",
            help_text=_("A step at the next level: an activity to an output, an output to an outcome, an outcome "
                        "to an impact."))
        self.order_fields(["acting_for", "level", "title", "description", "contributes_to", "version"])
        return self


class IndicatorForm(ActingForMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60,
                           error_messages={"required": _("Enter a code, for example meals-served.")},
                           help_text=_("A short code used in imports and the API, for example meals-served."))
    name = forms.CharField(label=_("Name"), max_length=200,
                           error_messages={"required": _("Enter the indicator's name.")})
    definition = forms.CharField(label=_("Definition"), widget=forms.Textarea(attrs={"rows": 3}),
                                 error_messages={"required": _("Say exactly what is counted or measured.")},
                                 help_text=_("Exactly what is counted or measured, and how."))
    unit = forms.CharField(label=_("Unit"), max_length=40, help_text=_("For example people, meals, days or %."),
                           error_messages={"required": _("Enter the unit, for example people, meals, days or %.")})
    value_type = forms.ChoiceField(label=_("Kind of value"), choices=ValueType.choices, widget=forms.RadioSelect,
                                   initial=ValueType.WHOLE)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect,
                                  initial=Direction.HIGHER)
    aggregation = forms.ChoiceField(label=_("Over longer periods"), choices=Aggregation.choices,
                                    widget=forms.RadioSelect, initial=Aggregation.SUM)
    baseline = forms.CharField(label=_("Baseline (optional)"), required=False, max_length=30,
                               help_text=_("The value before the work started, for example 100."))
    baseline_period = forms.CharField(label=_("Baseline period (optional)"), required=False, max_length=10,
                                      help_text=_("The period the baseline was measured in, for example 2024-Q4."))
    data_source = forms.CharField(label=_("Data source"), max_length=300,
                                  error_messages={"required": _("Say where the values come from.")},
                                  help_text=_("Where the figures come from, for example the kitchen's till records."))
    serves = forms.ChoiceField(label=_("Bottom line or process outcome it serves"), choices=Serves.choices,
                               widget=forms.RadioSelect)
    question = forms.ChoiceField(label=_("Question it answers"), choices=Question.choices, widget=forms.RadioSelect)
    feedback_measure = forms.ChoiceField(
        label=_("Feedback measure"), required=False,
        choices=[("", _("None: a partner reports it"))] + list(FeedbackMeasure.choices),
        help_text=_("Only for an indicator fed by a citizen feedback form."))
    version = VersionField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["version"]

    def set_choices(self, *, outcomes, partners, channels):
        self.fields["outcome"] = _choice(_("Outcome it measures"), outcomes, empty_label=_("Choose a step"),
                                         text=lambda o: f"{o.get_level_display()}: {o.title}")
        self.fields["reporting_partner"] = _choice(
            _("Reporting partner"), partners, required=False, empty_label=_("None: fed by citizen feedback"),
            help_text=_("The partner that reports its values."))
        self.fields["feedback_channel"] = _choice(
            _("Citizen feedback form"), channels, required=False, empty_label=_("None: a partner reports it"),
            help_text=_("For a service experience indicator whose values come from citizens' feedback."))
        self.order_fields(["acting_for", "outcome", "code", "name", "definition", "unit", "value_type", "direction",
                           "aggregation", "baseline", "baseline_period", "data_source", "reporting_partner",
                           "feedback_channel", "feedback_measure", "serves", "question", "version"])
        return self


class TargetsForm(ActingForMixin, forms.Form):
    """One text input per framework period (the service checks the values against the indicator's kind)."""

    version = VersionField()

    def __init__(self, *args, periods=(), unit="", **kwargs):
        super().__init__(*args, **kwargs)
        self.periods = list(periods)
        for p in self.periods:
            self.fields[self.name_for(p.key)] = forms.CharField(
                label=p.label, required=False, max_length=30,
                help_text=_("In %(unit)s. Leave empty for no target.") % {"unit": unit} if unit else "")

    @staticmethod
    def name_for(key: str) -> str:
        return "target_" + key.replace("-", "_")

    def targets(self) -> dict:
        return {p.key: self.cleaned_data.get(self.name_for(p.key)) or None for p in self.periods}


class LinksForm(ActingForMixin, forms.Form):
    version = VersionField()

    def set_choices(self, *, work_groups, commitments):
        """`work_groups`: [(kind label, [work items])]; one group of checkboxes per kind of item."""
        self.groups = []
        for n, (label, items) in enumerate(work_groups):
            if not items:
                continue
            name = f"work_{n}"
            self.fields[name] = _checkboxes(label, items, text=lambda w: f"{w.title} ({w.programme.title})")
            self.groups.append(name)
        self.fields["commitments"] = _checkboxes(
            _("Commitments it serves"), commitments,
            text=lambda c: f"{c.agreement.title} — {c.party.name}: {c.description}")
        return self

    def work_items(self) -> list:
        return [w for name in self.groups for w in self.cleaned_data.get(name) or ()]


class AdoptForm(ActingForMixin, forms.Form):
    closes_at = forms.DateTimeField(label=_("Partners can respond until"), required=False, widget=DateTimeInput(),
                                    help_text=_("Leave empty for a week from now."))
