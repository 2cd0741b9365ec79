"""Background work for allocations: importing a large table outside the request.

Run a worker with `python manage.py db_worker`; `TASKS_BACKEND=immediate` runs tasks in the process that enqueues
them (tests, and a demo without a worker). The import is one item of a background job (commissioning/models/jobs.py),
so the upload's page and the job's page show the same progress bar.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django_tasks import task

from allocations.imports import services
from allocations.models import ImportUpload
from commissioning import job_services
from commissioning.models import Job, JobItem

STOPPED = "The import stopped unexpectedly and nothing was imported. Try again."
REFUSED = "The table was not imported: its page lists why. Correct the file and upload it again."


@task()
def table_import_task(upload_id: int, job_id: int | None = None) -> str:
    """Import a confirmed upload; returns how it ended ("imported" or "failed"), which its page also shows."""
    item = _job_item(upload_id, job_id)
    if item is not None and not job_services.job_item_start(item=item):
        return ImportUpload.objects.get(pk=upload_id).status  # another run has it in hand, or has done it
    try:
        upload = services.import_upload_execute(upload_id=upload_id)
    except Exception:
        # Not the file's fault (a database or worker failure): say so on the page, and let the worker log it.
        services.import_upload_fail(upload_id=upload_id, reason=STOPPED)
        if item is not None:
            job_services.job_item_fail(item=item, error=STOPPED)
            job_services.job_finish(job=item.job)
        raise
    if item is not None:
        if upload.status == ImportUpload.Status.IMPORTED:
            job_services.job_item_done(item=item)
        else:
            job_services.job_item_fail(item=item, error=REFUSED)
        job_services.job_finish(job=item.job)
    return upload.status


def _job_item(upload_id: int, job_id: int | None) -> JobItem | None:
    if job_id is None:
        return None
    upload_type = ContentType.objects.get_for_model(ImportUpload)
    return (
        JobItem.objects.select_related("job")
        .filter(job_id=job_id, target_type=upload_type, target_id=upload_id)
        .first()
    )


def table_import_retry(job: Job, item_ids: list[int]) -> None:
    """Queue the job's failed uploads again (commissioning.job_services.job_items_retry calls this); an upload that
    is no longer failed leaves its item done, with nothing imported twice."""
    for item in job.items.filter(pk__in=item_ids):
        if item.target_id is None:
            continue
        if not services.import_upload_requeue(upload_id=item.target_id, job_id=job.pk, by=job.retried_by):
            if job_services.job_item_start(item=item):
                job_services.job_item_done(item=item)
    job_services.job_finish(job=job)
