from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from commissioning.admin import AuditTrailMixin, NoDeleteMixin
from commissioning.money import format_pounds
from partners import services
from partners.models import (
    Contact,
    ContributionRequest,
    InKindPledge,
    Membership,
    OutgoingEmail,
    Partner,
    PartnerSuccession,
    Pledge,
    ProFormaReturn,
    ProFormaReturnLine,
    RejectedLinkAttempt,
    RequestEvent,
    RequestLetter,
    RequestLink,
)


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


# The request workflow. Everything here is written by partners/services.py (issuing, returns, accepting), so the
# admin shows it and changes nothing: a return, its events and its pledges are kept for good. The one thing an
# officer does here is accept returns, through the action, which calls the same service as the officer's page.


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyInline(_ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False


class ContributionRequestInline(_ReadOnlyInline):
    model = ContributionRequest
    fields = ("financial_year", "amount", "status")
    readonly_fields = fields


class RequestEventInline(_ReadOnlyInline):
    model = RequestEvent
    fields = ("at", "action", "status_from", "status_to", "by", "by_description", "note")
    readonly_fields = fields


@admin.register(RequestLetter)
class RequestLetterAdmin(_ReadOnly, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("reference_display", "partner_name", "commission", "status", "deadline", "recipient_email")
    list_filter = ("status", "commission", "deadline")
    search_fields = ("partner_name", "partner__name", "recipient_name", "recipient_email", "commission__name")
    list_select_related = ("commission",)
    exclude = ("letter_pdf",)
    inlines = (ContributionRequestInline, RequestEventInline)

    @admin.display(description="Reference", ordering="number")
    def reference_display(self, obj: RequestLetter) -> str:
        return obj.reference


class ProFormaReturnLineInline(_ReadOnlyInline):
    model = ProFormaReturnLine
    fields = ("financial_year", "requested", "offered")
    readonly_fields = fields


@admin.register(ProFormaReturn)
class ProFormaReturnAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("__str__", "letter_status", "option", "years_agreed", "counter_offer", "submitted_at", "via")
    list_filter = ("option", "counter_offer", "via", "letter__status", "letter__commission")
    search_fields = ("letter__partner_name", "organisation", "signatory_name", "comment", "digest")
    list_select_related = ("letter",)
    inlines = (ProFormaReturnLineInline,)
    actions = ("accept_returns",)

    @admin.display(description="Request status", ordering="letter__status")
    def letter_status(self, obj: ProFormaReturn) -> str:
        return obj.letter.get_status_display()

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("partners.change_requestletter")

    @admin.action(description="Accept selected returns", permissions=["accept"])
    def accept_returns(self, request: HttpRequest, queryset: QuerySet[ProFormaReturn]) -> None:
        """Accept each return through the service, one transaction each: a refusal (already accepted, not the
        latest return) is reported and leaves the others to go ahead."""
        for pro_forma_return in queryset.select_related("letter").order_by("letter__partner_name", "number"):
            try:
                pledges = services.return_accept(pro_forma_return=pro_forma_return, by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                continue
            total = format_pounds(sum((pledge.amount for pledge in pledges), Decimal(0)))
            outcome = (
                "decline recorded"
                if pro_forma_return.option == ProFormaReturn.Option.DECLINE
                else f"{len(pledges)} pledge{'s' if len(pledges) != 1 else ''}, {total}, posted to the ledger"
            )
            self.message_user(request, f"{pro_forma_return} accepted: {outcome}.", messages.SUCCESS)


@admin.register(ProFormaReturnLine)
class ProFormaReturnLineAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("pro_forma_return", "financial_year", "requested", "offered")
    list_filter = ("financial_year__start_year", "pro_forma_return__letter__commission")
    search_fields = ("pro_forma_return__letter__partner_name", "pro_forma_return__organisation")
    list_select_related = ("pro_forma_return__letter", "financial_year")


@admin.register(RequestEvent)
class RequestEventAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("at", "letter", "action", "status_from", "status_to", "by", "by_description")
    list_filter = ("action", "status_to", "letter__commission")
    search_fields = ("letter__partner_name", "note", "by__username", "by_description")
    list_select_related = ("letter", "by")


@admin.register(RequestLink)
class RequestLinkAdmin(_ReadOnly, AuditTrailMixin, admin.ModelAdmin):
    # The token is never stored; its hash is not shown either, since it is of no use to a reader.
    fields = ("letter", "created_at", "revoked_at")
    readonly_fields = fields
    list_display = ("pk", "letter", "created_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "letter__commission")
    search_fields = ("letter__partner_name",)
    list_select_related = ("letter",)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(_ReadOnly, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("key", "to", "subject", "status", "claimed_at", "sent_at")
    list_filter = ("status", "claimed_at")
    search_fields = ("key", "to", "subject", "letter__partner_name")


@admin.register(RejectedLinkAttempt)
class RejectedLinkAttemptAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ("at", "client")
    list_filter = ("at",)
    search_fields = ("client",)


@admin.register(Pledge)
class PledgeAdmin(_ReadOnly, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("partner", "financial_year", "amount_display", "commission", "accepted_at", "transaction")
    list_filter = ("commission", "financial_year__start_year", ("pro_forma_return", admin.EmptyFieldListFilter))
    search_fields = ("partner__name", "note", "commission__name")
    list_select_related = ("partner", "financial_year", "commission", "transaction")

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: Pledge) -> str:
        return format_pounds(obj.amount)


@admin.register(InKindPledge)
class InKindPledgeAdmin(_ReadOnly, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("partner", "commission", "description", "value_display", "accepted_at")
    list_filter = ("commission", ("value", admin.EmptyFieldListFilter))
    search_fields = ("partner__name", "description")
    list_select_related = ("partner", "commission")

    @admin.display(description="Value", ordering="value")
    def value_display(self, obj: InKindPledge) -> str:
        return format_pounds(obj.value) if obj.value is not None else ""
