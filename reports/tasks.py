"""Background work for reports: making a commission's reports into one zip (reports/packs.py).

Run by `manage.py db_worker`; `TASKS_BACKEND=immediate` runs it in the process that enqueues it.
"""

from __future__ import annotations

import logging

from django_tasks import task

from commissioning import job_services
from commissioning.models import Job, JobItem
from reports import packs

logger = logging.getLogger(__name__)
RENDER_FAILED = "This report could not be made. Retry; if it fails again, tell the service's support team."


@task()
def report_pack_task(job_id: int) -> str:
    """Make each waiting report of the pack (done ones are kept: a retry makes only what failed), then zip every
    report made; returns how the job ended."""
    job = Job.objects.select_related("commission", "created_by").get(pk=job_id)
    commission = job.commission
    if commission is None:  # pragma: no cover - report_pack_start always names one
        raise ValueError(f"Job {job_id} has no commission")
    try:
        for item in job.items.filter(status=JobItem.Status.PENDING).order_by("position"):
            if not job_services.job_item_start(item=item):
                continue
            try:
                name, pdf = packs.item_render(item, commission=commission, generated_by=job.created_by)
            except Exception:
                logger.exception("Report pack %s: %s failed", job_id, item.label)
                job_services.job_item_fail(item=item, error=RENDER_FAILED)
            else:
                job_services.job_item_done(item=item, output_name=name, output=pdf)
        result = packs.pack_zip(job)
    except Exception:
        job_services.job_fail(job=job, error="The job stopped unexpectedly. Retry the reports not made.")
        raise
    return job_services.job_finish(job=job, result_name=packs.pack_file_name(job), result=result).status


def report_pack_retry(job: Job, item_ids: list[int]) -> None:
    """Re-enqueue a report pack whose failed items wait again (commissioning.job_services.job_items_retry)."""
    report_pack_task.enqueue(job.pk)
