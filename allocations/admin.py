"""Admin for formulas, datasets, allocations, monitoring and imported tables. Nothing with history is deleted here."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from allocations.models import (
    AllocationOverride,
    BasisDataset,
    BasisValue,
    CostCategory,
    Formula,
    FormulaParticipant,
    ImportedContribution,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    Scenario,
    StatedTotal,
    TableImport,
    WorkStreamAllocation,
    YearBudget,
)
from commissioning.admin import NoDeleteMixin


class FormulaParticipantInline(NoDeleteMixin, admin.TabularInline):
    model = FormulaParticipant
    extra = 0
    autocomplete_fields = ("partner",)


class CostCategoryInline(NoDeleteMixin, admin.TabularInline):
    model = CostCategory
    extra = 0


@admin.register(Formula)
class FormulaAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "version", "method", "commission", "total", "created_at")
    list_filter = ("method", "commission")
    search_fields = ("name", "note", "commission__name")
    list_select_related = ("commission",)
    inlines = (FormulaParticipantInline, CostCategoryInline)


@admin.register(FormulaParticipant)
class FormulaParticipantAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("partner", "formula", "fixed_amount")
    list_filter = ("formula__commission", "partner__kind")
    search_fields = ("partner__name", "formula__name")
    list_select_related = ("partner", "formula")


@admin.register(CostCategory)
class CostCategoryAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "formula", "weight", "source")
    list_filter = ("formula__commission",)
    search_fields = ("name", "source", "formula__name")
    list_select_related = ("formula",)


class BasisValueInline(NoDeleteMixin, admin.TabularInline):
    model = BasisValue
    extra = 0
    autocomplete_fields = ("partner",)


@admin.register(BasisDataset)
class BasisDatasetAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "measure", "source", "vintage")
    list_filter = ("source", "vintage")
    search_fields = ("name", "measure", "source", "vintage")
    inlines = (BasisValueInline,)


@admin.register(BasisValue)
class BasisValueAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("partner", "dataset", "value")
    list_filter = ("dataset",)
    search_fields = ("partner__name", "dataset__name")
    list_select_related = ("partner", "dataset")


@admin.register(YearBudget)
class YearBudgetAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("financial_year", "amount", "rounding_unit", "set_at")
    list_filter = ("financial_year__commission",)
    search_fields = ("financial_year__commission__name", "note")
    list_select_related = ("financial_year__commission",)


@admin.register(WorkStreamAllocation)
class WorkStreamAllocationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("work_stream", "financial_year", "computed_amount", "amount", "took_rounding", "overridden_at")
    list_filter = ("financial_year__commission", "took_rounding", ("overridden_at", admin.EmptyFieldListFilter))
    search_fields = ("work_stream__name", "override_reason")
    list_select_related = ("work_stream", "financial_year__commission")
    readonly_fields = ("computed_amount", "took_rounding", "overridden_at", "overridden_by")


@admin.register(AllocationOverride)
class AllocationOverrideAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("allocation", "previous_amount", "new_amount", "by", "at")
    list_filter = ("allocation__financial_year__commission",)
    search_fields = ("reason", "allocation__work_stream__name")
    list_select_related = ("allocation__work_stream", "allocation__financial_year", "by")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # history is never edited


@admin.register(MonitoringReturn)
class MonitoringReturnAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("work_stream", "financial_year", "quarter", "forecast", "actual", "stated_variance")
    list_filter = ("financial_year__commission", "quarter")
    search_fields = ("work_stream__name",)
    list_select_related = ("work_stream", "financial_year__commission")


class StatedTotalInline(admin.TabularInline):
    model = StatedTotal
    extra = 0
    can_delete = False


@admin.register(TableImport)
class TableImportAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "commission", "row_count", "imported_at", "imported_by")
    list_filter = ("kind", "commission")
    search_fields = ("title", "source", "file_name")
    list_select_related = ("commission", "imported_by")
    inlines = (StatedTotalInline,)


@admin.register(StatedTotal)
class StatedTotalAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("label", "column", "amount", "table_import")
    list_filter = ("column", "table_import__kind")
    search_fields = ("label", "table_import__title")
    list_select_related = ("table_import",)


@admin.register(ImportedContribution)
class ImportedContributionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name_as_stated", "partner", "amount", "table_import")
    list_filter = ("table_import",)
    search_fields = ("name_as_stated", "partner__name")
    list_select_related = ("partner", "table_import")


@admin.register(ImportedWorkStreamAllocation)
class ImportedWorkStreamAllocationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("work_stream", "financial_year", "stated_share", "amount", "table_import")
    list_filter = ("table_import",)
    search_fields = ("work_stream__name", "table_import__title")
    list_select_related = ("work_stream", "financial_year", "table_import")


@admin.register(Scenario)
class ScenarioAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Scenarios are made on the 'what if' page and adopted there, where their changes are checked and adopting
    makes a formula version in one transaction; here only the name and description can be edited."""

    list_display = ("name", "commission", "formula", "status", "created_at")
    list_filter = ("status", "commission")
    search_fields = ("name", "description")
    list_select_related = ("commission", "formula")
    readonly_fields = (
        "commission",
        "formula",
        "changes",
        "status",
        "created_at",
        "created_by",
        "adopted_at",
        "adopted_by",
        "adopted_formula",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
