"""Background jobs and their items: work that takes more than a second (issuing many letters, rendering a
commission's reports, a large import), run by a task worker and shown on the page with its progress.

A job's totals are never stored: they are counted from its items, so they cannot drift from them. Items change
state only through `commissioning.job_services`; the apps that run the work (partners, reports, allocations) call
those services, and the core never imports them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from commissioning.models.core import Commission

ERROR_MAX = 300  # a short, user-facing reason; the worker's log has the rest


def job_result_path(job: Job, filename: str) -> str:
    return f"jobs/{job.pk}/{filename}"


def job_item_output_path(item: JobItem, filename: str) -> str:
    """Under its job's folder, keeping the item's own sub-folders: the path after `items/` is its path in a zip."""
    return f"{job_item_output_prefix(item.job_id)}{filename}"


def job_item_output_prefix(job_id: int) -> str:
    return f"jobs/{job_id}/items/"


class Job(models.Model):
    class Kind(models.TextChoices):
        ISSUE_LETTERS = "issue_letters", "Issue request letters"
        REPORT_PACK = "report_pack", "Download all reports"
        TABLE_IMPORT = "table_import", "Import a table"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FINISHED_WITH_FAILURES = "finished_with_failures", "Finished with failures"
        FAILED = "failed", "Failed"

    UNFINISHED = (Status.QUEUED, Status.RUNNING)

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=200, help_text="What the job does, as its page says it.")
    status = models.CharField(max_length=25, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=ERROR_MAX, blank=True, help_text="Why the job as a whole stopped.")
    result = models.FileField(
        upload_to=job_result_path, blank=True, help_text="What the job made, e.g. a zip of reports."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["commission", "-created_at"], name="job_commission_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
                name="job_finished_has_finished_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in self.UNFINISHED


class JobItem(models.Model):
    """One unit of a job's work (a letter, a PDF, an upload), with how it went. `target` names the object it works
    on; `key` is a plain name for an item that has no object of its own (the fund statement)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    label = models.CharField(max_length=200)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(max_length=ERROR_MAX, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    output = models.FileField(
        upload_to=job_item_output_path, max_length=300, blank=True, help_text="What the item made, e.g. one PDF."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "position"]
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_item_position_unique"),
            models.CheckConstraint(condition=Q(status="failed") | Q(error=""), name="job_item_error_only_if_failed"),
        ]
        indexes = [models.Index(fields=["job", "status"], name="job_item_job_status")]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()})"
