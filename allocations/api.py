"""Allocations' endpoints: `formulas`, `basis-datasets`, `allocations`, `year-budgets`, `monitoring-returns`, and a
commission's `reconciliation`.

Views parse input with an input serializer, call one service or selector, and render with an output serializer.
Every figure a response shows was computed by a service or a selector, never by a serializer.
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

from allocations import selectors, services
from allocations.models import (
    BasisDataset,
    Formula,
    MonitoringReturn,
    RoundingUnit,
    WorkStreamAllocation,
    YearBudget,
)
from commissioning.api import (
    CommissionFilter,
    DecimalStringField,
    FinancialYearField,
    MoneyField,
    NamedSerializer,
    RolePermissions,
    StrictDecimalField,
    financial_year_of,
    scoped,
)
from commissioning.models import Commission, WorkStream
from partners.api import ContributionRequestOutput
from partners.models import Partner
from partners.selectors import visible_requests

# Output ---------------------------------------------------------------------------------------------------


class PartnerReference(NamedSerializer):
    kind = serializers.ChoiceField(choices=Partner.Kind.choices)


class BasisDatasetReference(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    measure = serializers.CharField()
    source = serializers.CharField()
    vintage = serializers.CharField()


class ParticipantOutput(serializers.Serializer):
    partner = PartnerReference()
    fixed_amount = MoneyField(allow_null=True, help_text="Fixed formulas only: the yearly amount.")


class CostCategoryOutput(serializers.Serializer):
    name = serializers.CharField()
    weight = DecimalStringField(help_text="Relative weight; a category's share is weight ÷ sum of weights.")
    source = serializers.CharField(help_text="Where the weight comes from.")
    partner_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Partner.Kind.choices))
    spread_dataset = BasisDatasetReference(allow_null=True, help_text="Empty: spread equally across its partners.")
    position = serializers.IntegerField()


class FormulaOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    name = serializers.CharField()
    version = serializers.IntegerField()
    method = serializers.ChoiceField(choices=Formula.Method.choices)
    total = MoneyField(allow_null=True, help_text="The yearly total to share out (weighted and cost-model formulas).")
    rounding_unit = serializers.ChoiceField(choices=RoundingUnit.choices)
    basis_dataset = BasisDatasetReference(allow_null=True)
    note = serializers.CharField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    superseded_by = serializers.IntegerField(
        source="next_version_id", allow_null=True, help_text="The next version; empty for the version in force."
    )
    participants = ParticipantOutput(many=True)
    cost_categories = CostCategoryOutput(many=True)
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True)


class BasisValueOutput(serializers.Serializer):
    partner = NamedSerializer()
    value = DecimalStringField()


class BasisDatasetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    measure = serializers.CharField()
    unit = serializers.CharField()
    source = serializers.CharField()
    vintage = serializers.CharField()
    table_import = serializers.IntegerField(source="table_import_id", allow_null=True)
    created_at = serializers.DateTimeField()
    values = BasisValueOutput(many=True)


class OverrideOutput(serializers.Serializer):
    previous_amount = MoneyField()
    new_amount = MoneyField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by.username", allow_null=True)


class AllocationLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    work_stream = NamedSerializer()
    computed_amount = MoneyField(help_text="The line as the split of the year's budget gives it.")
    took_rounding = serializers.BooleanField(help_text="This line received a rounding unit in the split.")
    amount = MoneyField(help_text="The allocation in force: the computed line, or an officer's override.")
    is_overridden = serializers.BooleanField()


class AllocationOutput(AllocationLineOutput):
    commission = serializers.IntegerField(source="financial_year.commission_id")
    financial_year = FinancialYearField()
    pooled_share = DecimalStringField(
        source="work_stream.pooled_share", allow_null=True, help_text="Percent of the year's pool; empty once unpooled."
    )
    difference_from_formula = MoneyField(help_text="amount − computed_amount.")
    override_reason = serializers.CharField()
    overridden_at = serializers.DateTimeField(allow_null=True)
    overridden_by = serializers.CharField(source="overridden_by.username", allow_null=True)
    overrides = OverrideOutput(many=True, help_text="Every override of the line, oldest first.")


class YearBudgetOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="financial_year.commission_id")
    financial_year = FinancialYearField()
    amount = MoneyField()
    rounding_unit = serializers.ChoiceField(choices=RoundingUnit.choices)
    note = serializers.CharField()
    set_at = serializers.DateTimeField()
    set_by = serializers.CharField(source="set_by.username", allow_null=True)
    allocations = AllocationLineOutput(
        many=True, source="financial_year.allocations.all", help_text="The budget split across the pooled streams."
    )


class MonitoringReturnOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="financial_year.commission_id")
    financial_year = FinancialYearField()
    work_stream = NamedSerializer()
    quarter = serializers.IntegerField()
    forecast = MoneyField(help_text="Full-year forecast outturn as at the end of the quarter.")
    actual = MoneyField(allow_null=True, help_text="Actual spend to the end of the quarter.")
    allocation = MoneyField(
        source="allocation_amount", allow_null=True, help_text="The year's allocation to the work-stream in force now."
    )
    variance = MoneyField(allow_null=True, help_text="allocation − forecast, computed; positive is an underspend.")
    stated_allocation = MoneyField(allow_null=True, help_text="An imported row's allocation, as its table states.")
    stated_variance = MoneyField(allow_null=True, help_text="An imported row's variance, as its table states.")
    table_import = serializers.IntegerField(source="table_import_id", allow_null=True)
    row_number = serializers.IntegerField(allow_null=True)
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.username", allow_null=True)


class MismatchOutput(serializers.Serializer):
    where = serializers.CharField()
    what = serializers.CharField()
    stated = DecimalStringField(help_text="Pounds, or percent where `is_percent`.")
    computed = DecimalStringField()
    difference = DecimalStringField(help_text="stated − computed.")
    rule = serializers.CharField(help_text="How the computed figure is worked out.")
    table_import = serializers.IntegerField(source="table_import.pk", allow_null=True)
    is_percent = serializers.BooleanField()


class ReconciliationOutput(serializers.Serializer):
    commission = serializers.IntegerField(source="commission.pk")
    checked = serializers.IntegerField(help_text="How many stated figures were checked.")
    mismatches = MismatchOutput(many=True)


# Input ----------------------------------------------------------------------------------------------------


class ParticipantInput(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())
    fixed_amount = MoneyField(required=False, allow_null=True, default=None)


class CategoryInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    weight = StrictDecimalField(max_digits=14, decimal_places=4, min_value=0)
    source = serializers.CharField(max_length=300)
    partner_kinds = serializers.ListField(child=serializers.ChoiceField(choices=Partner.Kind.choices), min_length=1)
    spread_dataset = serializers.PrimaryKeyRelatedField(
        queryset=BasisDataset.objects.all(), required=False, allow_null=True, default=None
    )


class FormulaCreateInput(serializers.Serializer):
    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    name = serializers.CharField(max_length=200)
    method = serializers.ChoiceField(choices=Formula.Method.choices)
    total = MoneyField(required=False, allow_null=True, default=None)
    rounding_unit = serializers.ChoiceField(choices=RoundingUnit.choices, default=RoundingUnit.POUND)
    basis_dataset = serializers.PrimaryKeyRelatedField(
        queryset=BasisDataset.objects.all(), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    participants = ParticipantInput(many=True)
    categories = CategoryInput(many=True, required=False)


class FormulaReviseInput(serializers.Serializer):
    """Only what changes: a field left out keeps the current version's value."""

    total = MoneyField(required=False, allow_null=True)
    basis_dataset = serializers.PrimaryKeyRelatedField(
        queryset=BasisDataset.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True)
    participants = ParticipantInput(many=True, required=False)
    categories = CategoryInput(many=True, required=False)


class OverrideInput(serializers.Serializer):
    amount = MoneyField()
    reason = serializers.CharField(help_text="Why the allocation differs from the formula.")


class YearInput(serializers.Serializer):
    """A commission and one of its financial years, named as `2013/14`."""

    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    financial_year = FinancialYearField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["financial_year"] = financial_year_of(attrs["commission"], attrs["financial_year"])
        return attrs


class YearBudgetInput(YearInput):
    """A year's pooled budget, split across the pooled work-streams to the rounding unit."""

    amount = MoneyField()
    rounding_unit = serializers.ChoiceField(choices=RoundingUnit.choices, default=RoundingUnit.POUND)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MonitoringReturnInput(YearInput):
    """One quarter's forecast outturn and actual spend for a work-stream of the commission."""

    work_stream = serializers.PrimaryKeyRelatedField(queryset=WorkStream.objects.all())
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    forecast = MoneyField()
    actual = MoneyField(required=False, allow_null=True, default=None)


def _participants(rows: list[dict[str, Any]]) -> list[services.ParticipantInput]:
    return [services.ParticipantInput(partner=row["partner"], fixed_amount=row["fixed_amount"]) for row in rows]


def _categories(rows: list[dict[str, Any]]) -> list[services.CategoryInput]:
    return [
        services.CategoryInput(
            name=row["name"],
            weight=row["weight"],
            source=row["source"],
            partner_kinds=tuple(row["partner_kinds"]),
            spread_dataset=row["spread_dataset"],
        )
        for row in rows
    ]


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data  # type: ignore[return-value]


# Views ----------------------------------------------------------------------------------------------------

_FORMULA_WRITE = ("allocations.add_formula", "allocations.add_formulaparticipant", "allocations.add_costcategory")


class FormulaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contribution formulas, every version, each with its participants, cost categories and their sources."""

    serializer_class = FormulaOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = Formula.objects.none()
    action_permissions = {
        "create": _FORMULA_WRITE,
        "revise": _FORMULA_WRITE,
        # Drafting replaces the commission's earlier drafts, which have been sent to no one.
        "draft_requests": ("partners.add_contributionrequest", "partners.change_contributionrequest"),
    }

    def get_queryset(self) -> QuerySet[Formula]:
        return scoped(selectors.formula_list(), self.request.user, "allocations.view_formula")

    def _output(self, formula: Formula, status_code: int) -> Response:
        fresh = selectors.formula_list().get(pk=formula.pk)
        return Response(FormulaOutput(fresh).data, status=status_code)

    @extend_schema(request=FormulaCreateInput, responses={201: FormulaOutput})
    def create(self, request: Request) -> Response:
        """Create version 1 of a formula. One that cannot be computed is refused whole, with the reason."""
        data = _valid(FormulaCreateInput, request)
        formula = services.formula_create(
            commission=data["commission"],
            name=data["name"],
            method=data["method"],
            by=request.user,  # type: ignore[arg-type]
            participants=_participants(data["participants"]),
            total=data["total"],
            rounding_unit=data["rounding_unit"],
            basis_dataset=data["basis_dataset"],
            categories=_categories(data.get("categories", [])),
            note=data["note"],
        )
        return self._output(formula, status.HTTP_201_CREATED)

    @extend_schema(request=FormulaReviseInput, responses={201: FormulaOutput})
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: str) -> Response:
        """Make the next version of this formula with the changes given; this version stays as it was."""
        formula = self.get_object()
        data = _valid(FormulaReviseInput, request)
        changes: dict[str, Any] = {key: data[key] for key in ("total", "basis_dataset", "note") if key in data}
        if "participants" in data:
            changes["participants"] = _participants(data["participants"])
        if "categories" in data:
            changes["categories"] = _categories(data["categories"])
        revised = services.formula_revise(formula=formula, by=request.user, **changes)  # type: ignore[arg-type]
        return self._output(revised, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: ContributionRequestOutput(many=True)})
    @action(detail=True, methods=["post"], url_path="draft-requests")
    def draft_requests(self, request: Request, pk: str) -> Response:
        """Draft the commission's contribution requests from this formula, replacing its earlier drafts."""
        formula = self.get_object()
        drafted = services.requests_draft(formula=formula, by=request.user)  # type: ignore[arg-type]
        requests = visible_requests(request.user).filter(pk__in=[draft.pk for draft in drafted])
        return Response(ContributionRequestOutput(requests, many=True).data, status=status.HTTP_201_CREATED)


class BasisDatasetViewSet(viewsets.ReadOnlyModelViewSet):
    """Basis datasets (population, police calls…) with their values per partner, source and vintage.

    `?commission=` gives the datasets the commission uses: weighting a formula, spreading a cost category, or
    imported into it.
    """

    serializer_class = BasisDatasetOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    queryset = BasisDataset.objects.none()

    def get_queryset(self) -> QuerySet[BasisDataset]:
        return scoped(selectors.basis_dataset_list(), self.request.user, "allocations.view_basisdataset")

    def filter_commission(self, queryset: QuerySet[BasisDataset], commission_id: int) -> QuerySet[BasisDataset]:
        return selectors.basis_datasets_for_commission(queryset, commission_id)


class AllocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work-stream allocations: each year's budget for each pooled work-stream, as computed and as in force."""

    serializer_class = AllocationOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "financial_year__commission"
    queryset = WorkStreamAllocation.objects.none()
    action_permissions = {
        "override": ("allocations.change_workstreamallocation", "allocations.add_allocationoverride"),
    }

    def get_queryset(self) -> QuerySet[WorkStreamAllocation]:
        return scoped(selectors.allocation_list(), self.request.user, "allocations.view_workstreamallocation")

    @extend_schema(request=OverrideInput, responses={200: AllocationOutput})
    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str) -> Response:
        """Set the line to another amount, with the reason; setting it back to the computed amount ends the
        override. Every change is kept in the line's `overrides`."""
        allocation = self.get_object()
        data = _valid(OverrideInput, request)
        services.allocation_override(
            allocation=allocation,
            amount=data["amount"],
            reason=data["reason"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(AllocationOutput(selectors.allocation_list().get(pk=allocation.pk)).data)


class YearBudgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Year budgets: a financial year's pooled budget and the allocation lines it is split into."""

    serializer_class = YearBudgetOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "financial_year__commission"
    queryset = YearBudget.objects.none()
    action_permissions = {
        # Setting a budget re-splits the year's allocation lines too.
        "create": (
            "allocations.add_yearbudget",
            "allocations.change_yearbudget",
            "allocations.add_workstreamallocation",
            "allocations.change_workstreamallocation",
        ),
    }

    def get_queryset(self) -> QuerySet[YearBudget]:
        return scoped(selectors.year_budget_list(), self.request.user, "allocations.view_yearbudget")

    @extend_schema(request=YearBudgetInput, responses={200: YearBudgetOutput, 201: YearBudgetOutput})
    def create(self, request: Request) -> Response:
        """Set a year's budget (201 the first time, 200 after) and split it across the pooled work-streams by
        largest remainder; lines an officer has overridden keep their override."""
        data = _valid(YearBudgetInput, request)
        year = data["financial_year"]
        existed = YearBudget.objects.filter(financial_year=year).exists()
        services.year_budget_set(
            financial_year=year,
            amount=data["amount"],
            by=request.user,  # type: ignore[arg-type]
            rounding_unit=data["rounding_unit"],
            note=data["note"],
        )
        budget = selectors.year_budget_list().get(financial_year=year)
        return Response(
            YearBudgetOutput(budget).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class MonitoringReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring returns: a quarter's forecast outturn and actual spend for a work-stream, with the variance."""

    serializer_class = MonitoringReturnOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "financial_year__commission"
    queryset = MonitoringReturn.objects.none()

    def get_queryset(self) -> QuerySet[MonitoringReturn]:
        return scoped(selectors.monitoring_return_list(), self.request.user, "allocations.view_monitoringreturn")

    @extend_schema(request=MonitoringReturnInput, responses={201: MonitoringReturnOutput})
    def create(self, request: Request) -> Response:
        """Record one quarter of a work-stream; a quarter is recorded once. The variance is computed."""
        data = _valid(MonitoringReturnInput, request)
        monitoring = services.monitoring_return_record(
            financial_year=data["financial_year"],
            work_stream=data["work_stream"],
            quarter=data["quarter"],
            forecast=data["forecast"],
            actual=data["actual"],
            by=request.user,  # type: ignore[arg-type]
        )
        fresh = selectors.monitoring_return_list().get(pk=monitoring.pk)
        return Response(MonitoringReturnOutput(fresh).data, status=status.HTTP_201_CREATED)


class CommissionReconciliationView(generics.GenericAPIView):
    """A commission's reconciliation: every stated figure that differs from the figure computed from its parts.

    It lives here, not in the core's `commissions` viewset, because the reconciliation reads allocations and
    imported tables, and the core imports no other app.
    """

    serializer_class = ReconciliationOutput
    permission_classes = [RolePermissions]
    required_permissions = ("commissioning.view_commission", "allocations.view_tableimport")
    queryset = Commission.objects.none()
    pagination_class = None

    @extend_schema(tags=["commissions"], operation_id="commissions_reconciliation_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        commissions = scoped(Commission.objects.all(), request.user, "commissioning.view_commission")
        commission = get_object_or_404(commissions, pk=pk)
        return Response(ReconciliationOutput(selectors.commission_reconciliation(commission)).data)
