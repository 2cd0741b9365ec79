"""The API's `carry-forwards` and each commission's `year-end` underspends.

They live in allocations, beside the year-end pages, because proposing a carry-forward works out its parts from
allocations' plan figures and the core imports no other app. The carry-forward itself, its transitions and its
posting are the core's (`commissioning.funding_services`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from allocations import year_end_selectors, year_end_services
from commissioning import funding_selectors, funding_services
from commissioning.api import (
    CommissionFilter,
    FinancialYearField,
    MoneyField,
    NamedSerializer,
    RolePermissions,
    financial_year_of,
    scoped,
)
from commissioning.funding_api import DecisionInput, EventOutput, ReasonInput, valid
from commissioning.models import CarryForward, Commission, WorkStream

# Output ---------------------------------------------------------------------------------------------------


class PartOutput(serializers.Serializer):
    work_stream = NamedSerializer()
    amount = MoneyField()
    underspend = MoneyField(help_text="The work-stream's underspend left to carry when the part was proposed.")
    took_rounding = serializers.BooleanField(help_text="The part received a unit in the largest-remainder split.")


def _who(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"{field}.username", allow_null=True)


class CarryForwardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    from_year = FinancialYearField()
    to_year = FinancialYearField()
    amount = MoneyField(help_text="The total; the parts sum to it exactly.")
    status = serializers.ChoiceField(choices=CarryForward.Status.choices)
    provisional = serializers.SerializerMethodField(help_text="Outline approved, not yet confirmed.")
    reason = serializers.CharField()
    basis = serializers.CharField(help_text="The figures the parts were split by.")
    decision_reference = serializers.CharField(help_text="The decision giving outline approval.")
    confirmation_reference = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    proposed_by = _who("proposed_by")
    outline_approved_at = serializers.DateTimeField(allow_null=True)
    outline_approved_by = _who("outline_approved_by")
    confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed_by = _who("confirmed_by")
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejected_by = _who("rejected_by")
    rejection_reason = serializers.CharField()
    lapsed_at = serializers.DateTimeField(allow_null=True)
    lapsed_by = _who("lapsed_by")
    lapse_reason = serializers.CharField()
    transaction = serializers.IntegerField(
        source="transaction.number", allow_null=True, help_text="The ledger transaction's number, once confirmed."
    )
    parts = PartOutput(source="parts.all", many=True)
    history = EventOutput(source="events.all", many=True)

    def get_provisional(self, carry: CarryForward) -> bool:
        return carry.status == CarryForward.Status.OUTLINE_APPROVED


class UnderspendLineOutput(serializers.Serializer):
    work_stream = NamedSerializer()
    allocation = MoneyField(allow_null=True, help_text="The allocation in force (the plan).")
    forecast = MoneyField(allow_null=True, help_text="The latest monitoring return's forecast outturn.")
    actual = MoneyField(allow_null=True, help_text="The latest monitoring return's actual spend to date.")
    quarter = serializers.IntegerField(source="latest_return.quarter", allow_null=True)
    plan_underspend = MoneyField(
        allow_null=True, allow_negative=True, help_text="allocation − (forecast, or actual where higher)."
    )
    claimed = MoneyField(help_text="What live carry-forwards from the year already claim of it.")
    available = MoneyField(help_text="Left to carry forward: plan underspend − claimed, at least 0.")
    ledger_underspend = MoneyField(
        allow_null=True, allow_negative=True, help_text="The ledger's figure, once the year's allocation is posted."
    )


class YearEndOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    lines = UnderspendLineOutput(many=True)
    total_plan_underspend = MoneyField(allow_null=True, allow_negative=True)
    total_claimed = MoneyField()
    total_available = MoneyField()
    total_ledger_underspend = MoneyField(allow_null=True, allow_negative=True)


class ProvisionalOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    amount = MoneyField()


class CommissionYearEndOutput(serializers.Serializer):
    commission = serializers.IntegerField(source="commission.pk")
    years = YearEndOutput(many=True)
    provisional = ProvisionalOutput(many=True, help_text="Outline-approved carry-forwards into each year.")


# Input ----------------------------------------------------------------------------------------------------


class PartInput(serializers.Serializer):
    work_stream = serializers.PrimaryKeyRelatedField(queryset=WorkStream.objects.all())
    amount = MoneyField()


class CarryForwardProposeInput(serializers.Serializer):
    """Without `parts`, the amount is split across the work-streams by their underspends left to carry."""

    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    from_year = FinancialYearField()
    to_year = FinancialYearField()
    amount = MoneyField()
    reason = serializers.CharField()
    parts = PartInput(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        commission = attrs["commission"]
        for name in ("from_year", "to_year"):
            try:
                attrs[name] = financial_year_of(commission, attrs[name])
            except serializers.ValidationError:
                raise serializers.ValidationError({name: f"{commission} has no such financial year."}) from None
        return attrs


class ConfirmInput(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


# Views ----------------------------------------------------------------------------------------------------


class CarryForwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Carry-forwards: proposed from a year's underspends, outline approved on a decision, confirmed by the
    finance approver (which posts them), or rejected or lapsed. An outline-approved one is provisional funding."""

    serializer_class = CarryForwardOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = CarryForward.objects.none()
    action_permissions = {
        "outline_approve": ("commissioning.approve_funding",),
        "confirm": ("commissioning.approve_funding",),
        "reject": ("commissioning.approve_funding",),
        "lapse": ("commissioning.change_carryforward",),
    }

    def get_queryset(self) -> QuerySet[CarryForward]:
        return scoped(funding_selectors.carry_forward_list(), self.request.user, "commissioning.view_carryforward")

    def _output(self, carry: CarryForward, code: int = status.HTTP_200_OK) -> Response:
        return Response(CarryForwardOutput(funding_selectors.carry_forward_list().get(pk=carry.pk)).data, status=code)

    @extend_schema(request=CarryForwardProposeInput, responses={201: CarryForwardOutput})
    def create(self, request: Request) -> Response:
        """Propose a carry-forward from a year's underspends to a later year."""
        data = valid(CarryForwardProposeInput, request)
        parts = {row["work_stream"]: row["amount"] for row in data["parts"]} if "parts" in data else None
        carry = year_end_services.carry_forward_propose_from_year_end(
            from_year=data["from_year"],
            to_year=data["to_year"],
            amount=data["amount"],
            reason=data["reason"],
            parts=parts,
            by=request.user,  # type: ignore[arg-type]
        )
        return self._output(carry, status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInput, responses={200: CarryForwardOutput})
    @action(detail=True, methods=["post"], url_path="outline-approve")
    def outline_approve(self, request: Request, pk: str) -> Response:
        """Give outline approval on a decision; it is then provisional funding of its later year."""
        carry = self.get_object()
        data = valid(DecisionInput, request)
        funding_services.carry_forward_outline_approve(carry_forward=carry, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(carry)

    @extend_schema(request=ConfirmInput, responses={200: CarryForwardOutput})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """Confirm (the County Treasurer) and post to the ledger."""
        carry = self.get_object()
        data = valid(ConfirmInput, request)
        funding_services.carry_forward_confirm(carry_forward=carry, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(carry)

    @extend_schema(request=ReasonInput, responses={200: CarryForwardOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """Reject a carry-forward not yet confirmed, with the reason."""
        carry = self.get_object()
        funding_services.carry_forward_reject(carry_forward=carry, by=request.user, **valid(ReasonInput, request))  # type: ignore[arg-type]
        return self._output(carry)

    @extend_schema(request=ReasonInput, responses={200: CarryForwardOutput})
    @action(detail=True, methods=["post"])
    def lapse(self, request: Request, pk: str) -> Response:
        """Record that a carry-forward not yet confirmed has lapsed, with the reason."""
        carry = self.get_object()
        funding_services.carry_forward_lapse(carry_forward=carry, by=request.user, **valid(ReasonInput, request))  # type: ignore[arg-type]
        return self._output(carry)


class CommissionYearEndView(generics.GenericAPIView):
    """A commission's year-end: each pooled work-stream's underspend per year, from the plan (allocation − forecast
    or actual) and from the ledger, what carry-forwards claim of it, and the provisional funding of each year."""

    serializer_class = CommissionYearEndOutput
    permission_classes = [RolePermissions]
    required_permissions = (
        "commissioning.view_commission",
        "commissioning.view_carryforward",
        "allocations.view_monitoringreturn",
    )
    queryset = Commission.objects.none()
    pagination_class = None

    @extend_schema(tags=["commissions"], operation_id="commissions_year_end_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        commissions = scoped(Commission.objects.all(), request.user, "commissioning.view_commission")
        commission = get_object_or_404(commissions, pk=pk)
        provisional = funding_selectors.provisional_funding(commission)
        data = {
            "commission": commission,
            "years": year_end_selectors.commission_year_end(commission),
            "provisional": [{"year": year, "amount": amount} for year, amount in provisional.items()],
        }
        return Response(CommissionYearEndOutput(data).data)
