"""Admin for reserve drawdowns, carry-forwards (with their parts and history) and pool rules: to search and read.

They change state only by their guarded transitions (`commissioning.funding_services`, on the pages and the API),
which stamp who, when and why and keep the history; an edit here would skip all of that, so there is none.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commissioning.models import (
    CarryForward,
    CarryForwardEvent,
    CarryForwardPart,
    PoolRules,
    ReserveDrawdown,
    ReserveDrawdownEvent,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DrawdownEventInline(ReadOnlyMixin, admin.TabularInline):
    model = ReserveDrawdownEvent
    fields = ("at", "action", "from_status", "to_status", "by", "reference", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(ReserveDrawdown)
class ReserveDrawdownAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reserve", "financial_year", "amount", "status", "decision_reference", "proposed_at")
    list_filter = ("status", "reserve__commission", "financial_year__start_year")
    search_fields = ("reserve__name", "reason", "decision_reference")
    list_select_related = ("reserve", "financial_year")
    inlines = (DrawdownEventInline,)


class CarryForwardPartInline(ReadOnlyMixin, admin.TabularInline):
    model = CarryForwardPart
    fields = ("work_stream", "underspend", "amount", "took_rounding")
    readonly_fields = fields
    extra = 0


class CarryForwardEventInline(ReadOnlyMixin, admin.TabularInline):
    model = CarryForwardEvent
    fields = ("at", "action", "from_status", "to_status", "by", "reference", "reason")
    readonly_fields = fields
    extra = 0


@admin.register(CarryForward)
class CarryForwardAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("commission", "from_year", "to_year", "amount", "status", "decision_reference")
    list_filter = ("status", "commission", "from_year__start_year")
    search_fields = ("commission__name", "reason", "decision_reference", "confirmation_reference")
    list_select_related = ("commission", "from_year", "to_year")
    inlines = (CarryForwardPartInline, CarryForwardEventInline)


@admin.register(CarryForwardPart)
class CarryForwardPartAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("carry_forward", "work_stream", "underspend", "amount", "took_rounding")
    list_filter = ("carry_forward__status", "carry_forward__commission")
    search_fields = ("work_stream__name", "carry_forward__decision_reference")
    list_select_related = ("carry_forward__from_year", "carry_forward__to_year", "work_stream")


@admin.register(ReserveDrawdownEvent)
class ReserveDrawdownEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("drawdown", "action", "at", "by", "reference")
    list_filter = ("action", "drawdown__reserve__commission")
    search_fields = ("reason", "reference", "drawdown__reserve__name")
    list_select_related = ("drawdown__reserve", "drawdown__financial_year", "by")


@admin.register(CarryForwardEvent)
class CarryForwardEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("carry_forward", "action", "at", "by", "reference")
    list_filter = ("action", "carry_forward__commission")
    search_fields = ("reason", "reference", "carry_forward__commission__name")
    list_select_related = ("carry_forward__from_year", "carry_forward__to_year", "by")


@admin.register(PoolRules)
class PoolRulesAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Set on the commission's pool rules page, which stamps who set them."""

    list_display = ("commission", "overspend_order", "reserve", "reductions_limit", "cap_at_contribution", "set_at")
    list_filter = ("commission", "cap_at_contribution")
    search_fields = ("commission__name", "agreement")
    list_select_related = ("commission", "reserve")
