from __future__ import annotations

from django.contrib import admin

from commissioning.admin import NoDeleteMixin
from commissioning.money import format_pounds
from partners.models import Contact, ContributionRequest, Membership, Partner, PartnerSuccession


class ContactInline(NoDeleteMixin, admin.TabularInline):
    model = Contact
    fields = ("name", "position", "role", "email", "phone", "valid_to")
    extra = 0


class MembershipInline(NoDeleteMixin, admin.TabularInline):
    model = Membership
    fields = ("commission", "joined_on", "left_on", "requested_per_year")
    extra = 0


class SuccessorInline(NoDeleteMixin, admin.TabularInline):
    model = PartnerSuccession
    fk_name = "predecessor"
    verbose_name = "successor"
    verbose_name_plural = "taken over by"
    fields = ("successor", "effective_on", "note")
    autocomplete_fields = ("successor",)
    extra = 0


@admin.register(Partner)
class PartnerAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "valid_from", "valid_to")
    list_filter = ("kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("name",)
    inlines = (ContactInline, MembershipInline, SuccessorInline)


@admin.register(PartnerSuccession)
class PartnerSuccessionAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("predecessor", "successor", "effective_on")
    list_filter = ("effective_on", "successor__kind")
    search_fields = ("predecessor__name", "successor__name", "note")
    autocomplete_fields = ("predecessor", "successor")
    list_select_related = ("predecessor", "successor")


@admin.register(Membership)
class MembershipAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("partner", "commission", "joined_on", "left_on", "requested_display")
    list_filter = ("commission", "partner__kind", ("left_on", admin.EmptyFieldListFilter))
    search_fields = ("partner__name", "commission__name")
    autocomplete_fields = ("partner",)
    list_select_related = ("partner", "commission")

    @admin.display(description="Requested per year", ordering="requested_per_year")
    def requested_display(self, obj: Membership) -> str:
        return format_pounds(obj.requested_per_year)


@admin.register(Contact)
class ContactAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "position", "role", "partner", "email")
    list_filter = ("role", "partner__kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("name", "position", "email", "partner__name")
    autocomplete_fields = ("partner",)
    list_select_related = ("partner",)


@admin.register(ContributionRequest)
class ContributionRequestAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ("partner_name", "financial_year", "amount_display", "status", "formula")
    list_filter = ("status", "commission", "financial_year__start_year")
    search_fields = ("partner_name", "partner__name", "commission__name")
    list_select_related = ("financial_year", "formula")
    readonly_fields = ("provenance",)

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: ContributionRequest) -> str:
        return format_pounds(obj.amount)
