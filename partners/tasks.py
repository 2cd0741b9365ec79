"""Background jobs of the request workflow, run by `manage.py db_worker` (`make run` starts one).

The backend never retries, and a job may still run twice (enqueued twice, or re-run by hand): each job is keyed by
what it produces. A letter's PDF is rendered once and kept; each e-mail is claimed under its own key before it is
sent (partners/services.py), so none is ever sent twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import default_task_backend, task

from commissioning.models import User
from partners import services
from partners.models import RequestLetter

REMINDER_TIME = time(9, 0)  # reminders go at nine in the morning of their day


@task()
def letters_send_task(letter_ids: list[int]) -> dict[str, int]:
    """Render each issued letter and e-mail its secure link; then schedule its reminders."""
    sent = failed = 0
    for letter in RequestLetter.objects.filter(pk__in=letter_ids).select_related("commission"):
        services.letter_pdf_ensure(letter)
        if services.issue_email_send(letter):
            sent += 1
        elif letter.emails.filter(key=f"letter-{letter.pk}:issue", status="failed").exists():
            failed += 1
        reminders_schedule(letter)
    return {"sent": sent, "failed": failed}


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
