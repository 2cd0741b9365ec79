"""Saving and adopting scenarios: what is kept, what the live formula becomes, and what is refused (with nothing
written)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from allocations.models import BasisDataset, BasisValue, Formula, FormulaParticipant, Scenario
from allocations.scenario_selectors import scenario_compare, scenario_result
from allocations.scenario_services import scenario_adopt, scenario_save
from allocations.services import formula_compute, formula_revise
from tests import factories

pytestmark = pytest.mark.django_db


def _save(formula, changes, by, name="Preston declines"):  # type: ignore[no-untyped-def]
    return scenario_save(
        commission=formula.commission, formula=formula, name=name, description="", changes=changes, by=by
    )


def _messages(error: ValidationError) -> list[str]:
    return error.messages


# --- Saving --------------------------------------------------------------------------------------------------


def test_save_keeps_the_changes_normalised_and_stamps_who(fixed_formula, districts, officer):
    preston, chorley = districts["Preston City Council"], districts["Chorley Council"]
    scenario = _save(
        fixed_formula, {"declines": [str(preston.pk)], "pays": {chorley.pk: "£6,000"}, "total": "100000"}, officer
    )
    scenario.refresh_from_db()
    assert scenario.changes == {
        "declines": [preston.pk],
        "pays": {str(chorley.pk): "6000.00"},
        "total": "100000.00",
    }
    assert scenario.status == Scenario.Status.DRAFT
    assert scenario.created_by == officer
    assert scenario.commission == fixed_formula.commission


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pays": {"Preston City Council": "6000"}}, "'Preston City Council' is not a partner id."),
        ({"declines": [999999]}, "Partner 999999 is not in the formula 'District contributions' (version 1)."),
        ({"pays": {"PRESTON": 6000.5}}, 'give the figure as a decimal string such as "12000.00", not a float'),
        ({"pays": {"PRESTON": "-5"}}, "The amount Preston City Council pays cannot be negative (-5)."),
        ({"pays": {"PRESTON": "6000.50"}}, "£6,000.50 is not a whole number of pounds; this formula works in whole"),
        ({"pays": {"PRESTON": "6000.001"}}, "has more than 2 decimal places"),
        ({"pays": {"PRESTON": "lots"}}, "'lots' is not a number."),
        ({"total": 101000.0}, "not a float"),
        ({"total": "-1"}, "The yearly target cannot be negative (-1)."),
        ({"declines": ["PRESTON", "PRESTON"]}, "Preston City Council is listed twice"),
        ({"declines": ["PRESTON"], "pays": {"PRESTON": "1"}}, "Preston City Council cannot both decline and pay £1."),
        ({"basis_values": {"PRESTON": "1"}}, "Basis values weight only a weighted formula"),
        ({"category_weights": {"Health": "1"}}, "Category weights belong to a cost-model formula"),
        ({"refuses": ["PRESTON"]}, "Unknown kind of change: refuses."),
        ({"declines": "PRESTON"}, "'declines' must be a list of partner ids."),
        ({}, "The scenario changes nothing: make at least one change."),
    ],
)
def test_bad_changes_are_refused_with_a_clear_message_and_nothing_written(
    fixed_formula, districts, officer, changes, message
):
    """PRESTON stands for Preston's id, which the database gives."""
    preston = str(districts["Preston City Council"].pk)

    def substitute(value):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            return {(preston if k == "PRESTON" else k): substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [preston if v == "PRESTON" else v for v in value]
        return value

    with pytest.raises(ValidationError) as caught:
        _save(fixed_formula, substitute(changes), officer)
    assert any(message in text for text in _messages(caught.value)), _messages(caught.value)
    assert Scenario.objects.count() == 0


def test_every_problem_is_reported_at_once(fixed_formula, officer):
    with pytest.raises(ValidationError) as caught:
        _save(fixed_formula, {"declines": [999998], "total": 5.0, "oops": 1}, officer)
    assert len(_messages(caught.value)) == 3


def test_weighted_changes_that_leave_nothing_to_share_by_are_refused(weighted_formula, trio, officer):
    changes = {"basis_values": {str(partner.pk): "0" for partner in trio.values()}}
    with pytest.raises(ValidationError, match="sum to zero"):
        _save(weighted_formula, changes, officer)
    assert Scenario.objects.count() == 0


def test_cost_model_unknown_category_is_refused(cost_model_formula, officer):
    with pytest.raises(ValidationError, match="no cost category called 'Housing'"):
        _save(cost_model_formula, {"category_weights": {"Housing": "2"}}, officer)


@pytest.mark.parametrize(("name", "message"), [("  ", "Enter a name"), ("x" * 201, "200 characters or fewer")])
def test_a_scenario_needs_a_short_name(fixed_formula, districts, officer, name, message):
    with pytest.raises(ValidationError, match=message):
        _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer, name=name)
    assert Scenario.objects.count() == 0


def test_scenario_names_are_unique_within_a_commission(fixed_formula, districts, officer):
    _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer)
    with pytest.raises(ValidationError, match="already has a scenario called 'Preston declines'"):
        _save(fixed_formula, {"declines": [districts["Wyre Council"].pk]}, officer)
    assert Scenario.objects.count() == 1


def test_a_formula_of_another_commission_is_refused(fixed_formula, districts, officer):
    other = factories.CommissionFactory()
    with pytest.raises(ValidationError, match="is not a formula of"):
        scenario_save(
            commission=other,
            formula=fixed_formula,
            name="Wrong",
            description="",
            changes={"declines": [districts["Preston City Council"].pk]},
            by=officer,
        )
    assert Scenario.objects.count() == 0


def test_a_scenario_cannot_be_based_on_a_revised_formula(fixed_formula, districts, officer):
    formula_revise(formula=fixed_formula, by=officer, note="Revised")
    with pytest.raises(ValidationError, match="has been revised"):
        _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer)
    assert Scenario.objects.count() == 0


# --- Adopting ------------------------------------------------------------------------------------------------


@time_machine.travel("2013-11-12 10:00 +0000", tick=False)
def test_adopting_a_fixed_scenario_makes_the_next_version_with_the_changes(fixed_formula, districts, officer):
    """Preston declines and Chorley pays £6,000, target £100,000: version 2 asks the 11 others, Chorley £6,000,
    £101,000 − £12,000 − £3,000 = £86,000 a year, against a stated target of £100,000."""
    preston, chorley = districts["Preston City Council"], districts["Chorley Council"]
    scenario = _save(
        fixed_formula, {"declines": [preston.pk], "pays": {str(chorley.pk): "6000"}, "total": "100000"}, officer
    )
    new = scenario_adopt(scenario=scenario, by=officer)

    assert new.version == 2
    assert new.supersedes == fixed_formula
    assert new.total == Decimal("100000.00")
    assert "Adopted from scenario 'Preston declines'" in new.note
    assert "12 November 2013" in new.note
    amounts = {p.partner.name: p.fixed_amount for p in new.participants.select_related("partner")}
    assert "Preston City Council" not in amounts
    assert amounts["Chorley Council"] == Decimal("6000.00")
    assert formula_compute(new).total == Decimal("86000.00")

    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.ADOPTED
    assert scenario.adopted_by == officer
    assert scenario.adopted_formula == new
    assert scenario.adopted_at is not None
    # The earlier version is kept as it was, for history.
    fixed_formula.refresh_from_db()
    assert fixed_formula.participants.count() == 12


def test_adopted_formula_computes_what_the_adoption_preview_showed(cost_model_formula, cost_partners, officer):
    pcc = cost_partners["Police and Crime Commissioner"]
    scenario = _save(cost_model_formula, {"pays": {str(pcc.pk): "10000"}, "category_weights": {"Health": "3"}}, officer)
    preview = scenario_result(scenario)
    new = scenario_adopt(scenario=scenario, by=officer)
    assert [(line.partner_id, line.amount) for line in formula_compute(new).lines] == [
        (line.partner_id, line.amount) for line in preview.adopted_lines
    ]
    health = new.cost_categories.get(name="Health")
    assert health.weight == Decimal("3")
    assert "weight 3 (was 2) from scenario 'Preston declines'" in health.source
    assert new.participants.get(partner=pcc).fixed_amount == Decimal("10000.00")


def test_adopting_changed_basis_values_copies_the_dataset_and_leaves_the_published_one(weighted_formula, trio, officer):
    """A's population 100 → 400 goes into a copy of the dataset named after the scenario; the published
    dataset still says 100. Version 2 then asks £26,667 / £13,333 / £20,000."""
    a = trio["District A"]
    scenario = _save(weighted_formula, {"basis_values": {str(a.pk): "400"}}, officer, name="Recount")
    new = scenario_adopt(scenario=scenario, by=officer)
    assert new.basis_dataset != weighted_formula.basis_dataset
    assert new.basis_dataset.name == "Population (test), as changed by scenario 'Recount'"
    assert BasisValue.objects.get(dataset=weighted_formula.basis_dataset, partner=a).value == Decimal("100")
    assert BasisValue.objects.get(dataset=new.basis_dataset, partner=a).value == Decimal("400")
    assert [line.amount for line in formula_compute(new).lines] == [
        Decimal("26667.00"),
        Decimal("13333.00"),
        Decimal("20000.00"),
    ]


def test_a_scenario_is_adopted_once(fixed_formula, districts, officer):
    scenario = _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer)
    scenario_adopt(scenario=scenario, by=officer)
    formulas_before = Formula.objects.count()
    with pytest.raises(ValidationError, match="a scenario is adopted once"):
        scenario_adopt(scenario=scenario, by=officer)
    assert Formula.objects.count() == formulas_before


def test_a_scenario_whose_formula_was_revised_since_cannot_be_adopted(fixed_formula, districts, officer):
    scenario = _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer)
    formula_revise(formula=fixed_formula, by=officer, note="Someone else's change")
    formulas_before = Formula.objects.count()
    with pytest.raises(ValidationError, match="has been revised since 'Preston declines' was saved"):
        scenario_adopt(scenario=scenario, by=officer)
    assert Formula.objects.count() == formulas_before
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DRAFT


def test_adoption_that_would_leave_a_formula_that_cannot_be_computed_writes_nothing(
    cost_model_formula, cost_partners, officer
):
    pcc = cost_partners["Police and Crime Commissioner"]
    scenario = _save(cost_model_formula, {"declines": [pcc.pk]}, officer)
    counts = (Formula.objects.count(), FormulaParticipant.objects.count(), BasisDataset.objects.count())
    with pytest.raises(ValidationError, match="Criminal justice"):
        scenario_adopt(scenario=scenario, by=officer)
    assert (Formula.objects.count(), FormulaParticipant.objects.count(), BasisDataset.objects.count()) == counts
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DRAFT


# --- Comparing -----------------------------------------------------------------------------------------------


def test_compare_sets_two_scenarios_side_by_side(fixed_formula, districts, officer):
    """A: Preston declines (£89,000, £12,000 short). B: Wyre pays £4,000 (£95,000, £6,000 short).
    Preston: £0 in A, £12,000 in B, +£12,000; Wyre: £10,000 in A, £4,000 in B, −£6,000; totals differ by £6,000."""
    a = _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer, name="A")
    b = _save(fixed_formula, {"pays": {str(districts["Wyre Council"].pk): "4000"}}, officer, name="B")
    comparison = scenario_compare(a, b)
    lines = {line.name: line for line in comparison.lines}
    assert len(lines) == 12
    assert (lines["Preston City Council"].a, lines["Preston City Council"].b) == (Decimal("0.00"), Decimal("12000.00"))
    assert lines["Preston City Council"].difference == Decimal("12000.00")
    assert lines["Wyre Council"].difference == Decimal("-6000.00")
    assert comparison.result_a.shortfall.value == Decimal("12000.00")
    assert comparison.result_b.shortfall.value == Decimal("6000.00")
    assert comparison.total_difference == Decimal("6000.00")
    assert comparison.shortfall_difference == Decimal("-6000.00")


def test_compare_across_formulas_marks_partners_missing_from_one(
    fixed_formula, weighted_formula, districts, trio, officer
):
    a = _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer, name="A")
    b = _save(weighted_formula, {"total": "90000"}, officer, name="B")
    lines = {line.name: line for line in scenario_compare(a, b).lines}
    assert lines["District A"].a is None
    assert lines["District A"].b == Decimal("15000.00")
    assert lines["Wyre Council"].b is None
    assert lines["Wyre Council"].difference == Decimal("-10000.00")


def test_scenarios_of_two_commissions_cannot_be_compared(fixed_formula, districts, officer):
    a = _save(fixed_formula, {"declines": [districts["Preston City Council"].pk]}, officer, name="A")
    other = factories.CommissionFactory()
    b = Scenario(commission=other, formula=fixed_formula, name="B", changes={"total": "1"})
    with pytest.raises(ValidationError, match="same commission"):
        scenario_compare(a, b)
