"""django-import-export resources for imported tables, one per kind, shared by the officer pages and the admin.

A resource is given the table as read (`imports.raw_dataset`) and, in `before_import`, prepares it: headings to
columns, total rows to stated totals, the content hash that recognises a table imported before. It then creates
the `TableImport` the lines belong to and imports the lines in bulk. Widgets read the cells exactly (amounts as
finance teams write them, names however they are spaced or capitalised) and say in plain English what is wrong.

- Lines are always new rows of a new table, so `force_init_instance` skips the per-row "does it exist?" lookup
  that an instance loader (cached or not) would make. Partners, work-streams and years are each loaded once per
  import and matched in memory.
- Lines are written in bulk (`use_bulk`), through the audit trail's `history.bulk_create`, so each line has its
  "created" version like any other row (a plain bulk insert sends no signals). A dry run (the preview) writes
  nothing at all: it validates every line in Python and skips the bulk insert, rather than inserting and rolling
  back.
- Constraints are checked in Python too (a duplicate partner, a quarter already recorded), once per table, so a
  20,000-row file costs a handful of queries, not several per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import tablib
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from import_export import fields, resources, widgets
from import_export.formats import base_formats

from allocations import imports
from allocations.exports import SafeExportMixin
from allocations.imports import ROW, ImportOptions, NameMatcher, TableFileError
from allocations.models import (
    BasisDataset,
    BasisValue,
    ImportedContribution,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    StatedTotal,
    TableImport,
)
from commissioning import history
from commissioning.models import Commission, FinancialYear, User, WorkStream
from partners.models import Partner


@dataclass(frozen=True)
class ImportContext:
    """What a resource needs besides the file: the commission it imports into, the options, who is importing."""

    commission: Commission
    options: ImportOptions
    by: User | None
    file_name: str = ""


class AlreadyImportedError(Exception):
    """The same table (by the hash of its normalised content) is already imported: importing it again changes
    nothing."""

    def __init__(self, table_import: TableImport) -> None:
        self.table_import = table_import
        when = date_format(timezone.localtime(table_import.imported_at), "j F Y")
        super().__init__(
            f"This table was already imported on {when} as '{table_import.title}'; importing it again changes nothing."
        )


class TableRefusedError(Exception):
    """Rows that preparing the table found wrong (a total that is not an amount, a value with no heading)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(message for _, message in errors))


# Widgets ---------------------------------------------------------------------------------------------------


class MoneyWidget(widgets.NumberWidget):
    """Pounds as finance teams write them (`£7,000`, `(1,200)`); exported as a number, never as text."""

    def __init__(self, *, required: bool = True, allow_negative: bool = True, what: str = "amount") -> None:
        super().__init__(coerce_to_string=True)
        self.required, self.allow_negative, self.what = required, allow_negative, what

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        amount = imports.parse_money("" if value is None else str(value))
        if amount is None:
            if self.required:
                raise ValueError(f"the {self.what} is missing.")
            return None
        if amount < 0 and not self.allow_negative:
            raise ValueError(f"'{imports.squash(value)}' is negative; a {self.what} cannot be less than £0.")
        return amount

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else f"{value:f}"


class MeasureWidget(widgets.DecimalWidget):
    """A basis value (a population, a count of calls): exact, never negative."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        number = imports.parse_number("" if value is None else str(value))
        if number is None:
            raise ValueError("the value is missing.")
        return number


class ShareWidget(widgets.DecimalWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return imports.parse_share("" if value is None else str(value))


class QuarterWidget(widgets.IntegerWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        quarter = imports.parse_quarter("" if value is None else str(value))
        if quarter is None:
            raise ValueError("the quarter is missing; write 1, 2, 3 or 4.")
        return quarter


class MatchedWidget(widgets.ForeignKeyWidget):
    """A foreign key found by name among the things a resource allows (its commission's partners, work-streams or
    years), loaded once per import. Exports the related object's `field`."""

    def __init__(self, model: type[models.Model], field: str = "name") -> None:
        super().__init__(model, field=field)
        self.matcher: Any = None  # set by the resource: a callable giving the NameMatcher

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if self.matcher is None:
            raise ValueError("Import into a commission: names are looked up among its partners and work-streams.")
        return self.matcher().match("" if value is None else str(value))


def _plain(attribute: str, column: str, **kwargs: Any) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=column, **kwargs)


# Resources -------------------------------------------------------------------------------------------------


class TableResource(SafeExportMixin, resources.ModelResource):
    """Imports one kind of table into a commission, all or nothing; exports its lines safely."""

    kind: ClassVar[str]
    # The attributes that identify a line within its table, and the field a duplicate is reported against.
    unique_by: ClassVar[tuple[str, ...]]
    # Foreign keys set from the context or matched in memory: `full_clean` would query each one, row by row.
    related: ClassVar[tuple[str, ...]]
    # How a line finds its table, and the order an export lists lines in.
    table_lookup: ClassVar[str] = "table_import"
    line_order: ClassVar[tuple[str, ...]] = ("row_number", "pk")

    class Meta:
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        force_init_instance = True
        store_instance = True
        clean_model_instances = True

    def __init__(self, context: ImportContext | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.context = context
        self.prepared: imports.PreparedTable | None = None
        self.table_import: TableImport | None = None
        self._seen: dict[tuple[Any, ...], int] = {}
        self._row_number = 0
        self._dry_run = False
        for field in self.fields.values():
            if isinstance(field.widget, MatchedWidget):
                field.widget.matcher = self._matcher_for(field.widget.model)

    # What the resource looks names up in, each loaded once.

    def _matcher_for(self, model: type[models.Model]) -> Any:
        return {
            Partner: lambda: self.partners,
            WorkStream: lambda: self.work_streams,
            FinancialYear: lambda: self.year_labels,
        }.get(model)

    def _commission(self) -> Commission:
        if self.context is None:
            raise TableFileError("Say which commission the table is for.")
        return self.context.commission

    @cached_property
    def years(self) -> list[FinancialYear]:
        return list(self._commission().years.order_by("number"))

    @cached_property
    def partners(self) -> NameMatcher[Partner]:
        members = Partner.objects.filter(memberships__commission=self._commission()).distinct().order_by("name")
        return NameMatcher(members, name=lambda partner: partner.name, what="a partner of this commission")

    @cached_property
    def work_streams(self) -> NameMatcher[WorkStream]:
        return NameMatcher(
            self._commission().work_streams.order_by("position", "name"),
            name=lambda stream: stream.name,
            what="a work-stream of this commission",
            aliases=imports.WORK_STREAM_ALIASES,
            short=lambda name: None,
        )

    @cached_property
    def year_labels(self) -> NameMatcher[FinancialYear]:
        return NameMatcher(
            self.years, name=lambda year: year.label, what="a financial year of this commission", short=lambda n: None
        )

    # The import, around django-import-export's own.

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, **kwargs: Any) -> Any:
        self._dry_run = dry_run  # before_import is not told; it must not save the table in a preview
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        """Prepare the table as read, refuse a repeat, start the TableImport, and leave only its lines to import."""
        try:
            commission = self._commission()
            options = self.context.options  # type: ignore[union-attr]
            problems = options.problems(self.kind)
            if problems:
                raise TableFileError(" ".join(problems))
            headings, rows = imports.table_from_dataset(dataset)
            self.prepared = imports.prepare_table(
                kind=self.kind, headings=headings, rows=rows, options=options, years=self.years
            )
            repeat = TableImport.objects.filter(
                commission=commission, kind=self.kind, file_sha256=self.prepared.sha256
            ).first()
            if repeat is not None:
                raise AlreadyImportedError(repeat)
            self.table_import = self._start_table(kwargs)
        except Exception:
            dataset.wipe()  # nothing is left to import row by row; the error is the result
            raise
        lines = self.prepared.dataset()
        dataset.wipe()
        dataset.headers = lines.headers
        for line in lines:
            dataset.append(line)

    def _start_table(self, kwargs: dict[str, Any]) -> TableImport:
        context = self.context
        assert context is not None
        assert self.prepared is not None
        options = context.options
        by = kwargs.get("user") if isinstance(kwargs.get("user"), User) else context.by
        table = TableImport(
            commission=context.commission,
            kind=self.kind,
            title=options.title.strip(),
            source=options.source.strip(),
            financial_year=options.financial_year if self.kind in {imports.CONTRIBUTIONS, imports.MONITORING} else None,
            file_name=(kwargs.get("file_name") or context.file_name)[:255],
            file_sha256=self.prepared.sha256,
            row_count=self.prepared.line_rows,
            imported_by=by,
        )
        if not self._dry_run:
            table.save()
        return table

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        self._row_number = int(row[ROW])

    def init_instance(self, row: Any = None) -> Any:
        instance = self._meta.model()
        self.attach(instance, row)
        return instance

    def attach(self, instance: Any, row: Any) -> None:
        """Set what every line of the table shares (its table, its year), before its cells are read."""
        instance.table_import = self.table_import

    def validate_instance(
        self, instance: Any, import_validation_errors: dict[str, Any] | None = None, validate_unique: bool = True
    ) -> None:
        errors: dict[str, Any] = dict(import_validation_errors or {})
        for name, message in self.line_problems(instance, errors):
            errors.setdefault(name, ValidationError(message))
        try:
            # Related objects were matched among the commission's own; unique and check constraints are checked in
            # `line_problems` and by the database. Checking them here would cost queries on every row.
            instance.full_clean(exclude=[*errors, *self.related], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def line_problems(self, instance: Any, errors: dict[str, Any]) -> list[tuple[str, str]]:
        """What is wrong with a line given the lines before it: here, that it repeats one."""
        key = tuple(getattr(instance, name, None) for name in self.unique_by)
        if None in key or any(name.removesuffix("_id") in errors for name in self.unique_by):
            return []
        first = self._seen.setdefault(key, self._row_number)
        if first == self._row_number:
            return []
        return [(self.unique_by[0].removesuffix("_id"), f"{self.describe(instance)} is already on row {first}.")]

    def describe(self, instance: Any) -> str:
        return str(instance)

    def bulk_create(
        self, using_transactions: bool, dry_run: bool, raise_errors: bool, batch_size: int | None = None, result=None
    ) -> None:  # type: ignore[no-untyped-def]
        if dry_run:
            self.create_instances.clear()  # a preview writes nothing, not even inside a transaction it rolls back
            return
        if not self.create_instances:
            return
        try:
            history.bulk_create(self._meta.model, self.create_instances, batch_size=batch_size)
        except Exception as error:  # as import-export's own bulk_create: the result collects it, or it is raised
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def after_import(self, dataset: tablib.Dataset, result: Any, **kwargs: Any) -> None:
        """Keep the table's stated totals once every line is in; refuse the table if preparing it found errors."""
        if self.prepared is None:
            return
        if self.prepared.errors:
            raise TableRefusedError(self.prepared.errors)
        if self._dry_run or result.has_errors() or result.has_validation_errors():
            return
        history.bulk_create(
            StatedTotal,
            (
                StatedTotal(
                    table_import=self.table_import,
                    column=total.column,
                    label=total.label[:300],
                    row_number=total.row_number,
                    financial_year=total.financial_year,
                    amount=total.amount,
                )
                for total in self.prepared.totals
            ),
        )
        super().after_import(dataset, result, **kwargs)

    def heading_for(self, attribute: str, line: dict[str, str]) -> str | None:
        """The file's heading for a field's errors; None for name fields, whose messages quote the name."""
        field = next((f for f in self.fields.values() if f.attribute == attribute), None)
        if field is None or isinstance(field.widget, MatchedWidget) and field.column_name != "financial_year":
            return None
        assert self.prepared is not None
        heading = self.prepared.headings.get(field.column_name) or line.get("_heading")
        return heading or field.column_name.replace("_", " ").capitalize()


class ContributionResource(TableResource):
    """An allocation table: the amount asked of (or pledged by) each partner, and the total it states."""

    kind = imports.CONTRIBUTIONS
    unique_by = ("partner_id",)
    related = ("table_import", "partner")

    table = _plain("table_import__title", "table", readonly=True)
    row = _plain("row_number", ROW, widget=widgets.IntegerWidget())
    partner = _plain("partner", "partner", widget=MatchedWidget(Partner))
    name_as_stated = _plain("name_as_stated", "name as stated", readonly=True)
    amount = _plain("amount", "amount", widget=MoneyWidget())

    class Meta(TableResource.Meta):
        model = ImportedContribution
        name = "Partner contributions (allocation table)"
        fields = ("table", "row", "partner", "name_as_stated", "amount")
        export_order = fields

    def attach(self, instance: Any, row: Any) -> None:
        super().attach(instance, row)
        instance.name_as_stated = imports.squash((row or {}).get("partner", ""))[:300]

    def describe(self, instance: Any) -> str:
        return instance.partner.name

    def get_queryset(self) -> Any:
        return ImportedContribution.objects.select_related("table_import", "partner")


class BasisValueResource(TableResource):
    """A basis dataset: one value per partner (a population, a count of calls), with its source and vintage."""

    kind = imports.BASIS
    unique_by = ("partner_id",)
    related = ("dataset", "partner")
    table_lookup = "dataset__table_import"
    line_order = ("partner__name", "pk")

    dataset = _plain("dataset__name", "dataset", readonly=True)
    partner = _plain("partner", "partner", widget=MatchedWidget(Partner))
    value = _plain("value", "value", widget=MeasureWidget())

    class Meta(TableResource.Meta):
        model = BasisValue
        name = "Basis dataset"
        fields = ("dataset", "partner", "value")
        export_order = fields

    @cached_property
    def basis_dataset(self) -> BasisDataset:
        context = self.context
        assert context is not None
        options = context.options
        return BasisDataset(
            name=options.dataset_name.strip(),
            measure=options.dataset_measure.strip(),
            unit=options.dataset_unit.strip(),
            source=options.dataset_source.strip(),
            vintage=options.dataset_vintage.strip(),
            created_by=context.by,
        )

    def _start_table(self, kwargs: dict[str, Any]) -> TableImport:
        dataset = self.basis_dataset
        if BasisDataset.objects.filter(name__iexact=dataset.name).exists():
            raise TableFileError(f"A basis dataset called '{dataset.name}' already exists; give this one another name.")
        table = super()._start_table(kwargs)
        dataset.table_import = table
        if not self._dry_run:
            dataset.save()
        return table

    def attach(self, instance: Any, row: Any) -> None:
        instance.dataset = self.basis_dataset

    def describe(self, instance: Any) -> str:
        return instance.partner.name

    def get_queryset(self) -> Any:
        return BasisValue.objects.select_related("dataset", "partner")


class MonitoringReturnResource(TableResource):
    """A quarter's monitoring: each work-stream's forecast outturn and actual spend, with any allocation and
    variance the table states beside them (kept as stated; variance is always computed)."""

    kind = imports.MONITORING
    unique_by = ("work_stream_id", "quarter")
    related = ("table_import", "work_stream", "financial_year", "recorded_by")

    table = _plain("table_import__title", "table", readonly=True)
    row = _plain("row_number", ROW, widget=widgets.IntegerWidget())
    financial_year = _plain("financial_year", "financial year", widget=MatchedWidget(FinancialYear, "label"))
    work_stream = _plain("work_stream", "work_stream", widget=MatchedWidget(WorkStream))
    quarter = _plain("quarter", "quarter", widget=QuarterWidget())
    forecast = _plain("forecast", "forecast", widget=MoneyWidget(allow_negative=False, what="forecast"))
    actual = _plain("actual", "actual", widget=MoneyWidget(required=False, allow_negative=False, what="spend"))
    stated_allocation = _plain("stated_allocation", "allocation", widget=MoneyWidget(required=False))
    stated_variance = _plain("stated_variance", "variance", widget=MoneyWidget(required=False))

    class Meta(TableResource.Meta):
        model = MonitoringReturn
        name = "Monitoring returns (forecast and actual)"
        fields = (
            "table",
            "row",
            "financial_year",
            "work_stream",
            "quarter",
            "forecast",
            "actual",
            "stated_allocation",
            "stated_variance",
        )
        export_order = fields

    @cached_property
    def recorded(self) -> set[tuple[int, int]]:
        """(work-stream, quarter) pairs already recorded for the year: a quarter is recorded once."""
        year = self.context.options.financial_year if self.context else None
        return set(
            MonitoringReturn.objects.filter(financial_year=year).values_list("work_stream_id", "quarter")
            if year
            else []
        )

    def attach(self, instance: Any, row: Any) -> None:
        super().attach(instance, row)
        assert self.context is not None
        instance.financial_year = self.context.options.financial_year
        instance.recorded_by = self.context.by

    def line_problems(self, instance: Any, errors: dict[str, Any]) -> list[tuple[str, str]]:
        problems = super().line_problems(instance, errors)
        if (instance.work_stream_id, instance.quarter) in self.recorded:
            year = instance.financial_year
            problems.append(
                ("quarter", f"Quarter {instance.quarter} of {year} is already recorded for {instance.work_stream}.")
            )
        return problems

    def describe(self, instance: Any) -> str:
        return f"{instance.work_stream} for quarter {instance.quarter}"

    def get_queryset(self) -> Any:
        return MonitoringReturn.objects.select_related("table_import", "financial_year", "work_stream")


class WorkStreamAllocationTableResource(TableResource):
    """A work-stream allocation table: a share and an amount per financial year for each work-stream, as stated.

    The file's one row per work-stream, with a column per year, arrives here as one line per year."""

    kind = imports.WORK_STREAM_ALLOCATIONS
    unique_by = ("work_stream_id", "financial_year_id")
    related = ("table_import", "work_stream", "financial_year")
    line_order = ("financial_year__number", "row_number", "pk")

    table = _plain("table_import__title", "table", readonly=True)
    row = _plain("row_number", ROW, widget=widgets.IntegerWidget())
    work_stream = _plain("work_stream", "work_stream", widget=MatchedWidget(WorkStream))
    financial_year = _plain("financial_year", "financial_year", widget=MatchedWidget(FinancialYear, "label"))
    share = _plain("stated_share", "share", widget=ShareWidget())
    amount = _plain("amount", "amount", widget=MoneyWidget(allow_negative=False, what="allocation"))

    class Meta(TableResource.Meta):
        model = ImportedWorkStreamAllocation
        name = "Work-stream allocations"
        fields = ("table", "row", "work_stream", "financial_year", "share", "amount")
        export_order = fields

    def describe(self, instance: Any) -> str:
        return f"{instance.work_stream} for {instance.financial_year}"

    def get_queryset(self) -> Any:
        return ImportedWorkStreamAllocation.objects.select_related("table_import", "work_stream", "financial_year")


RESOURCES: dict[str, type[TableResource]] = {
    resource.kind: resource
    for resource in (
        ContributionResource,
        BasisValueResource,
        MonitoringReturnResource,
        WorkStreamAllocationTableResource,
    )
}


# File formats for the admin's import, read by the service's own reader ------------------------------------


class TableCSV(base_formats.CSV):
    """CSV for the admin's import: the bytes go to `imports.read_table`, which tells UTF-8 from Windows-1252."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        return imports.raw_dataset(imports.read_table(file_name="", data=bytes(in_stream)))


class TableXLSX(base_formats.XLSX):
    """XLSX for the admin's import, read with the same row cap and unpacked-size limit as the officer pages.

    Both formats leave the reader to tell a workbook from CSV by its first bytes, so choosing the wrong format
    in the admin's list does no harm."""

    def create_dataset(self, in_stream: Any) -> tablib.Dataset:
        return imports.raw_dataset(imports.read_table(file_name="", data=bytes(in_stream)))
