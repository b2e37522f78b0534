"""Form helpers shared by every app's views."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when there is one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e.message % e.params if e.params else e.message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class VersionField(forms.IntegerField):
    """The version the person read; the service refuses the save if it changed since."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def show_refusal(form: forms.Form, exc: Exception) -> None:
    """Put a service's refusal on the form: field errors on their fields, a permission refusal at the top.

    MFA set-up is not a form error: it is re-raised for the middleware to redirect.
    """
    from .exceptions import MFARequired, PermissionDenied

    if isinstance(exc, MFARequired):
        raise exc
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You do not have permission to do this."))
    else:
        apply_errors(form, exc)


def refuse_unless_acting(form: forms.Form, orgs, message: str) -> bool:
    """True, with `message` on the form, when the person acts for no organisation that may use it."""
    if orgs:
        return False
    form.is_valid()
    form.errors.clear()
    form.add_error(None, message)
    return True


def posted(request):
    """The form data of a POST (even an empty one, so that it is validated), else None."""
    return request.POST if request.method == "POST" else None
