"""Background work for allocations: importing a large table outside the request.

Run a worker with `python manage.py db_worker`; `TASKS_BACKEND=immediate` runs tasks in the process that enqueues
them (tests, and a demo without a worker).
"""

from __future__ import annotations

from django_tasks import task

from allocations.imports import services


@task()
def table_import_task(upload_id: int) -> str:
    """Import a confirmed upload; returns how it ended ("imported" or "failed"), which its page also shows."""
    try:
        upload = services.import_upload_execute(upload_id=upload_id)
    except Exception:
        # Not the file's fault (a database or worker failure): say so on the page, and let the worker log it.
        services.import_upload_fail(
            upload_id=upload_id, reason="The import stopped unexpectedly and nothing was imported. Try again."
        )
        raise
    return upload.status
