"""Reading the audit trail: one object's versions, newest first, each with who, when and what changed.

A page of versions costs the same few queries however long the object's history is: a count, the page's versions
with their users (plus the one just before the page, to say what the oldest on the page changed), one query per
many-to-many field kept with the versions (a user's groups), and one per kind of related object the page's values
point to.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords
from simple_history.utils import get_m2m_reverse_field_name

from commissioning import history, roles
from commissioning.money import MoneyField

VERSIONS_PER_PAGE = 25
ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}


@dataclass(frozen=True)
class Value:
    """A field's value as the page shows it: money as a Decimal (the template formats it), the rest as text."""

    text: str = ""
    money: Decimal | None = None
    is_money: bool = False

    @property
    def is_empty(self) -> bool:
        return self.money is None if self.is_money else self.text == ""


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: Value | None  # None: the version created the object, so there was nothing before
    new: Value


@dataclass(frozen=True)
class Version:
    history_id: int
    at: datetime
    by: Any  # the User, or None when no one was signed in (a management command)
    action: str
    reason: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class ObjectHistory:
    model: type[models.Model]
    pk: int
    title: str
    url: str | None  # the object's own page, when it has one and still exists
    exists: bool
    page: Page  # type: ignore[type-arg]
    versions: list[Version]

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)


def tracked_model(app_label: str, model_name: str) -> type[models.Model] | None:
    """The project model named in a URL, if its history is kept; None for anything else (another app's model,
    a historical model itself, a model that is not tracked, a name that does not exist)."""
    if app_label not in roles.PROJECT_APPS:
        return None
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        return None
    if roles.is_history_model(model) or not history.is_tracked(model):
        return None
    return model


def shown_fields(model: type[models.Model]) -> list[models.Field]:  # type: ignore[type-arg]
    """The fields a version shows: those kept, less the key and what no one types (timestamps set on save)."""
    kept = history.history_model_for(model).tracked_fields  # type: ignore[attr-defined]
    return [field for field in kept if field.editable and not field.primary_key]


def object_history(model: type[models.Model], pk: int, *, page_number: Any = 1) -> ObjectHistory | None:
    """One page of an object's versions, newest first; None when the object never existed (no row, no versions)."""
    history_model = history.history_model_for(model)
    versions = history_model._default_manager.filter(id=pk).order_by("-history_date", "-history_id")
    paginator = Paginator(versions, VERSIONS_PER_PAGE)
    page = paginator.get_page(page_number)
    live = model._default_manager.filter(pk=pk).first()
    if live is None and paginator.count == 0:
        return None
    start = (page.number - 1) * VERSIONS_PER_PAGE
    # The page's versions and the one before the oldest of them, which that one is compared with.
    rows = list(versions.select_related("history_user")[start : start + VERSIONS_PER_PAGE + 1])
    fields = shown_fields(model)
    sets = _many_to_many(history_model, rows)
    related = _related_objects(fields, rows, sets)
    shown = [
        Version(
            history_id=row.history_id,
            at=row.history_date,
            by=row.history_user,
            action=ACTIONS.get(row.history_type, row.history_type),
            reason=row.history_change_reason or "",
            changes=_changes(fields, sets, row, rows[index + 1] if index + 1 < len(rows) else None, related),
        )
        for index, row in enumerate(rows[:VERSIONS_PER_PAGE])
    ]
    subject = live if live is not None else rows[0].instance if rows else None
    url = getattr(live, "get_absolute_url", None)
    return ObjectHistory(
        model=model,
        pk=pk,
        title=str(subject) if subject is not None else f"{model._meta.verbose_name} {pk}",
        url=url() if callable(url) else None,
        exists=live is not None,
        page=page,
        versions=shown,
    )


ManyToMany = dict[models.ManyToManyField, dict[int, frozenset[Any]]]  # type: ignore[type-arg]


def _many_to_many(history_model: Any, rows: Sequence[Any]) -> ManyToMany:
    """For each many-to-many field kept with the versions, the related ids each version held, in one query."""
    ids = [row.history_id for row in rows]
    kept: ManyToMany = {}
    for field in history_model._history_m2m_fields:
        rows_model = HistoricalRecords.m2m_models[field]
        target = f"{get_m2m_reverse_field_name(field)}_id"
        held: dict[int, set[Any]] = defaultdict(set)
        for history_id, target_id in rows_model._default_manager.filter(history_id__in=ids).values_list(
            "history_id", target
        ):
            held[history_id].add(target_id)
        kept[field] = {history_id: frozenset(targets) for history_id, targets in held.items()}
    return kept


def _changes(
    fields: Sequence[models.Field],  # type: ignore[type-arg]
    sets: ManyToMany,
    row: Any,
    before: Any,
    related: dict[type[models.Model], dict[Any, models.Model]],
) -> list[FieldChange]:
    """What a version changed: every value it set when it created the object (or when it is the first version
    kept of an object older than the audit trail), else each field whose value differs from the version before."""
    if row.history_type == "-":
        return []
    changes = []
    for m2m_field, held in sets.items():
        new_set = held.get(row.history_id, frozenset())
        if row.history_type == "+" or before is None:
            if new_set:
                changes.append(FieldChange(_label(m2m_field), None, _names(m2m_field, new_set, related)))
            continue
        old_set = held.get(before.history_id, frozenset())
        if old_set != new_set:
            changes.append(
                FieldChange(_label(m2m_field), _names(m2m_field, old_set, related), _names(m2m_field, new_set, related))
            )
    for field in fields:
        new = getattr(row, field.attname)
        if row.history_type == "+" or before is None:
            if new is None or new == "":
                continue
            changes.append(FieldChange(_label(field), None, _value(field, new, related)))
            continue
        old = getattr(before, field.attname)
        if old != new:
            changes.append(FieldChange(_label(field), _value(field, old, related), _value(field, new, related)))
    return changes


def _label(field: models.Field) -> str:  # type: ignore[type-arg]
    name = str(field.verbose_name)
    return name[:1].upper() + name[1:]


def _names(
    field: models.ManyToManyField,  # type: ignore[type-arg]
    ids: frozenset[Any],
    related: dict[type[models.Model], dict[Any, models.Model]],
) -> Value:
    """The related records a version held, by name, in order."""
    found = related.get(field.related_model, {})  # type: ignore[arg-type]
    return Value(text=", ".join(sorted(str(found[pk]) if pk in found else f"{pk} (deleted)" for pk in ids)))


def _related_objects(
    fields: Sequence[models.Field],  # type: ignore[type-arg]
    rows: Sequence[Any],
    sets: ManyToMany,
) -> dict[type[models.Model], dict[Any, models.Model]]:
    """Every object the rows' foreign keys and kept many-to-many fields point to, one query per related model,
    with what their names need."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for m2m_field, held in sets.items():
        wanted[m2m_field.related_model].update(*held.values())  # type: ignore[index]
    for field in fields:
        if field.is_relation and field.related_model is not None:
            wanted[field.related_model].update(
                value for row in rows if (value := getattr(row, field.attname)) is not None
            )
    return {
        model: model._default_manager.select_related().in_bulk(list(ids))  # type: ignore[misc]
        for model, ids in wanted.items()
        if ids
    }


def _value(
    field: models.Field,  # type: ignore[type-arg]
    value: Any,
    related: dict[type[models.Model], dict[Any, models.Model]],
) -> Value:
    if isinstance(field, MoneyField):
        return Value(money=value, is_money=True)
    if value is None or value == "":
        return Value()
    if field.is_relation and field.related_model is not None:
        target = related.get(field.related_model, {}).get(value)  # type: ignore[arg-type]
        if target is None:
            return Value(text=f"{field.related_model._meta.verbose_name} {value} (deleted)")  # type: ignore[union-attr]
        if isinstance(target, AbstractBaseUser):
            return Value(text=target.get_full_name() or target.get_username())  # type: ignore[attr-defined]
        return Value(text=str(target))
    return Value(text=_text(field, value))


def _text(field: models.Field, value: Any) -> str:  # type: ignore[type-arg]
    """A value that is neither money nor a link to another record, as words."""
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)
