"""Reads of background jobs: their progress counted from their items in the database, never from stored counters."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet

from commissioning.models import Commission, Job, JobItem

ItemStatus = JobItem.Status


@dataclass(frozen=True)
class JobProgress:
    """How far a job has got: its items by state. `settled` items are done or failed."""

    total: int
    done: int
    failed: int
    running: int

    @property
    def settled(self) -> int:
        return self.done + self.failed

    @property
    def waiting(self) -> int:
        return self.total - self.settled - self.running

    @property
    def percent(self) -> int:
        """Whole per cent settled, rounded down (integers: 99.9% is not shown as done)."""
        return self.settled * 100 // self.total if self.total else 100


def _counts() -> dict[str, Count]:
    return {
        "total_items": Count("items", distinct=True),
        "done_items": Count("items", filter=Q(items__status=ItemStatus.DONE), distinct=True),
        "failed_items": Count("items", filter=Q(items__status=ItemStatus.FAILED), distinct=True),
        "running_items": Count("items", filter=Q(items__status=ItemStatus.RUNNING), distinct=True),
    }


def progress_of(job: Job) -> JobProgress:
    """The progress of a job from `job_list` or `job_with_progress` (annotated), without another query."""
    return JobProgress(
        total=job.total_items,  # type: ignore[attr-defined]
        done=job.done_items,  # type: ignore[attr-defined]
        failed=job.failed_items,  # type: ignore[attr-defined]
        running=job.running_items,  # type: ignore[attr-defined]
    )


def job_list(*, commission: Commission | None = None) -> QuerySet[Job]:
    """Jobs, most recent first, each annotated with its item counts (one query per page, however many items)."""
    jobs = Job.objects.select_related("commission", "created_by", "retried_by").annotate(**_counts())
    if commission is not None:
        jobs = jobs.filter(commission=commission)
    return jobs.order_by("-created_at", "-pk")


def job_with_progress(pk: int) -> Job:
    """One job with its item counts (see `progress_of`); Job.DoesNotExist when there is none."""
    return job_list().get(pk=pk)


def job_items(job: Job) -> QuerySet[JobItem]:
    return job.items.order_by("position")


def latest_job_for(target: models.Model, *, kind: str) -> Job | None:
    """The most recent job of a kind that worked on `target` (e.g. the import of an upload), with its progress."""
    target_type = ContentType.objects.get_for_model(target)
    return (
        job_list()
        .filter(kind=kind, items__target_type=target_type, items__target_id=target.pk)
        .order_by("-created_at", "-pk")
        .first()
    )
