"""Admin for decision records: templates are set up here; decisions, their recommendations, sign-offs and events
are searched and read, as are a report's sections, redactions and published snapshots (the snapshot's PDF and
data are left out of the page; download the PDF from the decision's page).

A decision changes only through its guarded transitions (`reports.decision_services`, on the pages and the API),
which check who may act, stamp who and when, and keep its history; an edit here would skip all of that.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commissioning.funding_admin import ReadOnlyMixin
from reports.models import (
    Decision,
    DecisionEvent,
    DecisionRecommendation,
    DecisionRedaction,
    DecisionSection,
    DecisionSignOff,
    DecisionSnapshot,
    DecisionTemplate,
)


@admin.register(DecisionTemplate)
class DecisionTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "commission", "kind", "reference_pattern", "sign_off_roles", "classification")
    list_filter = ("kind", "commission")
    search_fields = ("name", "reference_pattern", "commission__name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecommendationInline(ReadOnlyMixin, admin.TabularInline):
    model = DecisionRecommendation
    fields = ("number", "text", "result", "amendment")
    readonly_fields = fields
    extra = 0


class SignOffInline(ReadOnlyMixin, admin.TabularInline):
    model = DecisionSignOff
    fields = ("role", "printed_name", "signed_by", "signed_at", "comment")
    readonly_fields = fields
    extra = 0


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = DecisionEvent
    fields = ("at", "action", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    extra = 0


@admin.register(Decision)
class DecisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "title", "status", "outcome", "decision_maker", "due_on", "decided_on")
    list_filter = ("status", "outcome", "is_key", "commission", "template")
    search_fields = ("reference", "title", "decision_maker", "contact_name")
    list_select_related = ("commission", "template")
    inlines = (RecommendationInline, SignOffInline, EventInline)


@admin.register(DecisionRecommendation)
class DecisionRecommendationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "number", "result")
    list_filter = ("result", "decision__commission")
    search_fields = ("text", "amendment", "decision__reference")
    list_select_related = ("decision",)


@admin.register(DecisionSignOff)
class DecisionSignOffAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "role", "printed_name", "signed_at")
    list_filter = ("role", "decision__commission")
    search_fields = ("printed_name", "decision__reference", "comment")
    list_select_related = ("decision",)


@admin.register(DecisionEvent)
class DecisionEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "action", "from_status", "to_status", "at", "by")
    list_filter = ("action", "decision__commission")
    search_fields = ("decision__reference", "note")
    list_select_related = ("decision", "by")


@admin.register(DecisionSection)
class DecisionSectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "key", "exempt")
    list_filter = ("key", "exempt", "decision__commission")
    search_fields = ("body", "decision__reference")
    list_select_related = ("decision",)


@admin.register(DecisionRedaction)
class DecisionRedactionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "reason", "created_at", "created_by")
    list_filter = ("decision__commission",)
    search_fields = ("text", "reason", "decision__reference")
    list_select_related = ("decision", "created_by")


@admin.register(DecisionSnapshot)
class DecisionSnapshotAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("decision", "version", "sha256", "created_at")
    list_filter = ("decision__commission",)
    search_fields = ("decision__reference", "sha256")
    list_select_related = ("decision",)
    fields = ("decision", "version", "sha256", "data_sha256", "created_at", "created_by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("pdf", "data")
