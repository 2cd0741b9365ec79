"""The audit trail: every change to the project's models is kept with who made it, when, and what changed.

Built on django-simple-history (the README says why). A tracked model declares `history = AuditTrail()`; each
create, change and delete then writes a row of its historical model (`HistoricalCommission`, in the same app) in
the same database transaction, holding the whole row as it became, the time, the user and a reason.

Who made a change, in this order:

1. the user the code says it acts for: `with acting_as(user):` (a background import acts for the officer who
   confirmed it, though no request is running);
2. the signed-in user of the web request or API call (simple-history's middleware), so a service called from a
   view is attributed to the person who pressed the button without being told;
3. no one: a management command or the shell. `with acting_as(None, reason="…")` then says why (the demo loader
   does), and the history page says the change was made outside any signed-in session.

Not tracked, on purpose (`tests/test_history.py` holds this list against the registry):

- ledger transactions and postings: append-only (the database refuses UPDATE and DELETE), each already stamped
  with who posted it and when, so a history of them would only repeat them;
- the ledger head: the end of each commission's hash chain, rewritten by every posting and recomputable from the
  transactions (`ledger_check` does);
- an account's `balance`: a cached sum of its postings, which are the record; the rest of the account is tracked;
- an upload's file bytes (`ImportUpload.data`): kept once on the upload, not copied into every version of it;
  likewise an issued request letter's PDF (`RequestLetter.letter_pdf`), kept once with its SHA-256;
- submitted pro-forma returns and their lines: append-only like the ledger (the database refuses UPDATE and
  DELETE); a request's events, which are themselves the history of its transitions; rejected secure-link
  attempts, a rate-limit counter cleared after a day;
- a published decision's snapshots: append-only (the database refuses UPDATE and DELETE), each carrying the
  SHA-256 of its PDF and of its data;
- background jobs and their items: the worker's progress bookkeeping, stamped with who started and retried a job
  and when; the work they do (letters, e-mails, imports) is recorded where it is done;
- a user's password hash and last sign-in time: a hash is not for keeping in copies, and signing in is not a
  change to the record.

Bulk writes (`QuerySet.bulk_create`, `bulk_update`, `update`) send no signals, so history would miss them: write
tracked models in bulk through `bulk_create` and `bulk_update` here, which write the history rows in the same
transaction (`tests/test_history.py` looks for bulk calls on tracked models elsewhere).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.db import models, transaction
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Acting:
    user: Any  # a User, or None for "no one"
    reason: str


_acting: ContextVar[_Acting | None] = ContextVar("history_acting", default=None)


@contextmanager
def acting_as(user: Any, *, reason: str = "") -> Iterator[None]:
    """Attribute the changes made inside the block to `user` (None: to no one), with `reason` when given."""
    token = _acting.set(_Acting(user, reason))
    try:
        yield
    finally:
        _acting.reset(token)


def current_user(request: Any = None) -> Any:
    """Who the changes made now are by: the acting user, else the request's signed-in user, else None."""
    acting = _acting.get()
    if acting is not None:
        return acting.user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def current_reason() -> str | None:
    acting = _acting.get()
    return acting.reason if acting is not None and acting.reason else None


def _history_user(*, request: Any = None, **kwargs: Any) -> Any:
    return current_user(request)


class AuditTrail(HistoricalRecords):
    """simple-history's records with the project's rules: who (above), a reason from `acting_as`, and no version
    written by a save that touches only fields that are not kept (a sign-in updating `last_login`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("get_user", _history_user)
        # Versions only accumulate: a 64-bit key, like every other table here (DEFAULT_AUTO_FIELD).
        kwargs.setdefault("history_id_field", models.BigAutoField(primary_key=True))
        super().__init__(**kwargs)

    def post_save(self, instance: Any, created: bool, using: Any = None, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def get_change_reason_for_object(self, instance: Any, history_type: str, using: Any) -> str | None:
        return super().get_change_reason_for_object(instance, history_type, using) or current_reason()


def is_tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def tracked_models() -> list[type[models.Model]]:
    """Every model whose changes are kept."""
    return [model for model in apps.get_models() if is_tracked(model)]


def history_model_for(model: type[models.Model]) -> type[models.Model]:
    """The historical model that keeps `model`'s versions."""
    return getattr(model, model._meta.simple_history_manager_attribute).model  # type: ignore[attr-defined,no-any-return]


def bulk_create(model: type[M], objs: Iterable[M], *, batch_size: int | None = None) -> list[M]:
    """`model.objects.bulk_create(objs)` that also writes a "created" version of each, attributed as above.

    Returns the created objects with their primary keys (both databases return them from a bulk insert)."""
    objs = list(objs)
    if not objs:
        return []
    with transaction.atomic():
        return bulk_create_with_history(  # type: ignore[no-any-return]
            objs,
            model,
            batch_size=batch_size,
            default_change_reason=current_reason() or "",
        )


def bulk_update(model: type[M], objs: Sequence[M], fields: Sequence[str], *, batch_size: int | None = None) -> int:
    """`model.objects.bulk_update(objs, fields)` that also writes a "changed" version of each. Returns rows updated."""
    if not objs:
        return 0
    with transaction.atomic():
        return bulk_update_with_history(  # type: ignore[no-any-return]
            objs,
            model,
            list(fields),
            batch_size=batch_size,
            default_change_reason=current_reason() or "",
        )


def record_existing(tracked: Iterable[type[models.Model]], *, reason: str) -> int:
    """Give every row that has no version yet (rows loaded from a fixture, which sends no signals) a "created"
    version now, attributed as above, with `reason`. Returns how many versions were written."""
    written = 0
    for model in tracked:
        history = history_model_for(model)
        missing = list(model._default_manager.exclude(pk__in=history._default_manager.values("id")))
        if missing:
            manager = getattr(model, model._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]
            manager.bulk_history_create(missing, default_change_reason=reason)
            written += len(missing)
    return written
