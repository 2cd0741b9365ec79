"""Send every reminder that is due today and not yet sent. Run it daily (cron) as well as the worker: each
reminder is keyed, so running both, or this twice, sends nothing twice."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from partners import services


class Command(BaseCommand):
    help = "E-mail the pro-forma reminders due today (each at most once)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.reminders_send_due()
        self.stdout.write(f"Sent {sent} reminder{'s' if sent != 1 else ''}.")
