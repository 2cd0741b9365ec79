"""Every write to background jobs and their items (`commissioning.models.jobs`).

A task creates nothing itself: the service that starts the work creates the job with one item per unit of work
(`job_create`), and the task reports on each item as it goes (`job_item_start` → `job_item_done` or
`job_item_fail`), then settles the job (`job_finish`). Claiming an item is a conditional update, so a task that
runs twice, or two workers, never work on the same item at once, and an item already done is never done again.

The core imports no other app (DESIGN.md): each app that runs jobs registers how to re-enqueue its items
(`retry_handler_register`, from its AppConfig.ready), and `job_items_retry` calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.models import Commission, Job, JobItem, User
from commissioning.models.jobs import ERROR_MAX

ItemStatus = JobItem.Status
JobStatus = Job.Status
STOPPED = "Not done: the job stopped before it reached this item."

# How each kind of job re-enqueues items: called with the job and the ids of its items waiting again.
RetryHandler = Callable[[Job, list[int]], None]
_retry_handlers: dict[str, RetryHandler] = {}


def retry_handler_register(kind: str, handler: RetryHandler) -> None:
    _retry_handlers[kind] = handler


@dataclass(frozen=True)
class ItemInput:
    """One unit of a job's work: what the page calls it, and the object it works on or a plain key."""

    label: str
    target: models.Model | None = None
    key: str = ""


@transaction.atomic
def job_create(
    *, kind: str, label: str, by: User | None, items: Sequence[ItemInput], commission: Commission | None = None
) -> Job:
    """A queued job with its items, all waiting. The caller enqueues the task (on commit) with the job's id."""
    job = Job.objects.create(commission=commission, kind=kind, label=label[:200], created_by=by)
    JobItem.objects.bulk_create(
        [
            JobItem(
                job=job,
                position=position,
                label=item.label[:200],
                target_type=ContentType.objects.get_for_model(item.target) if item.target is not None else None,
                target_id=item.target.pk if item.target is not None else None,
                key=item.key[:100],
            )
            for position, item in enumerate(items, start=1)
        ]
    )
    return job


def job_item_start(*, item: JobItem) -> bool:
    """Claim a waiting item for this worker; the job is running from its first item on. False when the item is not
    waiting (done already, failed, or claimed by another worker): the caller must skip it."""
    now = timezone.now()
    with transaction.atomic():
        claimed = JobItem.objects.filter(pk=item.pk, status=ItemStatus.PENDING).update(
            status=ItemStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, finished_at=None
        )
        if not claimed:
            return False
        Job.objects.filter(pk=item.job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=Coalesce(F("started_at"), now)
        )
    item.refresh_from_db(fields=["status", "attempts", "started_at", "finished_at"])
    return True


def _item_finish(item: JobItem, status: str, *, error: str = "", output: ContentFile | None = None) -> None:
    if output is not None:
        item.output.save(output.name, output, save=False)  # written to storage before the row names it
    updated = JobItem.objects.filter(pk=item.pk, status=ItemStatus.RUNNING).update(
        status=status, error=error[:ERROR_MAX], finished_at=timezone.now(), output=item.output.name or ""
    )
    if not updated:
        raise ValidationError(f"{item.label} is not in progress, so it cannot be marked {status}.")
    item.refresh_from_db(fields=["status", "error", "finished_at", "output"])


def job_item_done(*, item: JobItem, output_name: str = "", output: bytes | None = None) -> None:
    """The item's work is done; `output` (e.g. a rendered PDF) is kept with it under `output_name`."""
    _item_finish(item, ItemStatus.DONE, output=ContentFile(output, name=output_name) if output is not None else None)


def job_item_fail(*, item: JobItem, error: str) -> None:
    """The item's work failed; `error` is short and says what to do, for the page (not a traceback)."""
    _item_finish(item, ItemStatus.FAILED, error=error.strip() or "It failed for a reason the worker did not give.")


@transaction.atomic
def job_finish(*, job: Job, result_name: str = "", result: bytes | None = None) -> Job:
    """Settle the job once no item is waiting or in progress: finished when every item is done, finished with
    failures when some failed, failed when all did. Leaves an unsettled job as it is (another run has its items
    in hand) and returns it as it now stands. `result` is what the whole job made (a zip), kept on the job."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    counts = locked.items.aggregate(
        total=Count("pk"),
        failed=Count("pk", filter=Q(status=ItemStatus.FAILED)),
        open=Count("pk", filter=Q(status__in=[ItemStatus.PENDING, ItemStatus.RUNNING])),
    )
    if counts["open"] or locked.is_finished:
        return locked
    if result is not None:
        locked.result.save(result_name, ContentFile(result), save=False)
    if not counts["failed"]:
        locked.status = JobStatus.FINISHED
    elif counts["failed"] < counts["total"]:
        locked.status = JobStatus.FINISHED_WITH_FAILURES
    else:
        locked.status = JobStatus.FAILED
    locked.finished_at = timezone.now()
    locked.started_at = locked.started_at or locked.finished_at
    locked.save(update_fields=["status", "finished_at", "started_at", "result"])
    return locked


@transaction.atomic
def job_fail(*, job: Job, error: str) -> Job:
    """The job as a whole stopped (the worker raised): items not yet done fail with it, so they can be retried."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    now = timezone.now()
    locked.items.filter(status__in=[ItemStatus.PENDING, ItemStatus.RUNNING]).update(
        status=ItemStatus.FAILED, error=STOPPED, finished_at=now
    )
    locked.status, locked.error, locked.finished_at = JobStatus.FAILED, error[:ERROR_MAX], now
    locked.save(update_fields=["status", "error", "finished_at"])
    return locked


@transaction.atomic
def job_items_retry(*, job: Job, by: User) -> int:
    """Put the job's failed items (and only those) back in the queue and, once this transaction commits, enqueue
    them again through the handler of the job's kind; returns how many. Refused while the job is still running,
    and when nothing failed. Items done are never touched, so what they did (an e-mail sent) is never repeated."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not locked.is_finished:
        raise ValidationError("The job is still running. Retry its failed items once it has finished.")
    handler = _retry_handlers.get(locked.kind)
    if handler is None:
        raise ValidationError(f"A job to {locked.get_kind_display().lower()} cannot be retried.")
    failed = list(locked.items.filter(status=ItemStatus.FAILED).values_list("pk", flat=True))
    if not failed:
        raise ValidationError("No item of this job failed: there is nothing to retry.")
    locked.items.filter(pk__in=failed).update(status=ItemStatus.PENDING, error="", finished_at=None)
    old_result = locked.result.name
    locked.status, locked.error, locked.finished_at = JobStatus.QUEUED, "", None
    locked.retried_at, locked.retried_by, locked.result = timezone.now(), by, ""
    locked.save(update_fields=["status", "error", "finished_at", "retried_at", "retried_by", "result"])
    if old_result:
        storage = locked.result.storage
        transaction.on_commit(lambda: storage.delete(old_result))  # the pack is made again, whole
    transaction.on_commit(lambda: handler(locked, failed))
    return len(failed)
