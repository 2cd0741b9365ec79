"""Background jobs of the request workflow, run by `manage.py db_worker` (`make run` starts one).

The backend never retries, and a job may still run twice (enqueued twice, or re-run by hand): each job is keyed by
what it produces. A letter's PDF is rendered once and kept; each e-mail is claimed under its own key before it is
sent (partners/services.py), so none is ever sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from commissioning import job_services
from commissioning.models import Job, JobItem, User
from partners import services
from partners.models import RequestLetter

logger = logging.getLogger(__name__)
REMINDER_TIME = time(9, 0)  # reminders go at nine in the morning of their day


@task()
def letters_send_task(letter_ids: list[int], job_id: int | None = None) -> dict[str, int]:
    """Render each issued letter and e-mail its secure link; then schedule its reminders. With a job, each letter
    is one of its items: an item already done (the task ran twice) is skipped, and a retried one sends a new link
    only if no link has gone yet (`services.letter_email_deliver`)."""
    letters = RequestLetter.objects.filter(pk__in=letter_ids).select_related("commission")
    if job_id is None:
        return _letters_send(letters)
    job = Job.objects.select_related("retried_by").get(pk=job_id)
    items = {item.target_id: item for item in job.items.filter(target_id__in=letter_ids)}
    sent = failed = 0
    try:
        for letter in letters:
            item = items.get(letter.pk)
            if item is None or not job_services.job_item_start(item=item):
                continue
            error = _letter_deliver(letter, item, by=job.retried_by if item.attempts > 1 else None)
            if error:
                job_services.job_item_fail(item=item, error=error)
                failed += 1
            else:
                job_services.job_item_done(item=item)
                sent += 1
            if item.attempts == 1:
                reminders_schedule(letter)
    except Exception:
        job_services.job_fail(job=job, error="The job stopped unexpectedly. Retry the items not done.")
        raise
    job_services.job_finish(job=job)
    return {"sent": sent, "failed": failed}


def _letters_send(letters: Iterable[RequestLetter]) -> dict[str, int]:
    sent = failed = 0
    for letter in letters:
        services.letter_pdf_ensure(letter)
        if services.issue_email_send(letter):
            sent += 1
        elif letter.emails.filter(key=f"letter-{letter.pk}:issue", status="failed").exists():
            failed += 1
        reminders_schedule(letter)
    return {"sent": sent, "failed": failed}


def _letter_deliver(letter: RequestLetter, item: JobItem, *, by: User | None) -> str:
    """One letter's item: its PDF, then its e-mail; returns "" or why it failed, for the job's page."""
    try:
        services.letter_pdf_ensure(letter)
    except Exception:
        logger.exception("Rendering letter %s failed", letter.pk)
        return "The letter's PDF could not be made. Retry; if it fails again, tell the service's support team."
    return services.letter_email_deliver(
        letter, retry_key=f"letter-{letter.pk}:link-job{item.pk}-{item.attempts}", by=by
    )


def letters_retry(job: Job, item_ids: list[int]) -> None:
    """Re-enqueue a letters job's failed items (commissioning.job_services.job_items_retry calls this)."""
    letter_ids = list(job.items.filter(pk__in=item_ids).values_list("target_id", flat=True))
    letters_send_task.enqueue(letter_ids, job.pk)


def reminders_schedule(letter: RequestLetter) -> None:
    """Enqueue each reminder for its day, when the backend can hold a job until then. Otherwise
    `manage.py send_reminders` (daily, from cron) sends them; either way each goes once."""
    if not default_task_backend.supports_defer:
        return
    now = timezone.now()
    for days in letter.reminder_days:
        day = letter.deadline - timedelta(days=days)
        run_after = timezone.make_aware(datetime.combine(day, REMINDER_TIME))
        if run_after > now:
            reminder_task.using(run_after=run_after).enqueue(letter.pk)


@task()
def reminder_task(letter_id: int) -> bool:
    """Send the reminder due now for one letter, if any is, and the partner has not replied."""
    letter = RequestLetter.objects.select_related("commission").get(pk=letter_id)
    return services.reminder_send(letter)


@task()
def reminders_send_due_task() -> int:
    return services.reminders_send_due()


@task()
def link_send_task(letter_id: int, key: str, by_id: int | None) -> bool:
    letter = RequestLetter.objects.select_related("commission").get(pk=letter_id)
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return services.link_send(letter, key, by)


@task()
def query_send_task(letter_id: int, key: str, message: str) -> bool:
    letter = RequestLetter.objects.select_related("commission").get(pk=letter_id)
    return services.query_send(letter, key, message)
