"""The API's reserves (with their drawdowns as a nested resource, `reserves/{id}/drawdowns/`) and each commission's
pool under its rules (`commissions/{id}/pool/`).

Views parse input with an input serializer, call one service or selector, and render with an output serializer.
Transitions are actions (`approve`, `reject`, `post`), each needing the permission its service needs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

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
from commissioning.models import Commission, PoolRules, Reserve, ReserveDrawdown
from commissioning.models.funding import FundingEvent

# Output ---------------------------------------------------------------------------------------------------


class EventOutput(serializers.Serializer):
    """One change of state: who, when, why, on what decision."""

    action = serializers.ChoiceField(choices=FundingEvent.Action.choices)
    from_status = serializers.CharField(help_text="Empty for the first event.")
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by.username", allow_null=True, help_text="Empty: the system.")
    reason = serializers.CharField()
    reference = serializers.CharField()


def _who(field: str) -> serializers.CharField:
    return serializers.CharField(source=f"{field}.username", allow_null=True)


class DrawdownOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reserve = serializers.IntegerField(source="reserve_id")
    commission = serializers.IntegerField(source="reserve.commission_id")
    financial_year = FinancialYearField(help_text="The year whose pool the money goes into.")
    amount = MoneyField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=ReserveDrawdown.Status.choices)
    decision_reference = serializers.CharField()
    proposed_at = serializers.DateTimeField()
    proposed_by = _who("proposed_by")
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = _who("approved_by")
    posted_at = serializers.DateTimeField(allow_null=True)
    posted_by = _who("posted_by")
    rejected_at = serializers.DateTimeField(allow_null=True)
    rejected_by = _who("rejected_by")
    rejection_reason = serializers.CharField()
    transaction = serializers.IntegerField(
        source="transaction.number", allow_null=True, help_text="The ledger transaction's number, once posted."
    )
    history = EventOutput(source="events.all", many=True)


class ReserveOutput(serializers.Serializer):
    """A reserve and its position: what the ledger says it holds and what decisions have committed of it."""

    id = serializers.IntegerField(source="reserve.pk")
    commission = serializers.IntegerField(source="reserve.commission_id")
    name = serializers.CharField(source="reserve.name")
    purpose = serializers.CharField(source="reserve.purpose")
    protocol = serializers.CharField(source="reserve.protocol", help_text="How and when it may be used.")
    review_on = serializers.DateField(source="reserve.review_on", allow_null=True)
    opening_balance = MoneyField(source="reserve.opening_balance", help_text="As stated.")
    opening_posted = serializers.BooleanField(help_text="Whether the opening balance is posted to the ledger.")
    holds = MoneyField(help_text="What the reserve holds in the ledger.")
    drawn = MoneyField(help_text="Posted drawdowns.")
    approved_not_posted = MoneyField(help_text="Drawdowns approved by a decision and not yet posted.")
    proposed = MoneyField(help_text="Drawdowns proposed and not yet decided.")
    available = MoneyField(
        help_text="Free to commit: what it holds (the stated opening balance until that is posted) less "
        "drawdowns approved and not yet posted."
    )
    drawdowns = DrawdownOutput(many=True)


class RulesOutput(serializers.Serializer):
    host = NamedSerializer(source="commission.host", help_text="The partner that holds the pool.")
    underspends_stay_in_pool = serializers.BooleanField()
    overspend_order = serializers.ListField(
        child=serializers.ChoiceField(choices=PoolRules.Step.choices), help_text="The steps that meet an overspend."
    )
    reserve = NamedSerializer(allow_null=True)
    reductions_limit = MoneyField()
    cap_at_contribution = serializers.BooleanField()
    agreement = serializers.CharField()


class AmountOfStream(serializers.Serializer):
    work_stream = NamedSerializer()
    amount = MoneyField()


class AmountOfPartner(serializers.Serializer):
    partner = NamedSerializer()
    amount = MoneyField()


class PartnerShareOutput(serializers.Serializer):
    partner = NamedSerializer()
    contribution = MoneyField(help_text="Accepted pledges to the year, from the ledger.")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Share of all contributions.")
    income = MoneyField()
    spend = MoneyField()
    balance = MoneyField(allow_negative=True)


class PoolYearOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    income = MoneyField(source="figures.income", help_text="Pledges, reserve drawdowns and carry-forwards in.")
    spend = MoneyField(source="figures.spend")
    carried_out = MoneyField(source="figures.carried_out")
    balance = MoneyField(source="figures.balance", allow_negative=True, help_text="income − spend − carried out.")
    overspend = MoneyField(help_text="The sum of the work-streams' overspends in the ledger.")
    from_underspends = AmountOfStream(many=True)
    reserve_available = MoneyField(help_text="What the named reserve had free for this year.")
    from_reserve = MoneyField()
    from_reductions = MoneyField()
    partner_shares = AmountOfPartner(many=True, help_text="The overspend left to the partners, pro rata.")
    unmet = MoneyField(help_text="What the rules leave unmet.")
    partners = PartnerShareOutput(many=True, help_text="Each partner's share of the year's income, spend, balance.")


class PoolOutput(serializers.Serializer):
    commission = serializers.IntegerField(source="commission.pk")
    rules_set = serializers.BooleanField(help_text="False: the rules shown are the defaults, not yet set.")
    rules = RulesOutput()
    years = PoolYearOutput(many=True)


# Input ----------------------------------------------------------------------------------------------------


class OpeningInput(serializers.Serializer):
    financial_year = FinancialYearField(required=False, help_text="Default: the commission's first year.")


class DrawdownProposeInput(serializers.Serializer):
    financial_year = FinancialYearField(help_text="The year whose pool the money goes into.")
    amount = MoneyField()
    reason = serializers.CharField(help_text="Why the reserve is drawn on.")


class DecisionInput(serializers.Serializer):
    """The decision that approves: a decision record's id (decided and approved, of the same commission), or the
    reference of a decision made elsewhere."""

    decision = serializers.PrimaryKeyRelatedField(
        queryset=ReserveDrawdown.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A decision record's id (`/api/v1/decisions/`); its reference is recorded.",
    )
    decision_reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The core reaches reports.Decision through its string foreign key, importing no other app.
        model: Any = ReserveDrawdown._meta.get_field("decision").related_model
        self.fields["decision"].queryset = model.objects.all()


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


def valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data  # type: ignore[return-value]


# Views ----------------------------------------------------------------------------------------------------


def _reserves() -> QuerySet[Reserve]:
    return (
        funding_selectors.reserves_with_positions()
        .select_related("commission")
        .prefetch_related(Prefetch("drawdowns", queryset=funding_selectors.drawdown_list()))
        .order_by("commission_id", "name")
    )


class ReserveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reserves of the host with their protocol, opening balance, balance in the ledger and drawdowns."""

    serializer_class = ReserveOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = Reserve.objects.none()
    action_permissions = {"post_opening": ("commissioning.change_reserve",)}

    def get_queryset(self) -> QuerySet[Reserve]:
        return scoped(_reserves(), self.request.user, "commissioning.view_reserve")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        positions = [funding_selectors.position_of(reserve) for reserve in page or []]
        return self.get_paginated_response(ReserveOutput(positions, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ReserveOutput(funding_selectors.position_of(self.get_object())).data)

    @extend_schema(request=OpeningInput, responses={201: ReserveOutput})
    @action(detail=True, methods=["post"], url_path="post-opening")
    def post_opening(self, request: Request, pk: str) -> Response:
        """Post the reserve's stated opening balance to the ledger, once."""
        reserve = self.get_object()
        data = valid(OpeningInput, request)
        year = financial_year_of(reserve.commission, data["financial_year"]) if "financial_year" in data else None
        funding_services.reserve_opening_balance_post(reserve=reserve, financial_year=year, by=request.user)  # type: ignore[arg-type]
        return Response(ReserveOutput(funding_selectors.position_of(_reserves().get(pk=reserve.pk))).data, 201)


_RESERVE_PK = OpenApiParameter("reserve_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The reserve's id.")


@extend_schema_view(
    list=extend_schema(parameters=[_RESERVE_PK]),
    retrieve=extend_schema(parameters=[_RESERVE_PK]),
)
class ReserveDrawdownViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A reserve's drawdowns: proposed, approved by a decision, then posted into a year's pool (or rejected)."""

    serializer_class = DrawdownOutput
    permission_classes = [RolePermissions]
    queryset = ReserveDrawdown.objects.none()
    action_permissions = {
        "approve": ("commissioning.approve_funding",),
        "reject": ("commissioning.approve_funding",),
        "post_to_ledger": ("commissioning.change_reservedrawdown",),
    }

    def _reserve(self) -> Reserve:
        reserves = scoped(Reserve.objects.select_related("commission"), self.request.user, "commissioning.view_reserve")
        return get_object_or_404(reserves, pk=self.kwargs["reserve_pk"])

    def get_queryset(self) -> QuerySet[ReserveDrawdown]:
        # No lookup of the reserve here: the permission check asks for the queryset before anything else, and a
        # caller without permission gets 403 whether or not the reserve exists.
        drawdowns = funding_selectors.drawdown_list().filter(reserve_id=self.kwargs["reserve_pk"])
        return scoped(drawdowns, self.request.user, "commissioning.view_reservedrawdown")

    def list(self, request: Request, reserve_pk: str) -> Response:
        self._reserve()  # a reserve that is not there, or not the caller's to see, is a 404, not an empty list
        return super().list(request)

    def _output(self, drawdown: ReserveDrawdown, code: int = status.HTTP_200_OK) -> Response:
        return Response(DrawdownOutput(funding_selectors.drawdown_list().get(pk=drawdown.pk)).data, status=code)

    @extend_schema(parameters=[_RESERVE_PK], request=DrawdownProposeInput, responses={201: DrawdownOutput})
    def create(self, request: Request, reserve_pk: str) -> Response:
        """Propose a drawdown. Refused if the reserve, less drawdowns already approved, cannot cover it."""
        reserve = self._reserve()
        data = valid(DrawdownProposeInput, request)
        drawdown = funding_services.reserve_drawdown_propose(
            reserve=reserve,
            financial_year=financial_year_of(reserve.commission, data["financial_year"]),
            amount=data["amount"],
            reason=data["reason"],
            by=request.user,  # type: ignore[arg-type]
        )
        return self._output(drawdown, status.HTTP_201_CREATED)

    @extend_schema(parameters=[_RESERVE_PK], request=DecisionInput, responses={200: DrawdownOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, reserve_pk: str, pk: str) -> Response:
        """Approve a proposed drawdown on a decision (finance approvers)."""
        drawdown = self.get_object()
        data = valid(DecisionInput, request)
        funding_services.reserve_drawdown_approve(drawdown=drawdown, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(drawdown)

    @extend_schema(parameters=[_RESERVE_PK], request=ReasonInput, responses={200: DrawdownOutput})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, reserve_pk: str, pk: str) -> Response:
        """Reject a drawdown not yet posted, with the reason (finance approvers)."""
        drawdown = self.get_object()
        data = valid(ReasonInput, request)
        funding_services.reserve_drawdown_reject(drawdown=drawdown, by=request.user, **data)  # type: ignore[arg-type]
        return self._output(drawdown)

    @extend_schema(parameters=[_RESERVE_PK], request=None, responses={200: DrawdownOutput})
    @action(detail=True, methods=["post"], url_path="post")
    def post_to_ledger(self, request: Request, reserve_pk: str, pk: str) -> Response:
        """Post an approved drawdown to the ledger, from the reserve into the year's pool (officers)."""
        drawdown = self.get_object()
        funding_services.reserve_drawdown_post(drawdown=drawdown, by=request.user)  # type: ignore[arg-type]
        return self._output(drawdown)


class CommissionPoolView(generics.GenericAPIView):
    """A commission's pool under its rules: each year's income, spend and balance from the ledger, how the
    year's overspend is met, and each partner's share pro rata to its contributions."""

    serializer_class = PoolOutput
    permission_classes = [RolePermissions]
    required_permissions = ("commissioning.view_commission", "commissioning.view_poolrules")
    queryset = Commission.objects.none()
    pagination_class = None

    @extend_schema(tags=["commissions"], operation_id="commissions_pool_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        commissions = scoped(Commission.objects.select_related("host"), request.user, "commissioning.view_commission")
        commission = get_object_or_404(commissions, pk=pk)
        return Response(PoolOutput(funding_selectors.pool_statement(commission)).data)
