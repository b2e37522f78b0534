"""The shared work programme: objectives → initiatives → milestones → tasks.

A partnership (or one of its agreements) has a `WorkProgramme`. Its `WorkItem` rows form
a tree; each has an owner organisation, dates, a status, dependencies and the agreement
commitments it fulfils. Tasks can be offered to volunteers (`VolunteerSignup`), whose
hours the contributions ledger records as the community's contribution.

Once a programme is adopted and `changes_need_decision` is on (the charter reserves
such changes for the partnership), structural changes go through a partnership decision
(`DecisionKind.PROGRAMME_CHANGE`) and are applied when it is carried.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from joinery.core.models import TimeStampedModel, VersionedModel


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")


class WorkProgramme(VersionedModel):
    partnership = models.ForeignKey("network.Partnership", verbose_name=_("partnership"), on_delete=models.PROTECT,
                                    related_name="programmes")
    agreement = models.ForeignKey("agreements.Agreement", verbose_name=_("agreement"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="programmes",
                                  help_text=_("Leave empty for a programme of the whole partnership."))
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ProgrammeStatus.choices,
                              default=ProgrammeStatus.DRAFT)
    changes_need_decision = models.BooleanField(
        _("changes after adoption need a partnership decision"), default=True,
        help_text=_("The charter reserves changes to objectives, initiatives and milestones of an adopted "
                    "programme for the partnership."))
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    adoption_decision = models.ForeignKey("network.Decision", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["partnership__name", "id"]
        verbose_name = _("work programme")
        verbose_name_plural = _("work programmes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programme:detail", args=[self.pk])


class ItemKind(models.TextChoices):
    OBJECTIVE = "objective", _("Objective")
    INITIATIVE = "initiative", _("Initiative")
    MILESTONE = "milestone", _("Milestone")
    TASK = "task", _("Task")


# What may sit under what: an objective at the top, tasks at the leaves. A task may also
# stand alone (for example an action agreed at a review meeting).
ALLOWED_PARENTS = {
    ItemKind.OBJECTIVE: (None,),
    ItemKind.INITIATIVE: (ItemKind.OBJECTIVE,),
    ItemKind.MILESTONE: (ItemKind.INITIATIVE,),
    ItemKind.TASK: (None, ItemKind.INITIATIVE, ItemKind.MILESTONE),
}
# Changes to these kinds in an adopted programme are reserved for the partnership.
RESERVED_KINDS = (ItemKind.OBJECTIVE, ItemKind.INITIATIVE, ItemKind.MILESTONE)


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.BLOCKED)


class WorkItem(VersionedModel):
    programme = models.ForeignKey(WorkProgramme, on_delete=models.PROTECT, related_name="items")
    # Denormalised from the programme so partnership-wide lists filter on one indexed column.
    partnership = models.ForeignKey("network.Partnership", on_delete=models.PROTECT, related_name="work_items")
    parent = models.ForeignKey("self", verbose_name=_("part of"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    owner = models.ForeignKey("organisations.Organisation", verbose_name=_("owner organisation"),
                              on_delete=models.PROTECT, related_name="work_items")
    owner_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner person"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="work_items")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    depends_on = models.ManyToManyField("self", verbose_name=_("depends on"), symmetrical=False, blank=True,
                                        related_name="dependants")
    commitments = models.ManyToManyField("agreements.Commitment", verbose_name=_("commitments it fulfils"),
                                         blank=True, related_name="work_items")
    volunteers_wanted = models.PositiveIntegerField(
        _("volunteers wanted"), default=0, help_text=_("0 means the task is not offered to volunteers."))
    volunteer_note = models.TextField(_("what volunteers will do"), blank=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["programme_id", "position", "id"]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        indexes = [
            models.Index(fields=["partnership", "status", "due_date"], name="workitem_partner_status_due"),
            models.Index(fields=["owner", "status", "due_date"], name="workitem_owner_status_due"),
            models.Index(fields=["programme", "position", "id"], name="workitem_programme_order"),
            models.Index(fields=["volunteers_wanted", "status"], name="workitem_volunteer_open"),
            # The volunteer opportunities page: open tasks that want volunteers, soonest first.
            models.Index(fields=["due_date", "id"], name="workitem_volunteer_due",
                         condition=models.Q(volunteers_wanted__gt=0,
                                            status__in=["planned", "in_progress", "blocked"])),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programme:item", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class SignupStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VolunteerSignup(TimeStampedModel):
    """A citizen or community member offering to co-deliver a task."""

    item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="volunteer_signups")
    message = models.TextField(_("message to the coordinator"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=SignupStatus.choices, default=SignupStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("volunteer sign-up")
        verbose_name_plural = _("volunteer sign-ups")
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="one_signup_per_person_per_task")]

    def __str__(self) -> str:
        return f"{self.person} → {self.item}"
