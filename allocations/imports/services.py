"""Writes for imported tables: a preview that writes nothing, a run that writes all or nothing, and the uploads
an officer confirms (at once for a small file, in a background task for a large one).

Reading a file is `allocations.imports.reading`; validating and saving its lines, `allocations.resources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from import_export.results import Result

from allocations import imports
from allocations.models import ImportUpload, TableImport
from allocations.resources import RESOURCES, AlreadyImportedError, ImportContext, TableRefusedError, TableResource
from commissioning import history, job_services
from commissioning.models import Commission, Job, User
from commissioning.money import format_pounds

PREVIEW_LINES = 200  # lines shown on the preview page; every line is still checked
PREVIEW_ERRORS = 100  # errors listed on a page; a file wrong on every row says so in the first hundred


class ImportRefusedError(ValidationError):
    """The import was refused and nothing was written; `messages` says why, row by row, in plain English."""


@dataclass(frozen=True)
class PreviewCell:
    text: str
    numeric: bool = False


@dataclass
class ImportPreview:
    """What importing a file would do, with nothing written: its lines as read and matched, the totals it
    states, notes, and every error (each starting "Row N:"). `already_imported` is the table it repeats, if any."""

    kind: str
    file_name: str
    read_as: str = ""
    headings: dict[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    lines: list[tuple[PreviewCell, ...]] = field(default_factory=list)
    line_count: int = 0
    totals: list[imports.StatedTotalLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    already_imported: TableImport | None = None

    @property
    def can_import(self) -> bool:
        return not self.errors and self.already_imported is None and self.line_count > 0

    @property
    def shown_errors(self) -> list[str]:
        return self.errors[:PREVIEW_ERRORS]

    @property
    def more_errors(self) -> int:
        return max(0, len(self.errors) - PREVIEW_ERRORS)


def _import_table(
    *,
    commission: Commission,
    kind: str,
    file_name: str,
    data: bytes,
    options: imports.ImportOptions,
    by: User | None,
    dry_run: bool,
) -> tuple[TableResource, Result, imports.RawTable]:
    table = imports.read_table(file_name=file_name, data=data)
    resource = RESOURCES[kind](
        context=ImportContext(commission=commission, options=options, by=by, file_name=file_name)
    )
    result = resource.import_data(
        imports.raw_dataset(table),
        dry_run=dry_run,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        retain_instance_in_row_result=True,
        user=by,
        file_name=file_name,
    )
    return resource, result, table


def _repeat_of(result: Result) -> TableImport | None:
    return next((e.error.table_import for e in result.base_errors if isinstance(e.error, AlreadyImportedError)), None)


def _import_errors(resource: TableResource, result: Result) -> list[str]:
    """Every problem with the import as plain sentences, in the order of the file's rows."""
    found: list[tuple[int, str]] = list(resource.prepared.errors if resource.prepared else [])
    lines = resource.prepared.lines if resource.prepared else []
    for invalid in result.invalid_rows:
        line = lines[invalid.number - 1]
        number = int(line[imports.ROW])
        for attribute, messages in invalid.error_dict.items():
            heading = resource.heading_for(attribute, line)
            where = f"Row {number}, {heading}" if heading else f"Row {number}"
            found += [(number, f"{where}: {message[:1].upper()}{message[1:]}") for message in messages]
    for number, errors in result.row_errors():
        row = int(lines[number - 1][imports.ROW]) if number <= len(lines) else number
        found += [(row, f"Row {row} could not be imported ({error.error}).") for error in errors]
    for error in result.base_errors:
        if not isinstance(error.error, AlreadyImportedError | TableRefusedError):
            found.append((0, str(error.error)))
    unique = dict.fromkeys(sorted(found, key=lambda item: item[0]))  # a row repeated in two years says it once
    return [message for _, message in unique]


PREVIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    imports.CONTRIBUTIONS: ("Row", "As stated", "Partner", "Amount"),
    imports.BASIS: ("Row", "As stated", "Partner", "Value"),
    imports.MONITORING: (
        *("Row", "As stated", "Work-stream", "Quarter", "Forecast", "Actual"),
        *("Allocation (stated)", "Variance (stated)"),
    ),
    imports.WORK_STREAM_ALLOCATIONS: ("Row", "As stated", "Work-stream", "Year", "Share", "Amount"),
}


def _preview_lines(resource: TableResource, result: Result) -> list[tuple[PreviewCell, ...]]:
    """The first PREVIEW_LINES lines as read and as matched; a line in error says so instead of its values."""
    assert resource.prepared is not None
    width = len(PREVIEW_COLUMNS[resource.kind])
    rows = []
    for line, row_result in zip(resource.prepared.lines[:PREVIEW_LINES], result.rows, strict=False):
        head = (PreviewCell(line[imports.ROW], numeric=True), PreviewCell(line.get("partner") or line["work_stream"]))
        if row_result.instance is None:
            rows.append((*head, PreviewCell("See the errors above"), *[PreviewCell("")] * (width - 3)))
        else:
            rows.append((*head, *_line_cells(resource.kind, row_result.instance)))
    return rows


def _line_cells(kind: str, line: Any) -> tuple[PreviewCell, ...]:
    if kind == imports.CONTRIBUTIONS:
        return (PreviewCell(line.partner.name), _money_cell(line.amount))
    if kind == imports.BASIS:
        return (PreviewCell(line.partner.name), PreviewCell(f"{line.value.normalize():,f}", numeric=True))
    if kind == imports.MONITORING:
        amounts = (line.forecast, line.actual, line.stated_allocation, line.stated_variance)
        stream = (PreviewCell(line.work_stream.name), PreviewCell(str(line.quarter), numeric=True))
        return (*stream, *(_money_cell(amount) for amount in amounts))
    share = "" if line.stated_share is None else f"{line.stated_share.normalize():f}%"
    return (
        PreviewCell(line.work_stream.name),
        PreviewCell(line.financial_year.label),
        PreviewCell(share, numeric=True),
        _money_cell(line.amount),
    )


def _money_cell(amount: Decimal | None) -> PreviewCell:
    return PreviewCell(format_pounds(amount), numeric=True)


def table_import_preview(
    *, commission: Commission, kind: str, file_name: str, data: bytes, options: imports.ImportOptions
) -> ImportPreview:
    """What importing `data` as a `kind` table would do, writing nothing.

    Every line is read, matched and validated exactly as the import would; none is saved, not even inside a
    transaction rolled back afterwards. A file that cannot be read at all gives a preview with that one error.
    (Not wrapped in a transaction of its own: it writes nothing, and django-import-export's dry run opens one.)
    """
    preview = ImportPreview(kind=kind, file_name=file_name)
    try:
        resource, result, table = _import_table(
            commission=commission, kind=kind, file_name=file_name, data=data, options=options, by=None, dry_run=True
        )
    except imports.TableFileError as error:
        preview.errors = [str(error)]
        return preview
    preview.read_as = table.read_as
    preview.already_imported = _repeat_of(result)
    preview.errors = _import_errors(resource, result)
    if resource.prepared is None:
        return preview
    preview.headings = resource.prepared.headings
    preview.columns, preview.lines = PREVIEW_COLUMNS[kind], _preview_lines(resource, result)
    preview.line_count = len(resource.prepared.lines)
    preview.totals, preview.notes = resource.prepared.totals, resource.prepared.notes
    return preview


@transaction.atomic
def table_import_run(
    *,
    commission: Commission,
    kind: str,
    file_name: str,
    data: bytes,
    options: imports.ImportOptions,
    by: User | None,
) -> tuple[TableImport, bool]:
    """Import `data` as a `kind` table into `commission`: every line and stated total, or nothing.

    Returns the TableImport and True; for a table imported before (the same normalised content and options),
    the earlier TableImport and False, having changed nothing. Raises `ImportRefusedError` listing every problem.
    """
    try:
        resource, result, _ = _import_table(
            commission=commission, kind=kind, file_name=file_name, data=data, options=options, by=by, dry_run=False
        )
    except imports.TableFileError as error:
        raise ImportRefusedError([str(error)]) from None
    repeat = _repeat_of(result)
    if repeat is not None:
        return repeat, False
    errors = _import_errors(resource, result)
    if errors or resource.table_import is None:
        # django-import-export has rolled its own savepoint back; raising rolls back this transaction too.
        raise ImportRefusedError(errors or ["The table could not be imported."])
    return resource.table_import, True


def import_upload_options(upload: ImportUpload) -> imports.ImportOptions:
    return imports.ImportOptions.from_json(upload.options, years=list(upload.commission.years.order_by("number")))


@transaction.atomic
def import_upload_create(
    *,
    commission: Commission,
    kind: str,
    options: imports.ImportOptions,
    file_name: str,
    data: bytes,
    by: User,
) -> ImportUpload:
    """Keep an uploaded file for its preview and confirmation. Nothing is imported yet.

    The file is read once here so that what cannot be read at all (too large, too many rows, not CSV or XLSX,
    an unknown encoding) is refused at once, as a ValidationError on `file`.
    """
    problems = options.problems(kind)
    if problems:
        raise ValidationError(problems)
    try:
        table = imports.read_table(file_name=file_name, data=data)
    except imports.TableFileError as error:
        raise ValidationError({"file": str(error)}) from None
    return ImportUpload.objects.create(
        commission=commission,
        kind=kind,
        options=options.to_json(),
        file_name=file_name[:255],
        data=data,
        row_count=len(table.rows),
        uploaded_by=by,
    )


def import_upload_preview(*, upload: ImportUpload, options: imports.ImportOptions | None = None) -> ImportPreview:
    """The preview of an upload waiting for confirmation (see `table_import_preview`); `options` are the upload's,
    when the caller has already read them."""
    return table_import_preview(
        commission=upload.commission,
        kind=upload.kind,
        file_name=upload.file_name,
        data=bytes(upload.data),
        options=options or import_upload_options(upload),
    )


@transaction.atomic
def import_upload_confirm(*, upload: ImportUpload, by: User) -> ImportUpload:
    """Import a previewed upload: at once when it has up to IMPORT_BACKGROUND_ROWS rows, else in a background
    task after this transaction commits. An upload is confirmed once; the returned one says how it stands."""
    locked = ImportUpload.objects.select_for_update().select_related("commission").get(pk=upload.pk)
    if locked.status != ImportUpload.Status.UPLOADED:
        raise ValidationError(f"This file is already {locked.get_status_display().lower()}.")
    locked.confirmed_at, locked.confirmed_by = timezone.now(), by
    if locked.row_count > settings.IMPORT_BACKGROUND_ROWS:
        locked.status = ImportUpload.Status.QUEUED
        locked.save(update_fields=["status", "confirmed_at", "confirmed_by"])
        job = job_services.job_create(
            kind=Job.Kind.TABLE_IMPORT,
            label=f"Import {locked.file_name}",
            by=by,
            commission=locked.commission,
            items=[job_services.ItemInput(label=f"{locked.file_name} ({locked.row_count:,} rows)", target=locked)],
        )
        transaction.on_commit(lambda: _enqueue_import(locked.pk, job.pk))
        return locked
    _import_upload(locked, by)
    return locked


def _enqueue_import(upload_id: int, job_id: int | None) -> None:
    # tasks.py imports this module to run the import; importing it here, when needed, avoids the cycle.
    from allocations.tasks import table_import_task

    result = table_import_task.enqueue(upload_id, job_id)
    # The worker's id for the task is bookkeeping, not a change anyone made: no version of the upload for it.
    ImportUpload.objects.filter(pk=upload_id).update(task_id=result.id)


def import_upload_execute(*, upload_id: int) -> ImportUpload:
    """Run a queued upload's import (the background task calls this). Not one transaction, on purpose: the upload
    is marked as being imported first, so the page can say so, and the import itself is all or nothing.
    A second delivery of the same task finds the upload no longer queued and changes nothing.

    Every change it makes is attributed in the audit trail to the officer who confirmed the upload."""
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().select_related("commission").get(pk=upload_id)
        if upload.status != ImportUpload.Status.QUEUED:
            return upload
        upload.status = ImportUpload.Status.RUNNING
        with history.acting_as(upload.confirmed_by):
            upload.save(update_fields=["status"])
    with history.acting_as(upload.confirmed_by), transaction.atomic():
        _import_upload(upload, upload.confirmed_by)
    return upload


def import_upload_requeue(*, upload_id: int, job_id: int, by: User | None) -> bool:
    """Queue a failed upload's import again (an officer retries its job) and enqueue it once this transaction
    commits; False, and nothing queued, when the upload is not failed (imported since, say). The import is all or
    nothing and refuses a table imported before, so running it again never imports anything twice."""
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().get(pk=upload_id)
        if upload.status != ImportUpload.Status.FAILED:
            return False
        upload.status, upload.errors, upload.finished_at = ImportUpload.Status.QUEUED, [], None
        with history.acting_as(by or upload.confirmed_by):
            upload.save(update_fields=["status", "errors", "finished_at"])
        transaction.on_commit(lambda: _enqueue_import(upload_id, job_id))
    return True


def import_upload_fail(*, upload_id: int, reason: str) -> None:
    """Record that an upload's import stopped for a reason other than its content; nothing was imported.
    Saved row by row (not a queryset update, which sends no signal) so the audit trail keeps the change."""
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.status == ImportUpload.Status.IMPORTED:
            return
        upload.status, upload.errors, upload.finished_at = ImportUpload.Status.FAILED, [reason], timezone.now()
        with history.acting_as(upload.confirmed_by):
            upload.save(update_fields=["status", "errors", "finished_at"])


def _import_upload(upload: ImportUpload, by: User | None) -> None:
    try:
        table, created = table_import_run(
            commission=upload.commission,
            kind=upload.kind,
            file_name=upload.file_name,
            data=bytes(upload.data),
            options=import_upload_options(upload),
            by=by,
        )
    except ImportRefusedError as refused:
        upload.status, upload.errors = ImportUpload.Status.FAILED, refused.messages
    else:
        upload.status, upload.table_import = ImportUpload.Status.IMPORTED, table
        upload.errors = [] if created else [str(AlreadyImportedError(table))]
    upload.finished_at = timezone.now()
    upload.save()
