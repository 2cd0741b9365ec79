"""Set amounts in weighted and cost-model formulas: a partner asked exactly a set amount, the rest of the total
shared among the others by the formula. Without set amounts the formulas compute exactly as before."""

from __future__ import annotations

from decimal import Decimal

import pytest

from allocations.formulas import (
    COST_MODEL,
    WEIGHTED,
    Category,
    FormulaError,
    FormulaSpec,
    Participant,
    compute,
)


def _weighted(*participants: Participant, total: str = "60000") -> FormulaSpec:
    return FormulaSpec(method=WEIGHTED, participants=participants, total=Decimal(total))


def test_weighted_partner_with_a_set_amount_pays_it_and_the_others_share_the_rest():
    """£60,000 by 100 / 200 / 300, C set at £18,000: A and B share £42,000 by 100 : 200, £14,000 and £28,000."""
    result = compute(
        _weighted(
            Participant(1, "A", "district_council", basis_value=Decimal("100")),
            Participant(2, "B", "district_council", basis_value=Decimal("200")),
            Participant(3, "C", "district_council", basis_value=Decimal("300"), fixed_amount=Decimal("18000")),
        )
    )
    assert [line.amount for line in result.lines] == [Decimal("14000.00"), Decimal("28000.00"), Decimal("18000")]
    assert result.total == Decimal("60000.00")
    assert result.lines[0].provenance["shared_total"] == "42000.00"
    assert result.lines[2].provenance["rounding"].startswith("none: a set amount")


def test_weighted_set_amounts_larger_than_the_total_are_refused():
    with pytest.raises(FormulaError, match=r"set amounts \(£70,000\) come to more than the total \(£60,000\)"):
        compute(
            _weighted(
                Participant(1, "A", "district_council", basis_value=Decimal("1")),
                Participant(2, "B", "district_council", basis_value=Decimal("1"), fixed_amount=Decimal("70000")),
            )
        )


def test_every_partner_set_must_sum_to_the_total():
    spec = _weighted(Participant(1, "A", "district_council", fixed_amount=Decimal("50000")))
    with pytest.raises(FormulaError, match="Every partner has a set amount"):
        compute(spec)
    assert compute(_weighted(Participant(1, "A", "district_council", fixed_amount=Decimal("60000")))).total == Decimal(
        "60000"
    )


def test_cost_model_category_borne_only_by_set_amounts_drops_out():
    """£100,000: criminal justice 3 (PCC), health 2 (two CCGs), local government 5 (county, district).

    The PCC is set at £10,000, so criminal justice has no one left to share it and drops out. The other £90,000
    goes to health and local government by 2 : 5: £25,714.29 and £64,285.71, largest remainder to £1 gives
    £25,714 and £64,286 (remainders .29 and .71). Health spreads equally, £12,857 each; local government £32,143
    each.
    """
    spec = FormulaSpec(
        method=COST_MODEL,
        total=Decimal("100000"),
        participants=(
            Participant(1, "PCC", "pcc", fixed_amount=Decimal("10000")),
            Participant(2, "CCG A", "health_body"),
            Participant(3, "CCG B", "health_body"),
            Participant(4, "County", "county_council"),
            Participant(5, "District", "district_council"),
        ),
        categories=(
            Category("Criminal justice", Decimal("3"), "Walby", ("pcc",)),
            Category("Health", Decimal("2"), "Walby", ("health_body",)),
            Category("Local government", Decimal("5"), "Walby", ("county_council", "district_council")),
        ),
    )
    result = compute(spec)
    assert [line.amount for line in result.lines] == [
        Decimal("10000"),
        Decimal("12857.00"),
        Decimal("12857.00"),
        Decimal("32143.00"),
        Decimal("32143.00"),
    ]
    assert result.total == Decimal("100000.00")
    assert [c["category"] for c in result.lines[1].provenance["categories"]] == ["Health"]
