"""Admin for providers and contracts. Providers are edited here (and ended, never deleted); contracts, their values
and spend are written by `contract_services` on the pages, because spend posts to the ledger, so the admin shows them
and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commissioning.models import Contract, ContractSpend, ContractValue, Provider
from commissioning.money import format_pounds


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "registered_number", "valid_to")
    list_filter = ("kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("name", "registered_number", "contact_email", "note")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a provider is ended (valid_to), never deleted


class ContractValueInline(_ReadOnlyInline):
    model = ContractValue
    fields = ("financial_year", "value", "set_by", "set_at")
    readonly_fields = fields


class ContractSpendInline(_ReadOnlyInline):
    model = ContractSpend
    fields = ("financial_year", "quarter", "forecast", "actual", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(_ReadOnly):
    list_display = ("title", "reference", "provider", "work_stream", "commission", "starts_on", "ends_on", "status")
    list_filter = ("commission", "status", "work_stream__name", "provider")
    search_fields = ("title", "reference", "provider__name", "districts__name", "note")
    list_select_related = ("provider", "work_stream", "commission")
    inlines = (ContractValueInline, ContractSpendInline)


@admin.register(ContractValue)
class ContractValueAdmin(_ReadOnly):
    list_display = ("contract", "financial_year", "value_display", "set_by", "set_at")
    list_filter = ("contract__commission", "financial_year__start_year")
    search_fields = ("contract__title", "contract__reference", "contract__provider__name")
    list_select_related = ("contract", "financial_year", "set_by")

    @admin.display(description="Value", ordering="value")
    def value_display(self, obj: ContractValue) -> str:
        return format_pounds(obj.value)


@admin.register(ContractSpend)
class ContractSpendAdmin(_ReadOnly):
    list_display = ("contract", "financial_year", "quarter", "forecast", "actual", "recorded_by", "recorded_at")
    list_filter = ("contract__commission", "financial_year__start_year", "quarter")
    search_fields = ("contract__title", "contract__reference", "contract__provider__name")
    list_select_related = ("contract", "financial_year", "recorded_by")
