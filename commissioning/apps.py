from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissions"

    def ready(self) -> None:
        from commissioning.ledger_guard import register_sqlite_function

        # SQLite's ledger triggers call a function that must exist on every connection (see ledger_guard.py).
        connection_created.connect(register_sqlite_function, dispatch_uid="commissioning-ledger-guard")
