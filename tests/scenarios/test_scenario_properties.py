"""Properties of scenarios on random formulas and changes: exact, never negative, deterministic; re-spreading
closes the gap exactly; and computing a scenario never changes live data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocations import scenarios
from allocations.formulas import COST_MODEL, FIXED, WEIGHTED, Category, FormulaError, FormulaSpec, Participant, compute
from allocations.models import Formula
from allocations.scenario_selectors import scenario_preview, scenario_result
from allocations.scenario_services import scenario_save
from commissioning.money import POUND
from tests.scenarios.conftest import live_data_snapshot

pounds = st.integers(min_value=0, max_value=2_000_000).map(Decimal)
CONTEXT = scenarios.PlanContext(
    commission_target=Decimal("3500000.00"),
    years=(
        scenarios.YearInfo(1, "2013/14"),
        scenarios.YearInfo(2, "2014/15", {1: Decimal("75123"), 2: Decimal("1427326")}),
        scenarios.YearInfo(3, "2015/16"),
    ),
    reserves=(scenarios.ReserveInfo("Crime and Disorder reserve", Decimal("730000.00")),),
    work_streams=(
        scenarios.WorkStreamInfo(1, "Workforce and Co-ordination", Decimal("5")),
        scenarios.WorkStreamInfo(2, "The rest", Decimal("95")),
    ),
)


@st.composite
def specs_and_changes(draw):  # type: ignore[no-untyped-def]
    """A fixed or weighted formula of 1–12 partners, and changes of every kind it can take."""
    method = draw(st.sampled_from([FIXED, WEIGHTED]))
    count = draw(st.integers(min_value=1, max_value=12))
    participants = tuple(
        Participant(
            partner_id=index + 1,
            name=f"Partner {index + 1:02d}",
            kind="district_council",
            fixed_amount=draw(pounds) if method == FIXED else None,
            basis_value=Decimal(draw(st.integers(min_value=1, max_value=500_000))) if method == WEIGHTED else None,
        )
        for index in range(count)
    )
    total = draw(pounds) if method == WEIGHTED else None
    spec = FormulaSpec(method=method, participants=participants, total=total, unit=POUND)
    ids = [p.partner_id for p in participants]
    declines = draw(st.lists(st.sampled_from(ids), unique=True, max_size=count))
    others = [pk for pk in ids if pk not in declines]
    pays = draw(st.dictionaries(st.sampled_from(others), pounds, max_size=len(others))) if others else {}
    raw: dict = {"declines": declines, "pays": {str(pk): str(amount) for pk, amount in pays.items()}}  # type: ignore[type-arg]
    if draw(st.booleans()):
        raw["total"] = str(draw(pounds))
    if method == WEIGHTED and draw(st.booleans()):
        raw["basis_values"] = {str(draw(st.sampled_from(ids))): str(draw(st.integers(min_value=1, max_value=500_000)))}
    return spec, raw


@st.composite
def cost_models_and_changes(draw):  # type: ignore[no-untyped-def]
    """A computable cost-model formula over three kinds of partner, and changes to its weights, total and partners."""
    kinds = ("pcc", "health_body", "district_council")
    count = draw(st.integers(min_value=1, max_value=8))
    participants = tuple(
        Participant(partner_id=index + 1, name=f"Partner {index + 1:02d}", kind=draw(st.sampled_from(kinds)))
        for index in range(count)
    )
    categories = tuple(
        Category(
            f"Category {index}",
            Decimal(draw(st.integers(0, 50))),
            "test",
            tuple(draw(st.sets(st.sampled_from(kinds), min_size=1))),
        )
        for index in range(draw(st.integers(min_value=1, max_value=4)))
    )
    spec = FormulaSpec(method=COST_MODEL, participants=participants, total=draw(pounds), categories=categories)
    try:
        compute(spec)
    except FormulaError:
        assume(False)
    ids = [p.partner_id for p in participants]
    declines = draw(st.lists(st.sampled_from(ids), unique=True, max_size=count))
    others = [pk for pk in ids if pk not in declines]
    raw: dict = {"declines": declines}  # type: ignore[type-arg]
    if others:
        raw["pays"] = {
            str(pk): str(amount)
            for pk, amount in draw(st.dictionaries(st.sampled_from(others), pounds, max_size=2)).items()
        }
    if draw(st.booleans()):
        raw["category_weights"] = {categories[0].name: str(draw(st.integers(1, 50)))}
    if draw(st.booleans()):
        raw["total"] = str(draw(pounds))
    return spec, raw


def _parse(spec, raw):  # type: ignore[no-untyped-def]
    try:
        return scenarios.parse_changes(raw, spec)
    except scenarios.ChangesError:
        return None  # no change at all: nothing to compute


@settings(max_examples=300, deadline=None)
@given(st.one_of(specs_and_changes(), cost_models_and_changes()))
def test_scenario_requests_are_exact_never_negative_and_deterministic(case):  # type: ignore[no-untyped-def]
    spec, raw = case
    changes = _parse(spec, raw)
    if changes is None:
        return
    result = scenarios.compute(spec, changes, CONTEXT)
    assert sum((line.scenario for line in result.lines), Decimal(0)) == result.scenario_total
    assert all(line.scenario >= 0 for line in result.lines)
    assert result.shortfall.value == result.target - result.scenario_total
    assert result.shortfall_over_years.value == 3 * result.shortfall.value
    assert scenarios.compute(spec, changes, CONTEXT) == result


@settings(max_examples=300, deadline=None)
@given(st.one_of(specs_and_changes(), cost_models_and_changes()))
def test_every_way_to_close_the_gap_closes_it_exactly(case):  # type: ignore[no-untyped-def]
    spec, raw = case
    changes = _parse(spec, raw)
    if changes is None:
        return
    result = scenarios.compute(spec, changes, CONTEXT)
    gap = result.shortfall.value
    if gap <= 0:
        assert result.respread is None
        assert result.reserves == ()
        assert result.work_stream_years == ()
        return
    if result.respread.possible:
        assert result.respread.total_extra == gap
        assert result.respread.new_total == result.target
        assert all(line.new >= 0 for line in result.respread.lines)
        if spec.method == FIXED:
            assert all(line.extra >= 0 for line in result.respread.lines)
    for year in result.work_stream_years:
        assert year.spread_total == gap
        assert year.spread_becomes_total == year.allocation_total - gap
    (reserve,) = result.reserves
    assert reserve.needed == 3 * gap
    assert reserve.covers == (reserve.left_after >= 0)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_computing_any_scenario_leaves_live_data_unchanged(
    data, fixed_formula, weighted_formula, districts, trio, reserve
):  # type: ignore[no-untyped-def]
    """Previewing and showing scenarios writes nothing: every row, counted and compared, is as it was."""
    before = live_data_snapshot()
    formula, partners = data.draw(st.sampled_from([(fixed_formula, districts), (weighted_formula, trio)]))
    ids = [partner.pk for partner in partners.values()]
    raw: dict = {  # type: ignore[type-arg]
        "declines": data.draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)),
        "total": str(data.draw(st.integers(min_value=1, max_value=500_000))),
    }
    kept = [pk for pk in ids if pk not in raw["declines"]]
    if kept:
        raw["pays"] = {str(data.draw(st.sampled_from(kept))): str(data.draw(st.integers(0, 50_000)))}
    if formula.method == Formula.Method.WEIGHTED:
        raw["basis_values"] = {str(data.draw(st.sampled_from(ids))): str(data.draw(st.integers(1, 1000)))}
    scenario_preview(formula=formula, changes=raw)
    assert live_data_snapshot() == before


@pytest.mark.django_db
def test_showing_a_saved_scenario_writes_nothing(fixed_formula, districts, officer):
    scenario = scenario_save(
        commission=fixed_formula.commission,
        formula=fixed_formula,
        name="Preston declines",
        description="",
        changes={"declines": [districts["Preston City Council"].pk]},
        by=officer,
    )
    before = live_data_snapshot()
    scenario_result(scenario)
    assert live_data_snapshot() == before
