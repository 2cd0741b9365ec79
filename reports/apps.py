from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from commissioning import job_services
        from commissioning.models import Job
        from reports import tasks

        job_services.retry_handler_register(Job.Kind.REPORT_PACK, tasks.report_pack_retry)
