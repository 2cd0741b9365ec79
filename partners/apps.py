from typing import Any

from django.apps import AppConfig
from django.core import checks


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        checks.register(site_url_check, checks.Tags.security, deploy=True)

        from commissioning import job_services
        from commissioning.models import Job
        from partners import tasks

        job_services.retry_handler_register(Job.Kind.ISSUE_LETTERS, tasks.letters_retry)


def site_url_check(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """E-mailed secure links start with SITE_URL: over plain HTTP the token would cross the network readable."""
    from django.conf import settings

    if settings.SITE_URL.startswith("https://"):
        return []
    return [
        checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}: the secure links e-mailed to partners must start with https://.",
            hint="Set SITE_URL to the service's public https:// address.",
            id="partners.W001",
        )
    ]
