"""Scenarios' endpoints: `scenarios` (list, read, save), and its `preview`, `compare` and `adopt` actions.

The same permissions as the scenario pages: reading and previewing need `commissioning.view_commission` and
`allocations.view_scenario` (officer, manager, auditor); saving needs `allocations.add_scenario`; adopting, which
makes the next version of a formula, needs `allocations.change_formula` (officers).

A scenario's `changes` travel as the plain data the pages keep (`allocations.scenario_changes`): partner ids as
keys, money and weights as decimal strings. The serializers here check only that shape, refusing a JSON number
where a decimal string belongs; what the changes may be is checked by `scenario_changes.read_changes`, whose
messages come back as 400s under `changes`. Every figure is computed by `allocations.scenarios`, none here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from allocations import scenario_selectors, selectors
from allocations.api import FormulaOutput
from allocations.models import Formula, RoundingUnit, Scenario
from allocations.scenario_changes import CHANGE_KEYS
from allocations.scenario_services import scenario_adopt, scenario_save
from commissioning.api import (
    CommissionFilter,
    DecimalStringField,
    MoneyField,
    RolePermissions,
    StrictDecimalField,
    scoped,
)
from commissioning.models import Commission
from partners.api import FormulaReference

# Changes, both ways -------------------------------------------------------------------------------------------


class ChangesInput(serializers.Serializer):
    """What a scenario changes. Leave out a kind of change that is not made; at least one change is needed."""

    declines = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Ids of the partners that pay nothing."
    )
    pays = serializers.DictField(
        child=MoneyField(), required=False, help_text="Partner id → the amount it pays a year instead."
    )
    basis_values = serializers.DictField(
        child=StrictDecimalField(max_digits=20, decimal_places=4),
        required=False,
        help_text="Weighted formulas: partner id → its value in the basis dataset, as a decimal string.",
    )
    category_weights = serializers.DictField(
        child=StrictDecimalField(max_digits=14, decimal_places=4),
        required=False,
        help_text="Cost-model formulas: category name → its weight, as a decimal string.",
    )
    total = MoneyField(
        required=False,
        allow_null=True,
        help_text="The yearly total to share (weighted, cost model) or, for a fixed formula, the yearly target.",
    )

    def to_internal_value(self, data: Any) -> Any:
        # A misspelt kind of change would otherwise be dropped without a word and the scenario shown without it.
        if isinstance(data, Mapping):
            unknown = [str(key) for key in data if key not in self.fields]
            if unknown:
                kinds = ", ".join(CHANGE_KEYS)
                raise serializers.ValidationError(
                    {key: [f"Unknown kind of change. The kinds are {kinds}."] for key in unknown}
                )
        return super().to_internal_value(data)


class ChangesOutput(serializers.Serializer):
    """A saved scenario's changes, as kept: every kind is present, empty where that kind of change is not made.

    The same shape as `ChangesInput`, so a scenario's changes can be sent back to `preview` as they are.
    """

    declines = serializers.ListField(child=serializers.IntegerField(), read_only=True, default=list)
    pays = serializers.DictField(child=MoneyField(), read_only=True, default=dict)
    basis_values = serializers.DictField(
        child=serializers.CharField(), read_only=True, default=dict, help_text="Decimal strings."
    )
    category_weights = serializers.DictField(
        child=serializers.CharField(), read_only=True, default=dict, help_text="Decimal strings."
    )
    total = MoneyField(read_only=True, allow_null=True, default=None)


# The computed result ------------------------------------------------------------------------------------------


class LinePartner(serializers.Serializer):
    id = serializers.IntegerField(source="partner_id")
    name = serializers.CharField(help_text="The partner's name as the formula has it.")


class ScenarioLineOutput(serializers.Serializer):
    partner = LinePartner(source="*")
    live = MoneyField(help_text="What the live plan asks a year.")
    scenario = MoneyField(help_text="What the scenario asks a year.")
    difference = MoneyField(help_text="scenario − live.")
    change = serializers.ChoiceField(
        choices=[("declines", "Declines"), ("pays", "Pays a set amount"), ("recomputed", "Formula inputs changed")],
        allow_blank=True,
        help_text="Why the line differs; empty when it is as the live plan.",
    )


class YearFiguresOutput(serializers.Serializer):
    number = serializers.IntegerField(help_text="Year 1 is the commission's first.")
    financial_year = serializers.CharField(source="label")
    live_total = MoneyField()
    scenario_total = MoneyField()
    target = MoneyField()
    shortfall = MoneyField(source="shortfall.value", help_text="target − scenario_total; negative is a surplus.")


class RespreadLineOutput(serializers.Serializer):
    partner = LinePartner(source="*")
    scenario = MoneyField()
    extra = MoneyField(help_text="new − scenario.")
    new = MoneyField()
    took_rounding = serializers.BooleanField(help_text="The line took a rounding unit in the split.")


class RespreadOutput(serializers.Serializer):
    possible = serializers.BooleanField()
    rule = serializers.CharField(help_text="How the gap is shared.")
    reason = serializers.CharField(help_text="Why it is not possible; empty when it is.")
    rounding_unit = serializers.ChoiceField(source="unit", choices=RoundingUnit.choices)
    lines = RespreadLineOutput(many=True, help_text="Every partner that does not decline.")
    total_extra = MoneyField()
    new_total = MoneyField()


class ReserveOptionOutput(serializers.Serializer):
    name = serializers.CharField()
    opening_balance = MoneyField(help_text="Drawdowns are not recorded yet, so this is the opening balance.")
    per_year = MoneyField()
    years = serializers.IntegerField()
    needed = MoneyField(help_text="per_year × years.")
    covers = serializers.BooleanField()
    left_after = MoneyField(help_text="opening_balance − needed; negative is how far short it falls.")
    short_by = MoneyField()
    years_covered = serializers.IntegerField(help_text="Whole years of the gap the opening balance meets.")


class CutWorkStream(serializers.Serializer):
    id = serializers.IntegerField(source="work_stream_id")
    name = serializers.CharField()


class WorkStreamCutOutput(serializers.Serializer):
    work_stream = CutWorkStream(source="*")
    share = DecimalStringField(help_text="Percent of the pool.")
    allocation = MoneyField(help_text="Before the cut.")
    alone_reduction = MoneyField(help_text="The cut if this work-stream alone absorbed the gap.")
    alone_becomes = MoneyField()
    alone_possible = serializers.BooleanField()
    spread_reduction = MoneyField(help_text="Its part of the cut spread across work-streams by their shares.")
    spread_becomes = MoneyField()
    spread_possible = serializers.BooleanField()
    took_rounding = serializers.BooleanField()


class WorkStreamYearOutput(serializers.Serializer):
    number = serializers.IntegerField()
    financial_year = serializers.CharField(source="label")
    from_allocations = serializers.BooleanField(
        help_text="True: cut from the year's allocations; false: from the year's target split by the shares."
    )
    rounding_unit = serializers.ChoiceField(source="unit", choices=RoundingUnit.choices)
    cuts = WorkStreamCutOutput(many=True)
    allocation_total = MoneyField()
    spread_total = MoneyField()
    spread_becomes_total = MoneyField()
    spread_possible = serializers.BooleanField()


class WaysToCloseOutput(serializers.Serializer):
    """Each way closes the whole gap on its own; every split is by largest remainder, so the parts add up."""

    respread = RespreadOutput(allow_null=True, help_text="(a) The remaining partners make up the gap.")
    reserves = ReserveOptionOutput(many=True, help_text="(b) Draw the gap from a reserve each year.")
    work_streams = WorkStreamYearOutput(
        many=True, source="work_stream_years", help_text="(c) Reduce a work-stream, each year."
    )


class AdoptedLineOutput(serializers.Serializer):
    partner = LinePartner(source="*")
    amount = MoneyField()


class AdoptionOutput(serializers.Serializer):
    problem = serializers.CharField(
        source="adoption_problem", help_text="Why adopting would leave a formula that cannot be computed, if so."
    )
    lines = AdoptedLineOutput(
        many=True, source="adopted_lines", allow_null=True, help_text="What the next version would ask a year."
    )
    total = MoneyField(source="adopted_total")
    shortfall = MoneyField(source="adopted_shortfall.value", help_text="target − total; negative is a surplus.")


class ScenarioResultOutput(serializers.Serializer):
    """The scenario beside the live plan. Amounts are a year's unless named `_over_years`; a shortfall is the
    target less the requests, and a negative one is a surplus."""

    method = serializers.ChoiceField(choices=Formula.Method.choices)
    rounding_unit = serializers.ChoiceField(source="unit", choices=RoundingUnit.choices)
    descriptions = serializers.ListField(child=serializers.CharField(), help_text="The changes in words.")
    lines = ScenarioLineOutput(many=True, help_text="One line per partner of the live formula.")
    live_total = MoneyField()
    scenario_total = MoneyField()
    total_difference = MoneyField(help_text="scenario_total − live_total.")
    live_target = MoneyField()
    target = MoneyField()
    live_shortfall = MoneyField(source="live_shortfall.value")
    shortfall = MoneyField(source="shortfall.value")
    number_of_years = serializers.IntegerField()
    years = YearFiguresOutput(many=True)
    live_total_over_years = MoneyField()
    scenario_total_over_years = MoneyField()
    live_target_over_years = MoneyField()
    target_over_years = MoneyField()
    live_shortfall_over_years = MoneyField(source="live_shortfall_over_years.value")
    shortfall_over_years = MoneyField(source="shortfall_over_years.value")
    commission_target = MoneyField(help_text="The commission's target over all its years.")
    live_shortfall_against_commission_target = MoneyField(source="live_shortfall_against_commission_target.value")
    shortfall_against_commission_target = MoneyField(source="shortfall_against_commission_target.value")
    ways_to_close_the_gap = WaysToCloseOutput(
        source="*", help_text="Only when there is a gap: otherwise `respread` is empty and the lists are empty."
    )
    adoption = AdoptionOutput(source="*", help_text="What the formula's next version would ask if adopted.")


# Scenarios ----------------------------------------------------------------------------------------------------


class ScenarioReference(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Scenario.Status.choices)
    formula = FormulaReference()


class ScenarioOutput(serializers.Serializer):
    id = serializers.IntegerField(source="scenario.pk")
    commission = serializers.IntegerField(source="scenario.commission_id")
    formula = FormulaReference(source="scenario.formula")
    formula_is_current = serializers.BooleanField(
        help_text="False when the formula has been revised since: its 'live plan' is then no longer in force."
    )
    name = serializers.CharField(source="scenario.name")
    description = serializers.CharField(source="scenario.description")
    status = serializers.ChoiceField(source="scenario.status", choices=Scenario.Status.choices)
    changes = ChangesOutput(source="scenario.changes")
    created_at = serializers.DateTimeField(source="scenario.created_at")
    created_by = serializers.CharField(source="scenario.created_by.username", allow_null=True)
    adopted_at = serializers.DateTimeField(source="scenario.adopted_at", allow_null=True)
    adopted_by = serializers.CharField(source="scenario.adopted_by.username", allow_null=True)
    adopted_formula = serializers.IntegerField(
        source="scenario.adopted_formula_id", allow_null=True, help_text="The formula version adopting it made."
    )
    result = ScenarioResultOutput(
        allow_null=True, help_text="Recomputed now from the formula and the changes; empty when they no longer apply."
    )
    problem = serializers.CharField(help_text="Why there is no result; empty when there is one.")


class PreviewOutput(serializers.Serializer):
    formula = FormulaReference()
    result = ScenarioResultOutput()


class ComparisonLineOutput(serializers.Serializer):
    partner = LinePartner(source="*")
    a = MoneyField(allow_null=True, help_text="What scenario A asks a year; empty when not in A's formula.")
    b = MoneyField(allow_null=True, help_text="What scenario B asks a year; empty when not in B's formula.")
    difference = MoneyField(help_text="b − a, a partner missing from one side counting as asked for nothing.")


class ComparisonOutput(serializers.Serializer):
    a = ScenarioReference()
    b = ScenarioReference()
    lines = ComparisonLineOutput(many=True)
    total_difference = MoneyField(help_text="B's scenario total − A's.")
    shortfall_difference = MoneyField(help_text="B's shortfall per year − A's.")
    result_a = ScenarioResultOutput()
    result_b = ScenarioResultOutput()


# Input ------------------------------------------------------------------------------------------------------


class ScenarioSaveInput(serializers.Serializer):
    commission = serializers.PrimaryKeyRelatedField(queryset=Commission.objects.all())
    formula = serializers.PrimaryKeyRelatedField(
        queryset=Formula.objects.all(), help_text="The current version of one of the commission's formulas."
    )
    name = serializers.CharField(max_length=200, help_text="Unique within the commission.")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    changes = ChangesInput()


class PreviewInput(serializers.Serializer):
    formula = serializers.PrimaryKeyRelatedField(queryset=Formula.objects.select_related("commission", "basis_dataset"))
    changes = ChangesInput()


class CompareInput(serializers.Serializer):
    a = serializers.PrimaryKeyRelatedField(queryset=Scenario.objects.none(), help_text="The first scenario's id.")
    b = serializers.PrimaryKeyRelatedField(
        queryset=Scenario.objects.none(), help_text="The second scenario's id, of the same commission."
    )

    def __init__(self, *args: Any, scenarios: QuerySet[Scenario] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if scenarios is not None:  # only the scenarios the caller may see can be named
            for name in ("a", "b"):
                self.fields[name].queryset = scenarios  # type: ignore[attr-defined]


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data  # type: ignore[return-value]


# Views ----------------------------------------------------------------------------------------------------

_READ = ("commissioning.view_commission", "allocations.view_scenario")


class ScenarioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Saved 'what if' scenarios against a formula, each recomputed from the formula and its changes whenever it is
    read: every partner's live and scenario amounts, the shortfall per year, over the years and against the
    commission's target, and the ways to close the gap."""

    serializer_class = ScenarioOutput
    permission_classes = [RolePermissions]
    filter_backends = [CommissionFilter]
    commission_field = "commission"
    queryset = Scenario.objects.none()
    action_permissions = {
        "list": _READ,
        "retrieve": _READ,
        "preview": _READ,  # computes and writes nothing, as the page's 'Preview'
        "compare": _READ,
        "create": (*_READ, "allocations.add_scenario"),
        # Adopting makes the next version of the formula, as the adopt page.
        "adopt": (*_READ, "allocations.change_formula"),
    }

    def get_queryset(self) -> QuerySet[Scenario]:
        return scoped(scenario_selectors.scenario_list_all(), self.request.user, "allocations.view_scenario")

    def list(self, request: Request) -> Response:
        scenarios = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(scenarios)
        readings = scenario_selectors.scenario_readings(page if page is not None else list(scenarios))
        data = ScenarioOutput(readings, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, pk: str) -> Response:
        (reading,) = scenario_selectors.scenario_readings([self.get_object()])
        return Response(ScenarioOutput(reading).data)

    @extend_schema(request=ScenarioSaveInput, responses={201: ScenarioOutput})
    def create(self, request: Request) -> Response:
        """Save a scenario on the current version of one of the commission's formulas. Changes that cannot be
        applied are refused with every reason under `changes`, and nothing is saved."""
        data = _valid(ScenarioSaveInput(data=request.data))
        scenario = scenario_save(
            commission=data["commission"],
            formula=data["formula"],
            name=data["name"],
            description=data["description"],
            changes=data["changes"],
            by=request.user,  # type: ignore[arg-type]
        )
        (reading,) = scenario_selectors.scenario_readings([scenario_selectors.scenario_list_all().get(pk=scenario.pk)])
        return Response(ScenarioOutput(reading).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PreviewInput, responses={200: PreviewOutput})
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Compute changes against a formula without saving anything: the result a saved scenario would show."""
        data = _valid(PreviewInput(data=request.data))
        result = scenario_selectors.scenario_preview(formula=data["formula"], changes=data["changes"])
        return Response(PreviewOutput({"formula": data["formula"], "result": result}).data)

    @extend_schema(
        parameters=[CompareInput],
        responses={200: ComparisonOutput},
    )
    @action(detail=False, methods=["get"])
    def compare(self, request: Request) -> Response:
        """Two scenarios of the same commission side by side: each partner's request in A and in B (B − A), and
        each one's full result."""
        data = _valid(CompareInput(data=request.query_params, scenarios=self.get_queryset()))
        comparison = scenario_selectors.scenario_compare(data["a"], data["b"])
        return Response(ComparisonOutput(comparison).data)

    @extend_schema(request=None, responses={201: FormulaOutput})
    @action(detail=True, methods=["post"])
    def adopt(self, request: Request, pk: str) -> Response:
        """Make the scenario the live plan: the next version of its formula, with the changes in it (returned). A
        scenario is adopted once, and not after its formula has been revised."""
        formula = scenario_adopt(scenario=self.get_object(), by=request.user)  # type: ignore[arg-type]
        fresh = selectors.formula_list().get(pk=formula.pk)
        return Response(FormulaOutput(fresh).data, status=status.HTTP_201_CREATED)
