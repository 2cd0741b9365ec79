from django.apps import AppConfig


class AllocationsConfig(AppConfig):
    name = "allocations"
    verbose_name = "Allocations"

    def ready(self) -> None:
        from allocations import tasks
        from commissioning import job_services
        from commissioning.models import Job

        job_services.retry_handler_register(Job.Kind.TABLE_IMPORT, tasks.table_import_retry)
