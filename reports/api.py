"""Per-commission endpoints that read every app: the fund `statement`, and `plan-versions` with the funding
movements between two of them.

Views parse input with an input serializer, call one service or selector, and render with an output serializer;
every figure is computed by `commissioning.statement` or `reports.selectors`, never by a serializer.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from commissioning import financial_years
from commissioning.api import FinancialYearField, MoneyField, NamedSerializer, RolePermissions, scoped
from commissioning.models import Commission, FundingPlanVersion, User
from reports import selectors, services


def _money(**kwargs: Any) -> MoneyField:
    """Money that may be below nought: a variance, a balance, a change, an amount owed back."""
    return MoneyField(allow_negative=True, **kwargs)


# The fund statement ------------------------------------------------------------------------------------------


class StatementPartnerReference(serializers.Serializer):
    id = serializers.IntegerField(source="partner_id")
    name = serializers.CharField()


class StatementReserveReference(serializers.Serializer):
    id = serializers.IntegerField(source="reserve_id")
    name = serializers.CharField()


class PartnerIncomeOutput(serializers.Serializer):
    partner = StatementPartnerReference(source="*")
    pledged = _money()
    invoiced = _money()
    received = _money()
    outstanding = _money(help_text="Pledged − received; negative when the partner has paid more than it pledged.")


SECURED_FROM = (
    "Null when secured; else the later date it takes effect on (a decision subject to call-in), until which it "
    "counts as provisional."
)
NOTE = "Why it takes effect later, e.g. 'Approved by CM002/13, subject to call-in: secured from 17 November 2013'."


class StatementDrawdownOutput(serializers.Serializer):
    reserve = StatementReserveReference(source="*")
    amount = _money()
    secured_from = serializers.DateField(allow_null=True, help_text=SECURED_FROM)
    note = serializers.CharField(help_text=NOTE)


class CarriedInOutput(serializers.Serializer):
    from_year = FinancialYearField()
    amount = _money()
    secured_from = serializers.DateField(allow_null=True, help_text=SECURED_FROM)
    note = serializers.CharField(help_text=NOTE)


class WorkStreamFiguresOutput(serializers.Serializer):
    work_stream = NamedSerializer()
    allocated = _money()
    forecast = _money(help_text="The latest forecast outturn.")
    variance = _money(help_text="Allocated − forecast: positive is an underspend.")
    actual = _money(help_text="Actual spend.")
    carried_forward = _money(help_text="Underspend carried forward to a later year.")


class FundingPositionOutput(serializers.Serializer):
    requested = _money(help_text="The partners' contribution requests for the year.")
    secured = _money(
        help_text="Posted income in effect: pledges, reserve drawdowns and confirmed carry-forwards in, less those "
        "that take effect later."
    )
    provisional = _money(
        help_text="Carry-forwards into the year with outline approval, not yet confirmed, and drawdowns and "
        "carry-forwards posted to take effect later (a decision subject to call-in)."
    )
    plan = _money(allow_null=True, help_text="The year's budget; null when none is set.")
    shortfall = _money(allow_null=True, help_text="Plan − secured − provisional; negative is a surplus.")


class YearStatementOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    partners = PartnerIncomeOutput(many=True)
    drawdowns = StatementDrawdownOutput(many=True)
    carried_in = CarriedInOutput(many=True)
    work_streams = WorkStreamFiguresOutput(many=True, source="streams")
    pledged = _money()
    invoiced = _money()
    received = _money()
    outstanding = _money()
    drawn = _money()
    carried_in_total = _money()
    income = _money(help_text="Pledged + drawn + carried in.")
    allocated = _money()
    forecast = _money()
    variance = _money()
    actual = _money()
    carried_forward = _money()
    unallocated = _money(help_text="The balance of the year's pool: income − allocated.")
    position = FundingPositionOutput()


class ArrearsLineOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    pledged = _money()
    invoiced = _money()
    received = _money()
    outstanding = _money()


class PartnerArrearsOutput(serializers.Serializer):
    partner = StatementPartnerReference(source="*")
    outstanding = _money()
    lines = ArrearsLineOutput(many=True)


class StatementOutput(serializers.Serializer):
    commission = NamedSerializer()
    years = YearStatementOutput(many=True)
    arrears = PartnerArrearsOutput(many=True, help_text="Pledges not yet received, by partner and year.")
    arrears_total = _money()


def _commission(request: Request, pk: int) -> Commission:
    """The commission, for callers who may read commissions; a 404 for anyone else or a missing one."""
    commissions = scoped(Commission.objects.all(), request.user, "commissioning.view_commission")
    return get_object_or_404(commissions, pk=pk)


class CommissionStatementView(generics.GenericAPIView):
    """A commission's fund statement: for each financial year, income by source, allocations and spend by
    work-stream, the unallocated pool and the funding position; and the arrears of every partner."""

    serializer_class = StatementOutput
    permission_classes = [RolePermissions]
    required_permissions = ("commissioning.view_commission", "commissioning.view_ledgertransaction")
    queryset = Commission.objects.none()
    pagination_class = None

    @extend_schema(
        tags=["commissions"],
        operation_id="commissions_statement_retrieve",
        parameters=[
            OpenApiParameter(
                "financial_year", OpenApiTypes.STR, description="Only this year (`2013/14`); arrears are for all."
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        commission = _commission(request, pk)
        fund = selectors.commission_fund_statement(commission)
        years = fund.years
        label = request.query_params.get("financial_year")
        if label:
            try:
                start_year = financial_years.parse(label)
            except ValueError as error:
                raise exceptions.ValidationError({"financial_year": [str(error)]}) from None
            years = [year for year in fund.years if year.year.start_year == start_year]
            if not years:
                raise exceptions.ValidationError({"financial_year": [f"{commission} has no financial year {label}."]})
        data = {"commission": commission, "years": years, "arrears": fund.arrears, "arrears_total": fund.arrears_total}
        return Response(StatementOutput(data).data)


# Plan versions and movements ---------------------------------------------------------------------------------


class PlanVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    number = serializers.IntegerField()
    label = serializers.CharField()
    decision_reference = serializers.CharField()
    decision = serializers.IntegerField(source="decision_id", allow_null=True, help_text="The decision record, if any.")
    frozen_at = serializers.DateTimeField()
    frozen_by = serializers.CharField(source="frozen_by.username", allow_null=True, default=None)
    snapshot_sha256 = serializers.CharField(help_text="SHA-256 of the snapshot's canonical JSON.")
    snapshot_intact = serializers.BooleanField(help_text="Whether the snapshot still has that SHA-256.")


class PlanVersionDetailOutput(PlanVersionOutput):
    snapshot = serializers.JSONField(
        help_text="The plan as frozen: years, position, partners, reserves, carry-forwards and work-streams, with "
        "money as decimal strings."
    )


class PlanVersionFreezeInput(serializers.Serializer):
    label = serializers.CharField(help_text="What the version is, for example 'Initial approval'.")
    decision_reference = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A decided and approved decision of the commission."
    )


class MovementOutput(serializers.Serializer):
    name = serializers.CharField()
    financial_year = serializers.CharField(source="year")
    figure = serializers.ChoiceField(choices=list(selectors.FIGURE_LABELS.items()))
    before = _money(allow_null=True, help_text="Null where the earlier plan does not have the figure.")
    after = _money(allow_null=True, help_text="Null where the later plan does not have the figure.")
    change = _money(help_text="After − before, a missing figure counting as nothing.")


class FigureTotalOutput(serializers.Serializer):
    figure = serializers.ChoiceField(choices=list(selectors.FIGURE_LABELS.items()))
    before = _money()
    after = _money()
    change = _money()


class MovementGroupOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    changes = MovementOutput(many=True, source="changed", help_text="The figures that changed.")
    totals = FigureTotalOutput(many=True, help_text="Each figure summed over the group, before and after.")


class MovementsOutput(serializers.Serializer):
    before_label = serializers.CharField(source="before", help_text="The earlier plan: a version.")
    after_label = serializers.CharField(source="after", help_text="The later plan: a version, or the plan now.")
    changed = serializers.BooleanField()
    groups = MovementGroupOutput(many=True)


def _versions_of(commission: Commission) -> dict[int, FundingPlanVersion]:
    return {version.number: version for version in selectors.plan_version_list(commission)}


class PlanVersionListView(generics.GenericAPIView):
    """A commission's funding plan versions, oldest first; POST freezes the plan as it stands as the next one."""

    serializer_class = PlanVersionOutput
    permission_classes = [RolePermissions]
    queryset = FundingPlanVersion.objects.none()  # the model, for RolePermissions: view to read, add to freeze
    pagination_class = None

    @extend_schema(
        tags=["plan-versions"], operation_id="commissions_plan_versions_list", responses=PlanVersionOutput(many=True)
    )
    def get(self, request: Request, pk: int) -> Response:
        versions = selectors.plan_version_list(_commission(request, pk))
        return Response(PlanVersionOutput(versions, many=True).data)

    @extend_schema(
        tags=["plan-versions"],
        operation_id="commissions_plan_versions_create",
        request=PlanVersionFreezeInput,
        responses={201: PlanVersionDetailOutput},
    )
    def post(self, request: Request, pk: int) -> Response:
        commission = _commission(request, pk)
        data = PlanVersionFreezeInput(data=request.data)
        data.is_valid(raise_exception=True)
        by: User = request.user  # type: ignore[assignment]
        decision = None
        if data.validated_data["decision"] is not None:
            decision = commission.decisions.filter(pk=data.validated_data["decision"]).first()
            if decision is None:
                raise exceptions.ValidationError({"decision": ["No decision of this commission has that id."]})
        version = services.plan_version_freeze(
            commission=commission,
            label=data.validated_data["label"],
            decision_reference=data.validated_data["decision_reference"],
            decision=decision,
            by=by,
        )
        return Response(PlanVersionDetailOutput(version).data, status=status.HTTP_201_CREATED)


class PlanVersionDetailView(generics.GenericAPIView):
    """One version of a commission's funding plan, with its snapshot."""

    serializer_class = PlanVersionDetailOutput
    permission_classes = [RolePermissions]
    queryset = FundingPlanVersion.objects.none()
    pagination_class = None

    @extend_schema(tags=["plan-versions"], operation_id="commissions_plan_versions_retrieve")
    def get(self, request: Request, pk: int, number: int) -> Response:
        version = _versions_of(_commission(request, pk)).get(number)
        if version is None:
            raise exceptions.NotFound(f"The plan has no version {number}.")
        return Response(PlanVersionDetailOutput(version).data)


class PlanMovementsView(generics.GenericAPIView):
    """The funding movements between two versions of the plan, or a version and the plan as it stands now: what
    changed by partner, reserve, carry-forward and work-stream, the funding position by year, and totals."""

    serializer_class = MovementsOutput
    permission_classes = [RolePermissions]
    queryset = FundingPlanVersion.objects.none()
    pagination_class = None

    @extend_schema(
        tags=["plan-versions"],
        operation_id="commissions_plan_versions_movements_retrieve",
        parameters=[
            OpenApiParameter("before", OpenApiTypes.INT, required=True, description="The earlier version's number."),
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                required=True,
                description="The later version's number, or `current` for the plan as it stands now.",
            ),
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        commission = _commission(request, pk)
        versions = _versions_of(commission)
        before = self._version(versions, request.query_params.get("before", ""), "before")
        after_param = request.query_params.get("after", "")
        if after_param == selectors.CURRENT:
            after_snapshot, after_label = selectors.plan_snapshot(commission), "The plan as it stands now"
        else:
            after = self._version(versions, after_param, "after")
            if after.number == before.number:
                raise exceptions.ValidationError({"after": ["Choose a different version from `before`."]})
            after_snapshot, after_label = after.snapshot, str(after)
        movements = selectors.plan_movements(
            before.snapshot, after_snapshot, before_label=str(before), after_label=after_label
        )
        return Response(MovementsOutput(movements).data)

    @staticmethod
    def _version(versions: dict[int, FundingPlanVersion], raw: str, name: str) -> FundingPlanVersion:
        if not raw.isdigit() or int(raw) not in versions:
            numbers = ", ".join(str(number) for number in versions) or "none yet"
            raise exceptions.ValidationError({name: [f"{raw!r} is not a version of this plan (versions: {numbers})."]})
        return versions[int(raw)]
