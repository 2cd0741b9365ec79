"""Providers and contracts under `/api/v1/`: `providers` and `contracts`, with `contracts/commitments/`.

Views parse input with an input serializer, call one service or selector, and render with an output serializer;
every figure is computed by a selector or a service. Spend recorded here posts to the ledger exactly as the pages do
(see `commissioning.contract_services`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning import contract_selectors, contract_services, financial_years
from commissioning.api import (
    CommissionFilter,
    FinancialYearField,
    MoneyField,
    NamedSerializer,
    RolePermissions,
    financial_year_of,
    scoped,
)
from commissioning.models import Commission, Contract, ContractSpend, FinancialYear, Provider, WorkStream

# Output -----------------------------------------------------------------------------------------------------


class ProviderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Provider.Kind.choices, allow_blank=True, help_text="Empty when not known.")
    registered_number = serializers.CharField()
    contact_email = serializers.CharField()
    note = serializers.CharField()
    valid_to = serializers.DateField(allow_null=True, help_text="The day the provider ended; empty while current.")
    contract_count = serializers.IntegerField()
    active_contract_count = serializers.IntegerField()


class ContractValueOutput(serializers.Serializer):
    financial_year = FinancialYearField()
    value = MoneyField()


class ContractOutput(serializers.Serializer):
    id = serializers.IntegerField()
    commission = serializers.IntegerField(source="commission_id")
    provider = NamedSerializer()
    work_stream = NamedSerializer()
    reference = serializers.CharField()
    title = serializers.CharField()
    districts = NamedSerializer(many=True, source="districts.all", help_text="The district councils served.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="The last day as agreed.")
    status = serializers.ChoiceField(choices=Contract.Status.choices)
    ended_on = serializers.DateField(allow_null=True, help_text="The last day of service, when ended early.")
    end_reason = serializers.CharField()
    note = serializers.CharField()
    values = ContractValueOutput(many=True, source="values.all", help_text="The value per financial year.")
    committed = MoneyField(help_text="Σ of the values per year.")
    spent = MoneyField(help_text="Σ of the actual spend of every quarter recorded.")


class TransactionReference(serializers.Serializer):
    number = serializers.IntegerField(help_text="The transaction's number in the commission's ledger.")
    kind = serializers.CharField()
    narrative = serializers.CharField()


class QuarterOutput(serializers.Serializer):
    id = serializers.IntegerField(source="record.pk")
    quarter = serializers.IntegerField(source="record.quarter")
    forecast = MoneyField(source="record.forecast", help_text="Forecast outturn for the whole year.")
    actual = MoneyField(source="record.actual", allow_null=True, help_text="Paid in the quarter.")
    recorded_at = serializers.DateTimeField(source="record.recorded_at")
    recorded_by = serializers.CharField(source="record.recorded_by.username", allow_null=True)
    transactions = TransactionReference(many=True, help_text="The ledger transactions the quarter posted.")


class YearSpendOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    value = MoneyField(allow_null=True, help_text="Empty where no value is stated for the year.")
    forecast = MoneyField(allow_null=True, help_text="The latest quarter's forecast outturn.")
    variance = MoneyField(allow_null=True, help_text="value − forecast; positive is an expected underspend.")
    actual = MoneyField(help_text="Σ of the quarters' actual spend.")
    quarters = QuarterOutput(many=True)


class ContractDetailOutput(ContractOutput):
    years = YearSpendOutput(many=True, help_text="Each year the contract runs in, with its value and spend.")


class SpendRecordOutput(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    financial_year = FinancialYearField()
    quarter = serializers.IntegerField()
    forecast = MoneyField()
    actual = MoneyField(allow_null=True)
    transactions = TransactionReference(many=True)


class CommitmentLineOutput(serializers.Serializer):
    work_stream = NamedSerializer()
    allocated = MoneyField(help_text="The work-stream's budget in the ledger: allocations less carry-forwards out.")
    committed = MoneyField(help_text="Σ of its contracts' values for the year.")
    uncommitted = MoneyField(help_text="allocated − committed; negative when over-committed.")
    contract_count = serializers.IntegerField(help_text="Contracts with a value for the year.")
    forecast = MoneyField(source="contract_forecast", help_text="Σ of each contract's latest forecast outturn.")
    actual = MoneyField(source="contract_actual", help_text="Σ of the contracts' actual spend.")
    ledger_forecast = MoneyField(help_text="The work-stream's forecast in the ledger.")
    ledger_actual = MoneyField(help_text="The work-stream's spend in the ledger.")


class YearCommitmentsOutput(serializers.Serializer):
    financial_year = FinancialYearField(source="year")
    allocated = MoneyField()
    committed = MoneyField()
    uncommitted = MoneyField()
    forecast = MoneyField(source="contract_forecast")
    actual = MoneyField(source="contract_actual")
    lines = CommitmentLineOutput(many=True)


# Input ------------------------------------------------------------------------------------------------------


class ProviderInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Provider.Kind.choices, required=False, allow_blank=True, default="")
    registered_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProviderEndInput(serializers.Serializer):
    on = serializers.DateField(help_text="The provider's last day.")


class YearValueInput(serializers.Serializer):
    financial_year = FinancialYearField()
    value = MoneyField()


def _years_of(commission: Commission, rows: list[dict[str, Any]]) -> dict[FinancialYear, Any]:
    values: dict[FinancialYear, Any] = {}
    for row in rows:
        year = financial_year_of(commission, row["financial_year"])
        if year in values:
            raise serializers.ValidationError({"values": f"{year} is given twice."})
        values[year] = row["value"]
    return values


class ContractInput(serializers.Serializer):
    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all())
    work_stream = serializers.PrimaryKeyRelatedField(queryset=WorkStream.objects.all())
    title = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    districts = serializers.PrimaryKeyRelatedField(
        queryset=contract_selectors.district_choices().model.objects.all(), many=True, required=False, default=list
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    values = YearValueInput(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["values"] = _years_of(attrs["commission"], attrs["values"])
        return attrs


class ContractValuesInput(serializers.Serializer):
    values = YearValueInput(many=True)


class ContractSpendInput(serializers.Serializer):
    financial_year = FinancialYearField()
    quarter = serializers.IntegerField(min_value=1, max_value=4)
    forecast = MoneyField(help_text="The contract's forecast outturn for the whole year.")
    actual = MoneyField(required=False, allow_null=True, default=None, help_text="Paid in the quarter.")


class ContractEndInput(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField()


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data  # type: ignore[return-value]


def _id(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise exceptions.ValidationError({name: f"{raw!r} is not an id."})
    return int(raw)


# Views ------------------------------------------------------------------------------------------------------


class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Providers: the organisations the pools pay under contracts. Ended (`valid_to`), never deleted."""

    serializer_class = ProviderOutput
    permission_classes = [RolePermissions]
    queryset = Provider.objects.none()
    action_permissions = {"end": ("commissioning.change_provider",)}

    def get_queryset(self) -> QuerySet[Provider]:
        return scoped(contract_selectors.provider_list(), self.request.user, "commissioning.view_provider")

    def _output(self, provider: Provider, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(ProviderOutput(contract_selectors.provider_list().get(pk=provider.pk)).data, status=status_code)

    @extend_schema(request=ProviderInput, responses={201: ProviderOutput})
    def create(self, request: Request) -> Response:
        """Add a provider; a name already taken (whatever its capitals) is refused."""
        data = _valid(ProviderInput, request)
        provider = contract_services.provider_create(by=request.user, **data)  # type: ignore[arg-type]
        return self._output(provider, status.HTTP_201_CREATED)

    @extend_schema(request=ProviderEndInput, responses={200: ProviderOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the provider on a day; refused while any of its contracts runs after it."""
        provider = self.get_object()
        data = _valid(ProviderEndInput, request)
        provider = contract_services.provider_end(provider=provider, on=data["on"], by=request.user)  # type: ignore[arg-type]
        return self._output(provider)


class ContractFilter(filters.BaseFilterBackend):
    """`?work_stream=<id>`, `?provider=<id>` and `?financial_year=2013/14` (contracts that run for at least a day of
    that year), narrowing what the caller may already see."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        for name in ("work_stream", "provider"):
            pk = _id(request, name)
            if pk is not None:
                queryset = queryset.filter(**{name: pk})
        label = request.query_params.get("financial_year")
        if label:
            try:
                start_year = financial_years.parse(label)
            except ValueError as error:
                raise exceptions.ValidationError({"financial_year": str(error)}) from None
            first, last = financial_years.starts_on(start_year), financial_years.ends_on(start_year)
            queryset = queryset.filter(starts_on__lte=last).filter(
                Q(ended_on__isnull=True, ends_on__gte=first) | Q(ended_on__gte=first)
            )
        return queryset

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        def parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
            return {"name": name, "required": False, "in": "query", "description": description, "schema": schema}

        return [
            parameter("work_stream", "Only contracts under this work-stream (its id).", {"type": "integer"}),
            parameter("provider", "Only this provider's contracts (its id).", {"type": "integer"}),
            parameter(
                "financial_year",
                "Only contracts that run for at least a day of this year, written 2013/14.",
                {"type": "string", "pattern": r"^\d{4}/\d{2}$"},
            ),
        ]


_CONTRACT_WRITE = ("commissioning.add_contract", "commissioning.add_contractvalue")


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts: a provider delivering a work-stream of a commission for some districts, with a value per year and
    spend by quarter. Recording spend posts it to the ledger, where it rolls up to the work-stream."""

    serializer_class = ContractOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter, ContractFilter]
    commission_field = "commission"
    queryset = Contract.objects.none()
    action_permissions = {
        "create": _CONTRACT_WRITE,
        "values": ("commissioning.add_contractvalue", "commissioning.change_contractvalue"),
        "spend": ("commissioning.add_contractspend",),
        "end": ("commissioning.change_contract",),
        # The commitments read the contracts' values and the ledger's accounts.
        "commitments": (
            "commissioning.view_contract",
            "commissioning.view_contractvalue",
            "commissioning.view_account",
        ),
    }

    def get_queryset(self) -> QuerySet[Contract]:
        return scoped(contract_selectors.contract_list(), self.request.user, "commissioning.view_contract")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ContractDetailOutput if self.action == "retrieve" else ContractOutput

    def _detail(self, contract: Contract, status_code: int = status.HTTP_200_OK, *, fresh: bool = False) -> Response:
        """The contract as `retrieve` shows it; read again after a write, unless it is `fresh` from the selector."""
        if not fresh:
            contract = contract_selectors.contract_list().get(pk=contract.pk)
        detail = contract_selectors.contract_detail(contract)
        contract.years = detail.years  # type: ignore[attr-defined]
        return Response(ContractDetailOutput(contract).data, status=status_code)

    def retrieve(self, request: Request, pk: str) -> Response:
        """A contract with its values, and each year it runs in with its quarters and their ledger transactions."""
        return self._detail(self.get_object(), fresh=True)

    @extend_schema(request=ContractInput, responses={201: ContractDetailOutput})
    def create(self, request: Request) -> Response:
        """Add a contract, with its value for any of its years (`values`)."""
        data = _valid(ContractInput, request)
        contract = contract_services.contract_create(by=request.user, **data)  # type: ignore[arg-type]
        return self._detail(contract, status.HTTP_201_CREATED)

    @extend_schema(request=ContractValuesInput, responses={200: ContractDetailOutput})
    @action(detail=True, methods=["post"])
    def values(self, request: Request, pk: str) -> Response:
        """Set the contract's value for the years given; the others are left as they are."""
        contract = self.get_object()
        data = _valid(ContractValuesInput, request)
        values = _years_of(contract.commission, data["values"])
        contract_services.contract_values_set(contract=contract, values=values, by=request.user)  # type: ignore[arg-type]
        return self._detail(contract)

    @extend_schema(request=ContractSpendInput, responses={201: SpendRecordOutput})
    @action(detail=True, methods=["post"])
    def spend(self, request: Request, pk: str) -> Response:
        """Record a quarter: the actual posts as the work-stream's spend, and the work-stream's forecast becomes the
        sum of its contracts' latest forecasts. A quarter is recorded once."""
        contract = self.get_object()
        data = _valid(ContractSpendInput, request)
        record = contract_services.contract_spend_record(
            contract=contract,
            financial_year=financial_year_of(contract.commission, data["financial_year"]),
            quarter=data["quarter"],
            forecast=data["forecast"],
            actual=data["actual"],
            by=request.user,  # type: ignore[arg-type]
        )
        return Response(SpendRecordOutput(_with_transactions(record)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractEndInput, responses={200: ContractDetailOutput})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the contract early, with the reason."""
        contract = self.get_object()
        data = _valid(ContractEndInput, request)
        contract_services.contract_end(contract=contract, by=request.user, **data)  # type: ignore[arg-type]
        return self._detail(contract)

    @extend_schema(
        parameters=[OpenApiParameter("commission", int, required=True, description="The commission's id.")],
        responses={200: YearCommitmentsOutput(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def commitments(self, request: Request) -> Response:
        """Per year and work-stream: the budget in the ledger, what contracts commit of it, and their spend rolled
        up beside the ledger's own forecast and spend."""
        pk = _id(request, "commission")
        if pk is None:
            raise exceptions.ValidationError({"commission": "Say which commission: ?commission=<id>."})
        commissions = scoped(Commission.objects.all(), request.user, "commissioning.view_commission")
        commission = get_object_or_404(commissions, pk=pk)
        return Response(YearCommitmentsOutput(contract_selectors.commitments(commission), many=True).data)


def _with_transactions(record: ContractSpend) -> ContractSpend:
    detail = contract_selectors.contract_detail(record.contract)
    for year in detail.years:
        for row in year.quarters:
            if row.record.pk == record.pk:
                record.transactions = row.transactions  # type: ignore[attr-defined]
    return record
