"""Base models shared by every domain app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row edited by several people: `version` refuses a stale save.

    Forms and API clients send back the version they read; services compare it
    with the stored one and refuse the write if someone saved in between, so
    concurrent edits never silently overwrite each other.
    """

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True
