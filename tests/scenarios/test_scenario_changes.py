"""Each kind of change, worked through with the arithmetic written out.

The Lancashire districts' fixed formula is the 12 amounts of the December 2012 letter (seed 000):
Burnley 7,000, Chorley 9,000, Fylde 7,000, Hyndburn 7,000, Lancaster 12,000, Pendle 8,000, Preston 12,000,
Ribble Valley 5,000, Rossendale 6,000, South Ribble 9,000, West Lancashire 9,000, Wyre 10,000 = £101,000 a year.
The commission runs 2013/14 to 2015/16 with a target of £3,500,000, and pools 5/17/68/10% into four work-streams.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from allocations.scenario_selectors import scenario_preview
from tests.scenarios.conftest import ids

pytestmark = pytest.mark.django_db


def _by_name(lines):  # type: ignore[no-untyped-def]
    return {line.name: line for line in lines}


def test_preston_declines_leaves_a_12000_gap_and_re_spreads_pro_rata(fixed_formula, districts, reserve):
    """Preston (£12,000) declines: the scenario asks £101,000 − £12,000 = £89,000; the target stays the live total
    £101,000, so the shortfall is £12,000 a year, £36,000 over 3 years, and against the commission's £3,500,000
    it is £3,500,000 − 3 × £89,000 = £3,233,000 (the live plan: £3,500,000 − £303,000 = £3,197,000).

    Re-spread pro rata over the other 11 (base £89,000): each extra is £12,000 × amount ÷ £89,000. Burnley's exact
    extra is 84,000/89 = £943.82; the floors sum to £11,993 and the 7 pounds left go to the largest remainders:
    Rossendale (.99), Lancaster (.98), Burnley, Fylde, Hyndburn (.82), Pendle (.65), then Chorley (.48, the first of
    three equal remainders). So Burnley +£944, Chorley +£1,214, South Ribble +£1,213, Ribble Valley +£674, ...
    """
    result = scenario_preview(formula=fixed_formula, changes={"declines": ids(districts, "Preston City Council")})
    lines = _by_name(result.lines)
    assert lines["Preston City Council"].live == Decimal("12000.00")
    assert lines["Preston City Council"].scenario == Decimal("0.00")
    assert lines["Preston City Council"].difference == Decimal("-12000.00")
    assert lines["Preston City Council"].change == "declines"
    assert lines["Burnley Borough Council"].difference == Decimal("0.00")
    assert result.live_total == Decimal("101000.00")
    assert result.scenario_total == Decimal("89000.00")
    assert result.target == Decimal("101000.00")
    assert result.shortfall.value == Decimal("12000.00")
    assert [(year.label, year.shortfall.value) for year in result.years] == [
        ("2013/14", Decimal("12000.00")),
        ("2014/15", Decimal("12000.00")),
        ("2015/16", Decimal("12000.00")),
    ]
    assert result.shortfall_over_years.value == Decimal("36000.00")
    assert result.shortfall_against_commission_target.value == Decimal("3233000.00")
    assert result.live_shortfall_against_commission_target.value == Decimal("3197000.00")

    extras = {line.name: line.extra for line in result.respread.lines}
    assert extras == {
        "Burnley Borough Council": Decimal("944.00"),
        "Chorley Council": Decimal("1214.00"),
        "Fylde Borough Council": Decimal("944.00"),
        "Hyndburn Borough Council": Decimal("944.00"),
        "Lancaster City Council": Decimal("1618.00"),
        "Pendle Borough Council": Decimal("1079.00"),
        "Ribble Valley Borough Council": Decimal("674.00"),
        "Rossendale Borough Council": Decimal("809.00"),
        "South Ribble Borough Council": Decimal("1213.00"),
        "West Lancashire Borough Council": Decimal("1213.00"),
        "Wyre Council": Decimal("1348.00"),
    }
    assert result.respread.total_extra == Decimal("12000.00")
    assert result.respread.new_total == Decimal("101000.00")
    rounded = {line.name for line in result.respread.lines if line.took_rounding}
    assert rounded == {
        "Rossendale Borough Council",
        "Lancaster City Council",
        "Burnley Borough Council",
        "Fylde Borough Council",
        "Hyndburn Borough Council",
        "Pendle Borough Council",
        "Chorley Council",
    }


def test_preston_declines_can_be_met_from_the_crime_and_disorder_reserve(fixed_formula, districts, reserve):
    """£12,000 a year for 3 years is £36,000; the reserve opened with £730,000, so it covers the gap and would
    hold £730,000 − £36,000 = £694,000 after (opening balance: no drawdowns are recorded yet)."""
    result = scenario_preview(formula=fixed_formula, changes={"declines": ids(districts, "Preston City Council")})
    (option,) = result.reserves
    assert option.name == "Crime and Disorder reserve"
    assert option.needed == Decimal("36000.00")
    assert option.covers
    assert option.left_after == Decimal("694000.00")
    assert option.years_covered == 3


def test_preston_declines_work_stream_cuts_from_the_target_split(fixed_formula, districts):
    """No year allocations are set, so each year starts from the £101,000 target split 5/17/68/10%:
    £5,050 / £17,170 / £68,680 / £10,100. Alone, a work-stream must lose the whole £12,000: Workforce (£5,050) and
    Perpetrators (£10,100) cannot; Early Support becomes £5,170, Medium and High Risk £56,680. Spread by shares the
    £12,000 cut is £600 / £2,040 / £8,160 / £1,200, leaving £4,450 / £15,130 / £60,520 / £8,900 = £89,000."""
    result = scenario_preview(formula=fixed_formula, changes={"declines": ids(districts, "Preston City Council")})
    assert len(result.work_stream_years) == 3
    year = result.work_stream_years[0]
    assert not year.from_allocations
    cuts = {cut.name: cut for cut in year.cuts}
    assert [cut.allocation for cut in year.cuts] == [
        Decimal("5050.00"),
        Decimal("17170.00"),
        Decimal("68680.00"),
        Decimal("10100.00"),
    ]
    assert not cuts["Workforce and Co-ordination"].alone_possible
    assert cuts["Workforce and Co-ordination"].alone_becomes == Decimal("-6950.00")
    assert cuts["Early Support"].alone_becomes == Decimal("5170.00")
    assert cuts["Medium and High Risk Support"].alone_becomes == Decimal("56680.00")
    assert not cuts["Perpetrators"].alone_possible
    assert [cut.spread_reduction for cut in year.cuts] == [
        Decimal("600.00"),
        Decimal("2040.00"),
        Decimal("8160.00"),
        Decimal("1200.00"),
    ]
    assert year.spread_total == Decimal("12000.00")
    assert year.spread_becomes_total == Decimal("89000.00")


def test_work_stream_cuts_start_from_the_year_allocations_when_set(fixed_formula, districts, commission, officer):
    """2014/15's budget is set to £1,502,449 (seed 002): 75,123 / 255,416 / 1,021,665 / 150,245. Preston's £12,000
    spread by shares cuts 600 / 2,040 / 8,160 / 1,200, so Medium and High Risk becomes £1,013,505."""
    from allocations.services import year_budget_set

    year_2 = commission.years.get(number=2)
    year_budget_set(financial_year=year_2, amount=Decimal("1502449"), by=officer)
    result = scenario_preview(formula=fixed_formula, changes={"declines": ids(districts, "Preston City Council")})
    first, second, _third = result.work_stream_years
    assert not first.from_allocations
    assert second.from_allocations
    assert [cut.allocation for cut in second.cuts] == [
        Decimal("75123.00"),
        Decimal("255416.00"),
        Decimal("1021665.00"),
        Decimal("150245.00"),
    ]
    assert second.cuts[2].spread_becomes == Decimal("1013505.00")
    assert second.cuts[2].alone_becomes == Decimal("1009665.00")


def test_chorley_pays_less_leaves_the_difference_as_the_gap(fixed_formula, districts):
    """Chorley pays £6,000 instead of £9,000: £101,000 − £3,000 = £98,000 asked, a £3,000 gap a year. The re-spread
    is pro rata over the 11 others, which neither decline nor pay a set amount (base £101,000 − £9,000 = £92,000);
    Chorley stays at £6,000 with no extra."""
    result = scenario_preview(formula=fixed_formula, changes={"pays": {str(districts["Chorley Council"].pk): "6000"}})
    lines = _by_name(result.lines)
    assert lines["Chorley Council"].scenario == Decimal("6000.00")
    assert lines["Chorley Council"].change == "pays"
    assert result.shortfall.value == Decimal("3000.00")
    extras = {line.name: line.extra for line in result.respread.lines}
    assert extras["Chorley Council"] == Decimal("0.00")
    assert sum(extras.values()) == Decimal("3000.00")
    assert result.respread.new_total == Decimal("101000.00")


def test_a_stated_target_below_the_sum_shows_a_surplus_not_a_gap(fixed_formula):
    """The letter states the district total as £100,000 though its lines sum to £101,000. With that target the
    shortfall is £100,000 − £101,000 = −£1,000: a surplus of £1,000, shown, with no ways to close a gap."""
    result = scenario_preview(formula=fixed_formula, changes={"total": "100000"})
    assert result.target == Decimal("100000.00")
    assert result.scenario_total == Decimal("101000.00")
    assert result.shortfall.value == Decimal("-1000.00")
    assert result.shortfall.is_surplus
    assert result.shortfall_over_years.value == Decimal("-3000.00")
    assert result.respread is None
    assert result.reserves == ()
    assert result.work_stream_years == ()


def test_raising_a_fixed_target_opens_a_gap(fixed_formula):
    """Target £110,000 against £101,000 asked: £9,000 a year short."""
    result = scenario_preview(formula=fixed_formula, changes={"total": "110000"})
    assert result.shortfall.value == Decimal("9000.00")
    assert result.respread.new_total == Decimal("110000.00")


def test_weighted_basis_value_change_moves_the_requests_but_not_the_total(weighted_formula, trio):
    """£60,000 by 100 / 200 / 300 is £10,000 / £20,000 / £30,000. A's value becomes 400: by 400 / 200 / 300 (sum
    900) the exact parts are 26,666.67 / 13,333.33 / 20,000; floors 26,666 + 13,333 + 20,000 = 59,999 and the pound
    left goes to A (remainder .67). The total is still £60,000: no gap."""
    result = scenario_preview(formula=weighted_formula, changes={"basis_values": {str(trio["District A"].pk): "400"}})
    assert [(line.name, line.live, line.scenario) for line in result.lines] == [
        ("District A", Decimal("10000.00"), Decimal("26667.00")),
        ("District B", Decimal("20000.00"), Decimal("13333.00")),
        ("District C", Decimal("30000.00"), Decimal("20000.00")),
    ]
    assert [line.change for line in result.lines] == ["recomputed", "recomputed", "recomputed"]
    assert result.shortfall.value == Decimal("0.00")
    assert result.respread is None


def test_weighted_decline_re_spreads_by_the_formula(weighted_formula, trio):
    """B declines: £10,000 + £0 + £30,000 = £40,000 asked, £20,000 short. Re-spread by the formula without B:
    £60,000 by 100 : 300 is £15,000 and £45,000, extras £5,000 and £15,000."""
    result = scenario_preview(formula=weighted_formula, changes={"declines": [trio["District B"].pk]})
    assert result.shortfall.value == Decimal("20000.00")
    assert [(line.name, line.extra, line.new) for line in result.respread.lines] == [
        ("District A", Decimal("5000.00"), Decimal("15000.00")),
        ("District C", Decimal("15000.00"), Decimal("45000.00")),
    ]
    assert [line.amount for line in result.adopted_lines] == [Decimal("15000.00"), Decimal("45000.00")]


def test_weighted_pays_less_holds_the_set_amount_in_the_re_spread(weighted_formula, trio):
    """C pays £18,000 instead of £30,000: £48,000 asked, £12,000 short. Re-spread holds C at £18,000 and shares
    £42,000 by 100 : 200: A £14,000 (+£4,000), B £28,000 (+£8,000)."""
    result = scenario_preview(formula=weighted_formula, changes={"pays": {str(trio["District C"].pk): "18000"}})
    assert result.scenario_total == Decimal("48000.00")
    assert [(line.name, line.extra) for line in result.respread.lines] == [
        ("District A", Decimal("4000.00")),
        ("District B", Decimal("8000.00")),
        ("District C", Decimal("0.00")),
    ]


def test_weighted_total_change_scales_the_requests(weighted_formula):
    """Total £90,000 by 100 / 200 / 300: £15,000 / £30,000 / £45,000; the target is the new total, so no gap."""
    result = scenario_preview(formula=weighted_formula, changes={"total": "90000"})
    assert [line.scenario for line in result.lines] == [Decimal("15000.00"), Decimal("30000.00"), Decimal("45000.00")]
    assert result.target == Decimal("90000.00")
    assert result.shortfall.value == Decimal("0.00")


def test_cost_model_category_weight_change(cost_model_formula):
    """Health's weight 2 → 5: weights 3 / 5 / 5 (sum 13) share £100,000 as 23,076.92 / 38,461.54 / 38,461.54;
    floors sum to 99,998, the two pounds go to criminal justice (.92) and health (.54, first of the tie):
    23,077 / 38,462 / 38,461. Health splits equally, 19,231 each; local government 38,461 splits 19,231 (county,
    first on the tie) and 19,230 (district)."""
    result = scenario_preview(formula=cost_model_formula, changes={"category_weights": {"Health": "5"}})
    assert {line.name: line.scenario for line in result.lines} == {
        "Police and Crime Commissioner": Decimal("23077.00"),
        "CCG A": Decimal("19231.00"),
        "CCG B": Decimal("19231.00"),
        "County Council": Decimal("19231.00"),
        "District Council": Decimal("19230.00"),
    }
    assert result.scenario_total == Decimal("100000.00")


def test_cost_model_pcc_pays_less_re_spreads_without_its_category(cost_model_formula, cost_partners):
    """The PCC pays £10,000 instead of £30,000: £80,000 asked, £20,000 short. In the re-spread criminal justice,
    borne only by the PCC, drops out; £90,000 goes to health and local government by 2 : 5, £25,714 and £64,286:
    CCGs £12,857 each (+£2,857), county and district £32,143 each (+£7,143)."""
    pcc = cost_partners["Police and Crime Commissioner"]
    result = scenario_preview(formula=cost_model_formula, changes={"pays": {str(pcc.pk): "10000"}})
    assert result.shortfall.value == Decimal("20000.00")
    assert {line.name: line.extra for line in result.respread.lines} == {
        "Police and Crime Commissioner": Decimal("0.00"),
        "CCG A": Decimal("2857.00"),
        "CCG B": Decimal("2857.00"),
        "County Council": Decimal("7143.00"),
        "District Council": Decimal("7143.00"),
    }


def test_cost_model_decline_of_a_category_s_only_bearer_cannot_be_re_spread(cost_model_formula, cost_partners):
    """If the PCC declines, no partner is left to bear criminal justice: the re-spread says so plainly, and
    adoption would leave a formula that cannot be computed."""
    pcc = cost_partners["Police and Crime Commissioner"]
    result = scenario_preview(formula=cost_model_formula, changes={"declines": [pcc.pk]})
    assert result.shortfall.value == Decimal("30000.00")
    assert not result.respread.possible
    assert "Criminal justice" in result.respread.reason
    assert result.adopted_lines is None
    assert "Criminal justice" in result.adoption_problem


def test_every_partner_declining_leaves_no_one_to_re_spread_to(fixed_formula, districts):
    result = scenario_preview(
        formula=fixed_formula, changes={"declines": [partner.pk for partner in districts.values()]}
    )
    assert result.scenario_total == Decimal("0.00")
    assert result.shortfall.value == Decimal("101000.00")
    assert not result.respread.possible
    assert result.adoption_problem
