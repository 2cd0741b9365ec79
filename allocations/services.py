"""Writes for formulas, contribution requests, year budgets, allocations and monitoring; one transaction each."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from import_export.results import Result

from allocations import formulas, imports
from allocations.models import (
    AllocationOverride,
    BasisDataset,
    BasisValue,
    CostCategory,
    Formula,
    FormulaParticipant,
    ImportUpload,
    MonitoringReturn,
    RoundingUnit,
    TableImport,
    WorkStreamAllocation,
    YearBudget,
)
from allocations.resources import RESOURCES, AlreadyImportedError, ImportContext, TableRefusedError, TableResource
from commissioning.models import Commission, FinancialYear, User, WorkStream
from commissioning.money import MoneyError, format_pounds, split, to_money
from partners.models import ContributionRequest, Partner


@dataclass(frozen=True)
class ParticipantInput:
    partner: Partner
    fixed_amount: Decimal | None = None


@dataclass(frozen=True)
class CategoryInput:
    name: str
    weight: Decimal
    source: str
    partner_kinds: tuple[str, ...]
    spread_dataset: BasisDataset | None = None


def formula_spec(formula: Formula, *, changes: dict[str, Any] | None = None) -> formulas.FormulaSpec:
    """The pure description of a saved formula, in a fixed number of queries, for `formulas.compute`.

    `changes` (a scenario's) are applied on the way: see `allocations.scenarios`.
    """
    participants = list(formula.participants.select_related("partner").order_by("partner__name"))
    categories = list(formula.cost_categories.select_related("spread_dataset").order_by("position", "name"))
    dataset_ids = {formula.basis_dataset_id} | {c.spread_dataset_id for c in categories}
    values: dict[int, dict[int, Decimal]] = {}
    for value in BasisValue.objects.filter(dataset_id__in=[pk for pk in dataset_ids if pk]):
        values.setdefault(value.dataset_id, {})[value.partner_id] = value.value
    basis_values = values.get(formula.basis_dataset_id or 0, {})
    basis = {}
    if formula.basis_dataset_id:
        dataset = formula.basis_dataset
        basis = {"name": dataset.name, "measure": dataset.measure, "source": dataset.source, "vintage": dataset.vintage}
    return formulas.FormulaSpec(
        method=formula.method,
        total=formula.total,
        unit=formula.unit,
        basis=basis,
        participants=tuple(
            formulas.Participant(
                partner_id=p.partner_id,
                name=p.partner.name,
                kind=p.partner.kind,
                fixed_amount=p.fixed_amount,
                basis_value=basis_values.get(p.partner_id),
            )
            for p in participants
        ),
        categories=tuple(
            formulas.Category(
                name=c.name,
                weight=c.weight,
                source=c.source,
                partner_kinds=tuple(c.partner_kinds),
                spread_dataset=str(c.spread_dataset) if c.spread_dataset_id else None,
                spread_values=values.get(c.spread_dataset_id, {}) if c.spread_dataset_id else None,
            )
            for c in categories
        ),
    )


def formula_compute(formula: Formula) -> formulas.FormulaResult:
    """A saved formula's yearly lines; a formula that cannot be computed raises ValidationError saying why."""
    try:
        return formulas.compute(formula_spec(formula))
    except formulas.FormulaError as error:
        raise ValidationError(str(error)) from None


def _check_total(total: Decimal | None, rounding_unit: str) -> None:
    if total is None:
        return
    unit = Decimal(rounding_unit)
    if total != total.quantize(unit):
        units = RoundingUnit(rounding_unit).label.lower()
        raise ValidationError({"total": f"{format_pounds(total, pence=True)} is not a whole number of {units}."})


@transaction.atomic
def formula_create(
    *,
    commission: Commission,
    name: str,
    method: str,
    by: User | None,
    participants: list[ParticipantInput],
    total: Decimal | None = None,
    rounding_unit: str = RoundingUnit.POUND,
    basis_dataset: BasisDataset | None = None,
    categories: list[CategoryInput] | None = None,
    note: str = "",
    supersedes: Formula | None = None,
) -> Formula:
    """A new formula (version 1, or the next version of `supersedes`) with its participants and categories.

    The formula is computed before anything is kept: one that cannot be computed is refused whole.
    """
    version = supersedes.version + 1 if supersedes else 1
    formula = Formula(
        commission=commission,
        name=supersedes.name if supersedes else name,
        version=version,
        method=method,
        total=total,
        rounding_unit=rounding_unit,
        basis_dataset=basis_dataset,
        note=note,
        supersedes=supersedes,
        created_by=by,
    )
    formula.full_clean()
    _check_total(total, rounding_unit)
    formula.save()
    member_ids = set(commission.memberships.values_list("partner_id", flat=True))
    rows = []
    for participant in participants:
        if participant.partner.pk not in member_ids:
            raise ValidationError(f"{participant.partner} is not a partner of {commission}.")
        if method == Formula.Method.FIXED and participant.fixed_amount is None:
            raise ValidationError(f"{participant.partner} needs an amount in a fixed formula.")
        row = FormulaParticipant(formula=formula, partner=participant.partner, fixed_amount=participant.fixed_amount)
        row.full_clean()
        rows.append(row)
    FormulaParticipant.objects.bulk_create(rows)
    for position, category in enumerate(categories or []):
        row = CostCategory(
            formula=formula,
            name=category.name,
            weight=category.weight,
            source=category.source,
            partner_kinds=list(category.partner_kinds),
            spread_dataset=category.spread_dataset,
            position=position,
        )
        row.full_clean()
        row.save()
    formula_compute(formula)  # refuse, and roll back, a formula that cannot be computed
    return formula


@transaction.atomic
def formula_revise(
    *,
    formula: Formula,
    by: User | None,
    total: Decimal | None | object = ...,
    participants: list[ParticipantInput] | None = None,
    categories: list[CategoryInput] | None = None,
    basis_dataset: BasisDataset | None | object = ...,
    note: str | None = None,
) -> Formula:
    """The next version of a formula with the given changes; the earlier version stays as it was, for history."""
    latest = Formula.objects.select_for_update().get(pk=formula.pk)
    if hasattr(latest, "superseded_by"):
        raise ValidationError(f"{latest} has already been revised; revise version {latest.superseded_by.version}.")
    if participants is None:
        participants = [
            ParticipantInput(partner=p.partner, fixed_amount=p.fixed_amount)
            for p in latest.participants.select_related("partner")
        ]
    if categories is None:
        categories = [
            CategoryInput(c.name, c.weight, c.source, tuple(c.partner_kinds), c.spread_dataset)
            for c in latest.cost_categories.select_related("spread_dataset")
        ]
    return formula_create(
        commission=latest.commission,
        name=latest.name,
        method=latest.method,
        by=by,
        participants=participants,
        total=latest.total if total is ... else total,  # type: ignore[arg-type]
        rounding_unit=latest.rounding_unit,
        basis_dataset=latest.basis_dataset if basis_dataset is ... else basis_dataset,  # type: ignore[arg-type]
        categories=categories,
        note=latest.note if note is None else note,
        supersedes=latest,
    )


@transaction.atomic
def requests_draft(*, formula: Formula, by: User | None) -> list[ContributionRequest]:
    """Draft contribution requests from a formula: one per partner per financial year of the commission.

    Earlier drafts of the commission are replaced (drafts have been sent to no one); the lines of each
    year sum exactly to the formula's total. Each request keeps the partner's name and the provenance.
    """
    if hasattr(formula, "superseded_by"):
        raise ValidationError(f"{formula} has been superseded by version {formula.superseded_by.version}.")
    result = formula_compute(formula)
    commission = formula.commission
    ContributionRequest.objects.filter(commission=commission, status=ContributionRequest.Status.DRAFT).delete()
    years = list(commission.years.order_by("number"))
    stamp = {"formula": formula.name, "formula_id": formula.pk, "version": formula.version}
    requests = [
        ContributionRequest(
            commission=commission,
            partner_id=line.partner_id,
            partner_name=line.name,
            financial_year=year,
            formula=formula,
            amount=line.amount,
            provenance={**stamp, **line.provenance},
            created_by=by,
        )
        for year in years
        for line in result.lines
    ]
    return ContributionRequest.objects.bulk_create(requests)


def _pooled_streams(commission: Commission) -> list[WorkStream]:
    return list(
        commission.work_streams.filter(pooled_share__isnull=False, valid_to__isnull=True).order_by("position", "name")
    )


@transaction.atomic
def year_budget_set(
    *,
    financial_year: FinancialYear,
    amount: Decimal,
    by: User | None,
    rounding_unit: str = RoundingUnit.POUND,
    note: str = "",
) -> list[WorkStreamAllocation]:
    """Set a year's pooled budget and split it across the pooled work-streams by their shares.

    The split is by largest remainder to the unit, so the lines sum exactly to the budget, and each line says
    whether it took a rounding unit. A line an officer has overridden keeps its override (the page shows the
    difference); every other line takes the new figure. Returns the year's allocations in work-stream order.
    """
    try:
        amount = to_money(amount)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": str(error)}) from None
    if amount < 0:
        raise ValidationError({"amount": "A year's budget cannot be negative."})
    _check_total(amount, rounding_unit)
    streams = _pooled_streams(financial_year.commission)
    if not streams:
        raise ValidationError(f"{financial_year.commission} has no pooled work-streams to allocate to.")
    budget, _ = YearBudget.objects.select_for_update().get_or_create(
        financial_year=financial_year, defaults={"amount": amount, "rounding_unit": rounding_unit, "set_by": by}
    )
    budget.amount, budget.rounding_unit, budget.set_by, budget.note = amount, rounding_unit, by, note
    budget.full_clean()
    budget.save()
    result = split(amount, [stream.pooled_share for stream in streams], Decimal(rounding_unit))  # type: ignore[misc]
    existing = {
        allocation.work_stream_id: allocation
        for allocation in WorkStreamAllocation.objects.select_for_update().filter(financial_year=financial_year)
    }
    allocations = []
    for index, stream in enumerate(streams):
        allocation = existing.get(stream.pk) or WorkStreamAllocation(financial_year=financial_year, work_stream=stream)
        allocation.computed_amount = result.parts[index]
        allocation.took_rounding = index in result.rounded
        if not allocation.is_overridden:
            allocation.amount = result.parts[index]
        allocation.save()
        allocations.append(allocation)
    return allocations


@transaction.atomic
def allocation_override(
    *, allocation: WorkStreamAllocation, amount: Decimal, reason: str, by: User | None
) -> WorkStreamAllocation:
    """Replace an allocation line's amount, with a reason; the change is kept in the line's history.

    Setting the line back to its computed amount ends the override (the history keeps both changes).
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the allocation differs from the formula."})
    try:
        amount = to_money(amount)
    except (MoneyError, TypeError) as error:
        raise ValidationError({"amount": str(error)}) from None
    if amount < 0:
        raise ValidationError({"amount": "An allocation cannot be negative."})
    locked = WorkStreamAllocation.objects.select_for_update().get(pk=allocation.pk)
    if amount == locked.amount:
        raise ValidationError({"amount": f"The allocation is already {format_pounds(amount)}."})
    AllocationOverride.objects.create(
        allocation=locked, previous_amount=locked.amount, new_amount=amount, reason=reason, by=by
    )
    locked.amount = amount
    if amount == locked.computed_amount:
        locked.override_reason, locked.overridden_at, locked.overridden_by = "", None, None
    else:
        locked.override_reason, locked.overridden_at, locked.overridden_by = reason, timezone.now(), by
    locked.save()
    return locked


@transaction.atomic
def monitoring_return_record(
    *,
    financial_year: FinancialYear,
    work_stream: WorkStream,
    quarter: int,
    forecast: Decimal,
    by: User | None,
    actual: Decimal | None = None,
) -> MonitoringReturn:
    """Record one quarter's forecast outturn and actual spend for a work-stream. A quarter is recorded once."""
    if work_stream.commission_id != financial_year.commission_id:
        raise ValidationError(f"{work_stream} is not a work-stream of {financial_year.commission}.")
    recorded = MonitoringReturn.objects.filter(financial_year=financial_year, work_stream=work_stream, quarter=quarter)
    if recorded.exists():
        raise ValidationError(f"Quarter {quarter} of {financial_year} is already recorded for {work_stream}.")
    monitoring = MonitoringReturn(
        financial_year=financial_year,
        work_stream=work_stream,
        quarter=quarter,
        forecast=forecast,
        actual=actual,
        recorded_by=by,
    )
    monitoring.full_clean()
    monitoring.save()
    return monitoring


# Imported tables ------------------------------------------------------------------------------------------
# Reading a file is `allocations.imports`; validating and saving its lines, `allocations.resources`. These services
# hold an import together: a preview that writes nothing, a run that writes all or nothing, and the upload a
# person confirms (at once for a small file, in a background task for a large one).

PREVIEW_LINES = 200  # lines shown on the preview page; every line is still checked


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


def _preview_lines(resource: TableResource, result: Result) -> tuple[tuple[str, ...], list[tuple[PreviewCell, ...]]]:
    assert resource.prepared is not None
    kind = resource.kind
    money = _money_cell
    columns: dict[str, tuple[str, ...]] = {
        imports.CONTRIBUTIONS: ("Row", "As stated", "Partner", "Amount"),
        imports.BASIS: ("Row", "As stated", "Partner", "Value"),
        imports.MONITORING: ("Row", "As stated", "Work-stream", "Quarter", "Forecast", "Actual", "Allocation (stated)")
        + ("Variance (stated)",),
        imports.WORK_STREAM_ALLOCATIONS: ("Row", "As stated", "Work-stream", "Year", "Share", "Amount"),
    }
    rows = []
    for line, row_result in zip(resource.prepared.lines[:PREVIEW_LINES], result.rows, strict=False):
        stated = line.get("partner") or line.get("work_stream", "")
        head = (PreviewCell(line[imports.ROW], numeric=True), PreviewCell(stated))
        instance = row_result.instance
        if instance is None:
            rows.append((*head, PreviewCell("See the errors above"), *[PreviewCell("")] * (len(columns[kind]) - 3)))
            continue
        values: tuple[PreviewCell, ...]
        if kind == imports.CONTRIBUTIONS:
            values = (PreviewCell(instance.partner.name), money(instance.amount))
        elif kind == imports.BASIS:
            values = (PreviewCell(instance.partner.name), PreviewCell(f"{instance.value:,f}", numeric=True))
        elif kind == imports.MONITORING:
            values = (PreviewCell(instance.work_stream.name), PreviewCell(str(instance.quarter), numeric=True))
            values += tuple(
                money(amount)
                for amount in (instance.forecast, instance.actual, instance.stated_allocation, instance.stated_variance)
            )
        else:
            share = "" if instance.stated_share is None else f"{instance.stated_share.normalize():f}%"
            values = (PreviewCell(instance.work_stream.name), PreviewCell(instance.financial_year.label))
            values += (PreviewCell(share, numeric=True), money(instance.amount))
        rows.append((*head, *values))
    return columns[kind], rows


def _money_cell(amount: Decimal | None) -> PreviewCell:
    return PreviewCell(format_pounds(amount), numeric=True)


@transaction.atomic
def table_import_preview(
    *, commission: Commission, kind: str, file_name: str, data: bytes, options: imports.ImportOptions
) -> ImportPreview:
    """What importing `data` as a `kind` table would do, writing nothing.

    Every line is read, matched and validated exactly as the import would; none is saved, not even inside a
    transaction rolled back afterwards. A file that cannot be read at all gives a preview with that one error.
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
    preview.columns, preview.lines = _preview_lines(resource, result)
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


def import_upload_preview(*, upload: ImportUpload) -> ImportPreview:
    """The preview of an upload waiting for confirmation (see `table_import_preview`)."""
    return table_import_preview(
        commission=upload.commission,
        kind=upload.kind,
        file_name=upload.file_name,
        data=bytes(upload.data),
        options=import_upload_options(upload),
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
        transaction.on_commit(lambda: _enqueue_import(locked.pk))
        return locked
    _import_upload(locked, by)
    return locked


def _enqueue_import(upload_id: int) -> None:
    # tasks.py imports this module to run the import; importing it here, when needed, avoids the cycle.
    from allocations.tasks import table_import_task

    result = table_import_task.enqueue(upload_id)
    ImportUpload.objects.filter(pk=upload_id).update(task_id=result.id)


def import_upload_execute(*, upload_id: int) -> ImportUpload:
    """Run a queued upload's import (the background task calls this). Not one transaction, on purpose: the upload
    is marked as being imported first, so the page can say so, and the import itself is all or nothing.
    A second delivery of the same task finds the upload no longer queued and changes nothing."""
    with transaction.atomic():
        upload = ImportUpload.objects.select_for_update().select_related("commission").get(pk=upload_id)
        if upload.status != ImportUpload.Status.QUEUED:
            return upload
        upload.status = ImportUpload.Status.RUNNING
        upload.save(update_fields=["status"])
    with transaction.atomic():
        _import_upload(upload, upload.confirmed_by)
    return upload


def import_upload_fail(*, upload_id: int, reason: str) -> None:
    """Record that an upload's import stopped for a reason other than its content; nothing was imported."""
    ImportUpload.objects.filter(pk=upload_id).exclude(status=ImportUpload.Status.IMPORTED).update(
        status=ImportUpload.Status.FAILED, errors=[reason], finished_at=timezone.now()
    )


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
