"""Admin for power users. Every model has search and filters; nothing that carries history can be deleted here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

import commissioning.funding_admin  # noqa: F401  (registers drawdowns, carry-forwards and pool rules)
from commissioning import history, services
from commissioning.models import (
    Account,
    Commission,
    FinancialYear,
    FundingPlanVersion,
    Job,
    JobItem,
    LedgerHead,
    LedgerTransaction,
    Posting,
    Reserve,
    User,
    WorkStream,
    validate_pooled_shares,
)
from commissioning.money import format_pounds

admin.site.site_header = "Pooled fund manager: administration"
admin.site.site_title = "Pooled fund manager"


class AuditTrailMixin:
    """The History button opens the audit trail's page for the record (who changed what, when, field by field),
    with the same permissions as everywhere else, instead of the admin's own log, which sees only admin edits.
    The versions themselves are not in the admin at all, so none can be changed or deleted here."""

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        model = self.model  # type: ignore[attr-defined]
        if history.is_tracked(model) and object_id.isdigit():
            return redirect("object-history", model._meta.app_label, model._meta.model_name, object_id)
        return super().history_view(request, object_id, extra_context)  # type: ignore[misc]


class NoDeleteMixin(AuditTrailMixin):
    """History is kept: records are ended, reversed or superseded, never deleted."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkStreamInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        shares = [
            form.cleaned_data.get("pooled_share")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("valid_to")
        ]
        validate_pooled_shares(shares)


class WorkStreamInline(NoDeleteMixin, admin.TabularInline):
    model = WorkStream
    formset = WorkStreamInlineFormSet
    fields = ("position", "name", "pooled_share", "valid_to")
    extra = 0
    show_change_link = True


class FinancialYearInline(admin.TabularInline):
    model = FinancialYear
    fields = ("number", "label", "starts_on", "ends_on")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # years follow from the commission's first year and number of years


class ReserveInline(NoDeleteMixin, admin.StackedInline):
    model = Reserve
    extra = 0


@admin.register(Commission)
class CommissionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "host", "target_display", "period_label", "status")
    list_filter = ("status", "first_year", "host__kind")
    search_fields = ("name", "host__name")
    list_select_related = ("host",)
    autocomplete_fields = ("host",)
    inlines = (FinancialYearInline, WorkStreamInline, ReserveInline)

    @admin.display(description="Target", ordering="target")
    def target_display(self, obj: Commission) -> str:
        return format_pounds(obj.target)

    def get_inlines(self, request: HttpRequest, obj: Commission | None) -> tuple[type, ...]:
        # A new commission has no years yet: they are made from its first year when it is saved.
        return self.inlines if obj else tuple(inline for inline in self.inlines if inline is not FinancialYearInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Commission | None = None) -> tuple[str, ...]:
        # The period anchors every later record; a different period is a new commission.
        return ("first_year",) if obj else ()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.financial_years_sync(commission=form.instance)


@admin.register(FinancialYear)
class FinancialYearAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("commission", "number", "label", "starts_on", "ends_on")
    list_filter = ("commission", "start_year")
    search_fields = ("commission__name",)
    list_select_related = ("commission",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WorkStreamAdminForm(forms.ModelForm):
    class Meta:
        model = WorkStream
        fields = ("commission", "name", "description", "outcomes", "pooled_share", "position", "valid_to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        commission = cleaned.get("commission")
        if commission is not None and "pooled_share" not in self.errors:
            others = WorkStream.objects.filter(commission=commission, valid_to__isnull=True).exclude(
                pk=self.instance.pk
            )
            shares = list(others.values_list("pooled_share", flat=True))
            if not cleaned.get("valid_to"):
                shares.append(cleaned.get("pooled_share"))
            try:
                validate_pooled_shares(shares)
            except ValidationError as error:
                raise ValidationError(
                    f"{error.messages[0]} Change several shares at once on the commission's page."
                ) from None
        return cleaned


@admin.register(WorkStream)
class WorkStreamAdmin(NoDeleteMixin, admin.ModelAdmin):
    form = WorkStreamAdminForm
    list_display = ("name", "commission", "pooled_share", "position", "valid_to")
    list_filter = ("commission", ("pooled_share", admin.EmptyFieldListFilter), "valid_to")
    search_fields = ("name", "description", "commission__name")
    list_select_related = ("commission",)


@admin.register(Reserve)
class ReserveAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "commission", "opening_balance_display", "review_on")
    list_filter = ("commission",)
    search_fields = ("name", "purpose", "commission__name")
    list_select_related = ("commission",)

    @admin.display(description="Opening balance", ordering="opening_balance")
    def opening_balance_display(self, obj: Reserve) -> str:
        return format_pounds(obj.opening_balance)


@admin.register(User)
class UserAdmin(AuditTrailMixin, DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "partner", "is_staff", "is_active")
    list_filter = ("is_staff", "is_active", "groups", "partner")
    list_select_related = ("partner",)
    autocomplete_fields = ("partner",)
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Partner login", {"fields": ("partner",)}))


class ReadOnlyAdmin(AuditTrailMixin, admin.ModelAdmin):
    """The ledger is written by its services only; the admin shows it and changes nothing."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostingInline(admin.TabularInline):
    model = Posting
    fields = ("account", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "financial_year", "date", "narrative", "posted_by", "posted_at")
    list_filter = ("commission", "kind", "financial_year__start_year")
    search_fields = ("narrative", "source_reference")
    list_select_related = ("financial_year", "posted_by")
    inlines = (PostingInline,)


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "account", "amount")
    list_filter = ("account__commission", "account__kind")
    search_fields = ("account__name", "transaction__narrative")
    list_select_related = ("transaction", "account")


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "commission", "balance")
    list_filter = ("commission", "kind")
    search_fields = ("name", "key")
    list_select_related = ("commission",)


@admin.register(LedgerHead)
class LedgerHeadAdmin(ReadOnlyAdmin):
    list_display = ("commission", "count", "digest")
    list_filter = ("commission",)
    search_fields = ("commission__name",)


# Providers and contracts have their own module; importing it registers them.
from commissioning import contract_admin  # noqa: E402, F401


@admin.register(FundingPlanVersion)
class FundingPlanVersionAdmin(ReadOnlyAdmin):
    """Frozen by `reports.services.plan_version_freeze` only; a version never changes once frozen."""

    list_display = ("commission", "number", "label", "decision_reference", "frozen_at", "frozen_by")
    list_filter = ("commission",)
    search_fields = ("label", "decision_reference")
    list_select_related = ("commission", "frozen_by")


class JobItemInline(admin.TabularInline):
    model = JobItem
    fields = ("position", "label", "status", "error", "attempts", "finished_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Background jobs are written by their tasks through `commissioning.job_services` only; retried from the job's
    page (/jobs/<pk>/)."""

    list_display = ("label", "kind", "commission", "status", "created_by", "created_at", "finished_at")
    list_filter = ("kind", "status", "commission")
    search_fields = ("label", "commission__name")
    list_select_related = ("commission", "created_by")
    inlines = (JobItemInline,)


@admin.register(JobItem)
class JobItemAdmin(ReadOnlyAdmin):
    list_display = ("job", "position", "label", "status", "attempts", "error", "finished_at")
    list_filter = ("status", "job__kind")
    search_fields = ("label", "error", "key")
    list_select_related = ("job",)
