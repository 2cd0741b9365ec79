"""The database's refusal to change posted ledger rows, installed by migration 0005.

PostgreSQL: a row trigger on UPDATE and DELETE raises an error. SQLite: triggers RAISE(ABORT). Neither database
lets an application, an admin or a stray SQL statement edit or remove a posted transaction or posting.

One exception exists, for tests only: emptying the whole database between browser tests. PostgreSQL does that
with TRUNCATE, which row triggers do not see; SQLite has no TRUNCATE and deletes row by row, so its DELETE trigger
asks `ledger_flush_allowed()`, a function this module registers on each SQLite connection. It answers 1 only
while `flush_allowed()` is active, which nothing but the test suite's flush uses. Outside this process (the
sqlite3 shell, another program) the function does not exist and the trigger still refuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_FLUSHING = False
TABLES = ("commissioning_ledgertransaction", "commissioning_posting")
MESSAGE = "ledger rows are append-only: post a reversing transaction instead"


def _flush_allowed() -> int:
    return 1 if _FLUSHING else 0


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("ledger_flush_allowed", 0, _flush_allowed)


@contextmanager
def flush_allowed() -> Iterator[None]:
    """Let the test suite empty the database (SQLite only needs it)."""
    global _FLUSHING
    _FLUSHING = True
    try:
        yield
    finally:
        _FLUSHING = False


def install_sql(
    vendor: str,
    tables: tuple[str, ...] = TABLES,
    message: str = MESSAGE,
    function: str = "commissioning_ledger_append_only",
) -> list[str]:
    """The statements that make `tables` append-only. Other append-only tables (submitted pro-forma returns) use
    the same triggers with their own message and PostgreSQL function."""
    if vendor == "postgresql":
        statements = [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; "
            "END $$"
        ]
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
        return statements
    if vendor == "sqlite":
        statements = []
        for table in tables:
            statements.append(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message} ({table} cannot be updated)'); END"
            )
            statements.append(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN ledger_flush_allowed() = 0 "
                f"BEGIN SELECT RAISE(ABORT, '{message} ({table} cannot be deleted)'); END"
            )
        return statements
    raise ImproperlyConfigured(
        f"The ledger's append-only triggers are written for PostgreSQL and SQLite only, not {vendor}."
    )


def remove_sql(
    vendor: str, tables: tuple[str, ...] = TABLES, function: str = "commissioning_ledger_append_only"
) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in tables] + [
            f"DROP FUNCTION IF EXISTS {function}()"
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_{what}" for table in tables for what in ("no_update", "no_delete")]
