"""Forms for the citizen feedback pages. They parse input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from joinery.agreements.forms import ActingForMixin
from joinery.core.forms import VersionField

from .models import Feeling, Rating, Trend
from .services import MAX_COMMENT, MAX_CONTACT


class PublicFeedbackForm(forms.Form):
    """What a citizen answers. `website` is the honeypot: hidden from people, filled by robots."""

    going = forms.TypedChoiceField(label=_("How is the service going?"), choices=Rating.choices, coerce=int,
                                   widget=forms.RadioSelect,
                                   error_messages={"required": _("Choose how the service is going.")})
    trend = forms.ChoiceField(label=_("Is it getting better?"), choices=Trend.choices, widget=forms.RadioSelect,
                              error_messages={"required": _("Choose whether the service is getting better.")})
    feeling = forms.TypedChoiceField(label=_("How do you feel about it?"), choices=Feeling.choices, coerce=int,
                                     widget=forms.RadioSelect,
                                     error_messages={"required": _("Choose how you feel about the service.")})
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"), required=False, max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Please do not include personal details such as names or health information."),
        error_messages={"max_length": _("Keep your comment to 2,000 characters or fewer.")})
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"), required=False, max_length=MAX_CONTACT,
        help_text=_("Only if you would like a reply: an email address or a phone number. Only the partners "
                    "running the service see it, and only to answer you. You can leave it empty."),
        error_messages={"max_length": _("Keep your contact details to 200 characters or fewer.")})
    website = forms.CharField(required=False, max_length=500)


class ChannelForm(ActingForMixin, forms.Form):
    version = VersionField()
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("Shown at the top of the public form, for example “Community kitchen”."))
    programme = forms.TypedChoiceField(label=_("Work programme"), required=False, choices=[], empty_value=None)
    service_name = forms.CharField(label=_("Or a named service"), required=False, max_length=200,
                                   help_text=_("When people are asked about one service rather than a whole work "
                                               "programme. Fill in one or the other."))
    slug = forms.CharField(label=_("Web address (optional)"), required=False, max_length=80,
                           help_text=_("The last part of the public link: lower-case letters, numbers and hyphens. "
                                       "Left empty, it is made from the title."))
    introduction = forms.CharField(label=_("Introduction (optional)"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text=_("Shown above the form: what the service is and why you ask."))

    _ORDER = ["acting_for", "version", "title", "programme", "service_name", "slug", "introduction", "is_open"]

    def set_programmes(self, programmes):
        by_pk = {str(p.pk): p for p in programmes}
        self.fields["programme"] = forms.TypedChoiceField(
            label=_("Work programme"), required=False, empty_value=None,
            choices=[("", _("None: a named service"))] + [(str(p.pk), p.title) for p in programmes],
            coerce=lambda pk: by_pk[pk], help_text=_("The programme people are asked about."))
        self.order_fields(self._ORDER)
        return self

    def with_open_field(self):
        """The edit form also opens and closes the form."""
        self.fields["is_open"] = forms.BooleanField(label=_("Open for feedback"), required=False,
                                                    help_text=_("Untick to close the form: its page then says "
                                                                "it takes no more responses."))
        self.order_fields(self._ORDER)
        return self


class ModerateForm(ActingForMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Why you hide (or show again) this response. The other partners read it "
                                         "in the history."))
    action = forms.ChoiceField(choices=[("hide", "hide"), ("unhide", "unhide")], widget=forms.HiddenInput)
