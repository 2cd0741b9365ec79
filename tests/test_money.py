"""Money: exact pence, half-up rounding of single values, largest-remainder splits, one display format."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.money import (
    PENNY,
    POUND,
    MoneyError,
    format_millions,
    format_pounds,
    from_pence,
    round_half_up,
    split,
    to_money,
    to_pence,
)

SEED_SHARES = [Decimal(5), Decimal(17), Decimal(68), Decimal(10)]


def test_split_of_the_seed_pool_sums_to_the_total_and_names_the_lines_that_took_the_rounding():
    """£1,502,449 × 5/17/68/10% = 75,122.45 / 255,416.33 / 1,021,665.32 / 150,244.90.

    Floors sum to 1,502,447, two pounds short. The largest remainders are .90 (Perpetrators)
    and .45 (Workforce), so they take a pound each: 75,123 + 255,416 + 1,021,665 + 150,245 = 1,502,449.
    The seed rounded each line half-up instead and printed lines summing to 1,502,448.
    """
    result = split(Decimal("1502449"), SEED_SHARES)
    assert result.parts == (Decimal("75123.00"), Decimal("255416.00"), Decimal("1021665.00"), Decimal("150245.00"))
    assert sum(result.parts) == Decimal("1502449")
    assert result.rounded == (0, 3)


def test_half_up_rounding_of_each_seed_line_misses_the_total_by_one_pound():
    """The seed's own method: each line rounded half-up sums to 1,502,448, not 1,502,449."""
    lines = [round_half_up(Decimal("1502449") * share / 100, POUND) for share in SEED_SHARES]
    assert lines == [Decimal("75122"), Decimal("255416"), Decimal("1021665"), Decimal("150245")]
    assert sum(lines) == Decimal("1502448")


def test_split_to_the_penny():
    """£100.00 in three equal parts: 33.33 × 3 = 99.99, the first part takes the last penny (tie → earliest)."""
    result = split(Decimal("100.00"), [1, 1, 1], unit=PENNY)
    assert result.parts == (Decimal("33.34"), Decimal("33.33"), Decimal("33.33"))
    assert result.rounded == (0,)


def test_split_with_a_zero_weight_gives_that_part_nothing():
    result = split(Decimal("10"), [Decimal("1"), Decimal("0"), Decimal("1")])
    assert result.parts == (Decimal("5.00"), Decimal("0.00"), Decimal("5.00"))


@pytest.mark.parametrize(
    ("total", "weights", "unit", "message"),
    [
        (Decimal("-1"), [1], POUND, "negative total"),
        (Decimal("10.50"), [1, 1], POUND, "whole number of £1"),
        (Decimal("10"), [], POUND, "without weights"),
        (Decimal("10"), [0, 0], POUND, "sum to zero"),
        (Decimal("10"), [1, -1], POUND, "cannot be negative"),
        (Decimal("10"), [1], Decimal("5"), "£1 or 1p"),
    ],
)
def test_split_refuses_what_cannot_be_exact(total, weights, unit, message):
    with pytest.raises(MoneyError, match=message):
        split(total, weights, unit=unit)


def test_split_refuses_float_weights():
    with pytest.raises(TypeError, match="never float"):
        split(Decimal("10"), [0.5, 0.5])


pounds_totals = st.integers(min_value=0, max_value=10**12).map(lambda n: Decimal(n))
penny_totals = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n).scaleb(-2))
weights_lists = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False), min_size=1, max_size=30
).filter(lambda weights: sum(weights) > 0)


@given(total=pounds_totals, weights=weights_lists)
def test_split_to_pounds_always_sums_exactly_and_is_deterministic(total, weights):
    first = split(total, weights)
    assert sum(first.parts) == total
    assert all(part >= 0 and part == part.to_integral_value() for part in first.parts)
    assert split(total, list(weights)) == first


@given(total=penny_totals, weights=weights_lists)
def test_split_to_pence_always_sums_exactly_and_each_part_is_within_one_penny_of_its_quota(total, weights):
    result = split(total, weights, unit=PENNY)
    assert sum(result.parts) == total
    weight_sum = sum(weights)
    for index, (part, weight) in enumerate(zip(result.parts, weights, strict=True)):
        quota = total * weight / weight_sum
        assert abs(part - quota) < PENNY
        if index in result.rounded:
            assert part > quota


@given(total=pounds_totals, weights=weights_lists)
def test_split_gives_rounding_units_to_at_most_one_per_part(total, weights):
    result = split(total, weights)
    assert len(set(result.rounded)) == len(result.rounded)
    assert len(result.rounded) < len(weights)


def test_to_money_refuses_floats_and_fractions_of_a_penny():
    with pytest.raises(TypeError, match="never float"):
        to_money(0.1)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="fraction of a penny"):
        to_money("1.005")
    with pytest.raises(MoneyError, match="not an amount"):
        to_money("twelve pounds")


def test_pence_round_trip():
    assert to_pence(Decimal("1502449")) == 150_244_900
    assert to_pence("£1,502,449.99") == 150_244_999
    assert from_pence(150_244_999) == Decimal("1502449.99")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_pence_round_trip_is_exact_for_any_whole_pence(pence):
    assert to_pence(from_pence(pence)) == pence


def test_round_half_up_differs_from_pythons_half_even():
    """2.5 → 3 and 0.125 → 0.13 half-up; Python's round() would give 2 and 0.12."""
    assert round_half_up(Decimal("2.5"), POUND) == Decimal("3")
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    assert round_half_up(Decimal("-2.5"), POUND) == Decimal("-3")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1502449"), "£1,502,449"),
        (Decimal("1502449.00"), "£1,502,449"),
        (Decimal("75122.45"), "£75,122.45"),
        (Decimal("-1000"), "-£1,000"),
        (Decimal("0"), "£0"),
        (None, ""),
    ],
)
def test_format_pounds(value, expected):
    assert format_pounds(value) == expected


def test_format_pounds_with_pence_on_request():
    assert format_pounds(Decimal("1502449"), pence=True) == "£1,502,449.00"
    assert format_pounds(Decimal("10.50"), pence=False) == "£11"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("455447"), "£0.455m"),
        (Decimal("730000"), "£0.730m"),
        (Decimal("3500000"), "£3.500m"),
        (Decimal("154500"), "£0.155m"),  # half-up: 0.1545 → 0.155
        (Decimal("-321000"), "-£0.321m"),
    ],
)
def test_format_millions(value, expected):
    assert format_millions(value) == expected
