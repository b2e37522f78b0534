"""Template helpers that render Django form fields as GOV.UK Frontend components."""

import threading

import markdown as md
import nh3
from django import forms, template
from django.utils.safestring import mark_safe

register = template.Library()


def _kind(field) -> str:
    w = field.field.widget
    if isinstance(w, forms.CheckboxInput):
        return "checkbox"
    if isinstance(w, forms.RadioSelect):
        return "radios"
    if isinstance(w, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(w, forms.Select):
        return "select"
    if isinstance(w, forms.Textarea):
        return "textarea"
    if isinstance(w, forms.HiddenInput):
        return "hidden"
    return "input"


@register.inclusion_tag("core/includes/field.html")
def field(bound_field, label_size="s", width=""):
    """`{% field form.name %}`: label, hint, error message and control, linked for screen readers."""
    return {"f": bound_field, "kind": _kind(bound_field), "label_size": label_size, "width": width}


@register.inclusion_tag("core/includes/error_summary.html")
def error_summary(*forms_):
    errors = []
    for form in forms_:
        if form is None:
            continue
        for name, errs in form.errors.items():
            anchor = f"id_{form.prefix + '-' if form.prefix else ''}{name}" if name != "__all__" else ""
            if name != "__all__" and name in form.fields and _kind(form[name]) in ("radios", "checkboxes"):
                anchor += "_0"
            for e in errs:
                errors.append({"anchor": anchor, "message": e})
    return {"errors": errors}


@register.filter
def widget_attrs(bound_field, css):
    attrs = {"class": css}
    if bound_field.errors:
        attrs["aria-describedby"] = f"{bound_field.id_for_label}-error"
    if bound_field.help_text:
        attrs["aria-describedby"] = (attrs.get("aria-describedby", "") + f" {bound_field.id_for_label}-hint").strip()
    return bound_field.as_widget(attrs=attrs)


ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre",
                "table", "thead", "tbody", "tr", "th", "td", "del", "ins", "hr"}


_local = threading.local()


def _converter() -> md.Markdown:
    # Building a Markdown object costs more than converting a clause; keep one per thread.
    if not hasattr(_local, "md"):
        _local.md = md.Markdown(extensions=["extra", "sane_lists"])
    return _local.md


@register.filter
def markdown(text):
    """Render Markdown written by users, then sanitise it (no scripts, no inline styles)."""
    html = _converter().reset().convert(text or "")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}))
