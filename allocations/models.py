"""Formulas, basis datasets, work-stream allocations, monitoring returns, imported tables and scenarios.

Every figure here is either *computed* (a formula's requests, a split of a year's budget, a variance) or
*stated* (a line or a total in a table someone sent us). Stated figures are kept exactly as stated, so the
reconciliation can list where they differ from what the system computes.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from commissioning.history import AuditTrail
from commissioning.models import Commission, FinancialYear, WorkStream
from commissioning.money import MoneyField
from partners.models import Partner


class RoundingUnit(models.TextChoices):
    POUND = "1", "Whole pounds"
    PENNY = "0.01", "Pence"

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.value)


class TableImport(models.Model):
    """One table brought in from outside (a letter's table, a spreadsheet a partner sent), as a whole.

    Its lines live in the model for its kind; the totals it *states* are kept in `StatedTotal`. The same
    file imported again into the same commission is recognised by its hash and changes nothing.
    """

    class Kind(models.TextChoices):
        CONTRIBUTIONS = "contributions", "Partner contributions (allocation table)"
        WORK_STREAM_ALLOCATIONS = "work_stream_allocations", "Work-stream allocations"
        MONITORING = "monitoring", "Monitoring returns (forecast and actual)"
        BASIS = "basis", "Basis dataset"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="table_imports")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=300, help_text="What the table is, e.g. 'District contributions requested'.")
    source = models.CharField(
        max_length=300, blank=True, help_text="Where it came from, e.g. 'Letter of 18 December 2012 (seed 000)'."
    )
    financial_year = models.ForeignKey(
        FinancialYear, on_delete=models.PROTECT, null=True, blank=True, related_name="table_imports"
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(
        max_length=64, help_text="Hash of the decoded rows; the same table twice is one import."
    )
    row_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "kind", "file_sha256"], name="table_import_once"),
        ]

    def __str__(self) -> str:
        return self.title


class StatedTotal(models.Model):
    """A total as a table states it (its 'Total' row), kept so it can be checked against the sum of its lines."""

    table_import = models.ForeignKey(TableImport, on_delete=models.CASCADE, related_name="stated_totals")
    column = models.CharField(max_length=50, help_text="Which column the total is of: amount, allocation, forecast…")
    label = models.CharField(max_length=300, help_text="The total row's label as stated.")
    row_number = models.PositiveIntegerField(help_text="Row of the file, counting the header as row 1.")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, null=True, blank=True)
    amount = MoneyField()

    history = AuditTrail()

    class Meta:
        ordering = ["table_import", "row_number", "column"]

    def __str__(self) -> str:
        return f"{self.label} ({self.column})"


class BasisDataset(models.Model):
    """A measure per partner that weights a formula: population aged 16–59, police domestic-abuse calls…

    Kept with its source and vintage, because a request computed from it must say what it was computed from.
    """

    name = models.CharField(max_length=200, unique=True)
    measure = models.CharField(max_length=200, help_text="What is counted, e.g. 'Population aged 16–59'.")
    unit = models.CharField(max_length=50, blank=True, help_text="e.g. people, calls.")
    source = models.CharField(max_length=300, help_text="Who published it, e.g. 'ONS mid-year population estimates'.")
    vintage = models.CharField(max_length=100, help_text="Which edition or period, e.g. 'mid-2012'.")
    table_import = models.ForeignKey(TableImport, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.vintage})"


class BasisValue(models.Model):
    dataset = models.ForeignKey(BasisDataset, on_delete=models.CASCADE, related_name="values")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="basis_values")
    value = models.DecimalField(max_digits=20, decimal_places=4, validators=[MinValueValidator(Decimal("0"))])

    history = AuditTrail()

    class Meta:
        ordering = ["dataset", "partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "partner"], name="basis_value_once_per_partner"),
            models.CheckConstraint(condition=Q(value__gte=0), name="basis_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.value}"


class Formula(models.Model):
    """How a commission works out what to ask each partner for each year. Versioned: a change is a new version.

    - fixed: each participant's amount is set (Essex 2018: four partners, £2,125,000 a year);
    - weighted: `total` split across the participants by a basis dataset;
    - cost model: `total` split across cost categories by their weights, each category's part spread
      across the participants of the partner kinds it is mapped to (after Walby).
    """

    class Method(models.TextChoices):
        FIXED = "fixed", "Fixed amounts"
        WEIGHTED = "weighted", "Weighted share of a total"
        COST_MODEL = "cost_model", "Cost-model shares"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="formulas")
    name = models.CharField(max_length=200)
    version = models.PositiveSmallIntegerField(default=1)
    method = models.CharField(max_length=20, choices=Method.choices)
    total = MoneyField(
        null=True, blank=True, help_text="The yearly total to share out (weighted and cost-model formulas), in pounds."
    )
    rounding_unit = models.CharField(max_length=4, choices=RoundingUnit.choices, default=RoundingUnit.POUND)
    basis_dataset = models.ForeignKey(
        BasisDataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="formulas",
        help_text="What weights the participants (weighted formulas).",
    )
    note = models.TextField(blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "name", "version"], name="formula_version_unique"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0), name="formula_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    @property
    def unit(self) -> Decimal:
        return Decimal(self.rounding_unit)

    def clean(self) -> None:
        super().clean()
        if self.method in {self.Method.WEIGHTED, self.Method.COST_MODEL} and self.total is None:
            raise ValidationError({"total": f"A {self.get_method_display().lower()} formula needs a yearly total."})
        if self.method == self.Method.WEIGHTED and not self.basis_dataset_id:
            raise ValidationError({"basis_dataset": "A weighted formula needs a basis dataset to weight partners by."})


class FormulaParticipant(models.Model):
    """A partner a formula asks for money; for a fixed formula, with the amount."""

    formula = models.ForeignKey(Formula, on_delete=models.CASCADE, related_name="participants")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="formula_participations")
    fixed_amount = MoneyField(null=True, blank=True, help_text="Fixed formulas only: the yearly amount, in pounds.")

    history = AuditTrail()

    class Meta:
        ordering = ["formula", "partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["formula", "partner"], name="formula_participant_once"),
            models.CheckConstraint(
                condition=Q(fixed_amount__isnull=True) | Q(fixed_amount__gte=0), name="formula_fixed_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} in {self.formula}"


class CostCategory(models.Model):
    """A cost category of a cost-model formula (criminal justice, health, housing…), its weight and its source."""

    formula = models.ForeignKey(Formula, on_delete=models.CASCADE, related_name="cost_categories")
    name = models.CharField(max_length=200)
    weight = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Relative weight, e.g. the category's cost in £m; shares are weight ÷ sum of weights.",
    )
    source = models.CharField(max_length=300, help_text="Where the weight comes from.")
    partner_kinds = models.JSONField(default=list, help_text="The kinds of partner that bear this category's cost.")
    spread_dataset = models.ForeignKey(
        BasisDataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Spread the category across its partners by this dataset; empty spreads it equally.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    history = AuditTrail()

    class Meta:
        ordering = ["formula", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["formula", "name"], name="cost_category_name_unique"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="cost_category_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        known = set(Partner.Kind.values)
        kinds = self.partner_kinds if isinstance(self.partner_kinds, list) else None
        if not kinds:
            raise ValidationError({"partner_kinds": "Name at least one kind of partner that bears this cost."})
        unknown = [kind for kind in kinds if kind not in known]
        if unknown:
            raise ValidationError({"partner_kinds": f"Unknown kinds of partner: {', '.join(map(str, unknown))}."})


class YearBudget(models.Model):
    """A financial year's pooled budget, which the work-streams share by their pooled shares."""

    financial_year = models.OneToOneField(FinancialYear, on_delete=models.PROTECT, related_name="budget")
    amount = MoneyField()
    rounding_unit = models.CharField(max_length=4, choices=RoundingUnit.choices, default=RoundingUnit.POUND)
    note = models.TextField(blank=True)
    set_at = models.DateTimeField(auto_now=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["financial_year"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="year_budget_not_negative")]

    def __str__(self) -> str:
        return f"{self.financial_year} budget"


class WorkStreamAllocation(models.Model):
    """A year's budget for one pooled work-stream: what the split gives, and what applies after any override."""

    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="allocations")
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, related_name="allocations")
    computed_amount = MoneyField(help_text="The line as the split of the year's budget gives it.")
    took_rounding = models.BooleanField(default=False, help_text="This line received a rounding unit in the split.")
    amount = MoneyField(help_text="The allocation in force: the computed line, or an officer's override.")
    override_reason = models.TextField(blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["financial_year", "work_stream__position", "work_stream__name"]
        constraints = [
            models.UniqueConstraint(fields=["financial_year", "work_stream"], name="allocation_once_per_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_not_negative"),
            models.CheckConstraint(
                condition=Q(overridden_at__isnull=True) | ~Q(override_reason=""), name="allocation_override_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_stream} {self.financial_year}"

    @property
    def is_overridden(self) -> bool:
        return self.overridden_at is not None

    @property
    def difference_from_formula(self) -> Decimal:
        return self.amount - self.computed_amount


class AllocationOverride(models.Model):
    """The history of overrides of an allocation line: who changed it, from what, to what, and why."""

    allocation = models.ForeignKey(WorkStreamAllocation, on_delete=models.PROTECT, related_name="overrides")
    previous_amount = MoneyField()
    new_amount = MoneyField()
    reason = models.TextField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["allocation", "at"]

    def __str__(self) -> str:
        return f"{self.allocation}: {self.previous_amount} → {self.new_amount}"


class MonitoringReturn(models.Model):
    """A quarter's monitoring of one work-stream: the full-year forecast outturn as at the quarter's end, and the
    actual spend to date. Variance (allocation − forecast, positive is an underspend) is always computed.

    Figures an imported table states beside them (its allocation and variance columns) are kept as stated.
    """

    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="monitoring_returns")
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, related_name="monitoring_returns")
    quarter = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(4)])
    forecast = MoneyField(help_text="Full-year forecast outturn as at the end of the quarter, in pounds.")
    actual = MoneyField(null=True, blank=True, help_text="Actual spend to the end of the quarter, in pounds.")
    stated_allocation = MoneyField(null=True, blank=True, help_text="The allocation as the imported table states it.")
    stated_variance = MoneyField(null=True, blank=True, help_text="The variance as the imported table states it.")
    table_import = models.ForeignKey(
        TableImport, on_delete=models.PROTECT, null=True, blank=True, related_name="monitoring_returns"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["financial_year", "quarter", "work_stream__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "work_stream", "quarter"], name="monitoring_return_once_per_quarter"
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="monitoring_quarter_1_to_4"),
            models.CheckConstraint(condition=Q(forecast__gte=0), name="monitoring_forecast_not_negative"),
            models.CheckConstraint(condition=Q(actual__isnull=True) | Q(actual__gte=0), name="monitoring_actual_ok"),
        ]

    def __str__(self) -> str:
        return f"{self.work_stream} {self.financial_year} Q{self.quarter}"


class ImportedContribution(models.Model):
    """A line of an imported contributions table: the amount a table states for one partner."""

    table_import = models.ForeignKey(TableImport, on_delete=models.CASCADE, related_name="contributions")
    row_number = models.PositiveIntegerField()
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="imported_contributions")
    name_as_stated = models.CharField(max_length=300)
    amount = MoneyField()

    history = AuditTrail()

    class Meta:
        ordering = ["table_import", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["table_import", "partner"], name="imported_contribution_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name_as_stated}: {self.amount}"


class ImportedWorkStreamAllocation(models.Model):
    """A line of an imported work-stream allocation table: a share and an amount for a year, as stated."""

    table_import = models.ForeignKey(TableImport, on_delete=models.CASCADE, related_name="work_stream_allocations")
    row_number = models.PositiveIntegerField()
    work_stream = models.ForeignKey(WorkStream, on_delete=models.PROTECT, related_name="+")
    financial_year = models.ForeignKey(FinancialYear, on_delete=models.PROTECT, related_name="+")
    stated_share = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount = MoneyField()

    history = AuditTrail()

    class Meta:
        ordering = ["table_import", "financial_year", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["table_import", "work_stream", "financial_year"], name="imported_allocation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_stream} {self.financial_year}: {self.amount}"


class Scenario(models.Model):
    """A saved 'what if' against a formula: partners that decline or pay less, changed weights or target.

    The changes are kept as data (`changes`), and the figures are always recomputed from the formula and the
    changes, so a scenario never drifts from what it says. Adopting it makes a new version of the formula.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ADOPTED = "adopted", "Adopted as the live plan"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="scenarios")
    formula = models.ForeignKey(Formula, on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    changes = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    adopted_formula = models.OneToOneField(
        Formula, on_delete=models.PROTECT, null=True, blank=True, related_name="adopted_from"
    )

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["commission", "name"], name="scenario_name_unique")]

    def __str__(self) -> str:
        return self.name


class ImportUpload(models.Model):
    """A file an officer uploaded to import, kept from the preview to the confirmation and then as the record of
    the run: who sent what, when it was confirmed, and how it ended. A large file is imported by a background task,
    whose progress is recorded here for the page to show. The file itself is kept as uploaded, as provenance."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Waiting for confirmation"
        QUEUED = "queued", "Waiting to be imported"
        RUNNING = "running", "Being imported"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Not imported"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="import_uploads")
    kind = models.CharField(max_length=30, choices=TableImport.Kind.choices)
    options = models.JSONField(default=dict, help_text="Title, source, year, quarter, dataset: see ImportOptions.")
    file_name = models.CharField(max_length=255)
    data = models.BinaryField()
    row_count = models.PositiveIntegerField(default=0, help_text="Rows under the headings, as read.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    errors = models.JSONField(default=list, blank=True, help_text="Why the import was refused, row by row.")
    table_import = models.ForeignKey(
        TableImport, on_delete=models.PROTECT, null=True, blank=True, related_name="uploads"
    )
    task_id = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    history = AuditTrail(excluded_fields=["data"])

    class Meta:
        ordering = ["commission", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.IMPORTED, self.Status.FAILED}
