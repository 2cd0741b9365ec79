"""Contribution formulas: exact, never negative, deterministic, traceable; and refused whole when they cannot be."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from allocations import formulas, services
from allocations.formulas import COST_MODEL, FIXED, WEIGHTED, Category, FormulaError, FormulaSpec, Participant
from allocations.models import BasisValue, CostCategory, Formula, FormulaParticipant
from commissioning.money import PENNY, POUND
from partners.models import ContributionRequest, Partner
from tests import factories

KINDS = [kind for kind, _ in Partner.Kind.choices]

# Strategies: whole-pound totals up to £100m, weights as non-negative decimals with up to four places.
totals = st.integers(min_value=0, max_value=10_000_000_000).map(lambda pence: Decimal(pence).scaleb(-2))
pound_totals = st.integers(min_value=0, max_value=100_000_000).map(Decimal)
weights = st.decimals(min_value=0, max_value=1_000_000, places=4, allow_nan=False, allow_infinity=False)


@st.composite
def participant_lists(draw, *, with_values: bool = True, with_amounts: bool = False):  # type: ignore[no-untyped-def]
    size = draw(st.integers(min_value=1, max_value=15))
    values = draw(st.lists(weights, min_size=size, max_size=size))
    if with_values and sum(values) == 0:
        values[0] = Decimal(1)
    amounts = draw(st.lists(totals, min_size=size, max_size=size)) if with_amounts else [None] * size
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=size, max_size=size))
    return tuple(
        Participant(
            partner_id=index + 1,
            name=f"Partner {index + 1}",
            kind=kinds[index],
            fixed_amount=amounts[index],
            basis_value=values[index] if with_values else None,
        )
        for index in range(size)
    )


@given(participants=participant_lists(with_values=False, with_amounts=True))
def test_fixed_formula_asks_exactly_the_amounts_set(participants):
    result = formulas.compute(FormulaSpec(method=FIXED, participants=participants))
    assert [line.amount for line in result.lines] == [p.fixed_amount for p in participants]
    assert result.total == sum((p.fixed_amount for p in participants), Decimal("0"))


@given(total=pound_totals, participants=participant_lists(), unit=st.sampled_from([POUND, PENNY]))
def test_weighted_formula_sums_exactly_is_never_negative_and_is_deterministic(total, participants, unit):
    spec = FormulaSpec(method=WEIGHTED, participants=participants, total=total, unit=unit)
    first, second = formulas.compute(spec), formulas.compute(spec)
    assert sum(line.amount for line in first.lines) == total
    assert all(line.amount >= 0 for line in first.lines)
    assert first == second
    # Each line is within one unit of its exact share.
    weight_sum = sum(p.basis_value for p in participants)
    for participant, line in zip(participants, first.lines, strict=True):
        exact = total * participant.basis_value / weight_sum
        assert abs(line.amount - exact) < unit


@st.composite
def cost_models(draw):  # type: ignore[no-untyped-def]
    participants = draw(participant_lists())
    present = sorted({p.kind for p in participants})
    size = draw(st.integers(min_value=1, max_value=6))
    categories = []
    for index in range(size):
        kinds = tuple(draw(st.lists(st.sampled_from(present), min_size=1, max_size=3, unique=True)))
        spread = draw(st.booleans())
        values = None
        if spread:
            values = {p.partner_id: draw(weights) + Decimal(1) for p in participants}
        categories.append(
            Category(
                name=f"Category {index}",
                weight=draw(weights),
                source="test",
                partner_kinds=kinds,
                spread_dataset="Population" if spread else None,
                spread_values=values,
            )
        )
    if sum(category.weight for category in categories) == 0:
        categories[0] = Category("Category 0", Decimal(1), "test", categories[0].partner_kinds)
    return participants, tuple(categories)


@settings(max_examples=200)
@given(total=pound_totals, model=cost_models(), unit=st.sampled_from([POUND, PENNY]))
def test_cost_model_sums_exactly_is_never_negative_and_is_deterministic(total, model, unit):
    participants, categories = model
    spec = FormulaSpec(method=COST_MODEL, participants=participants, total=total, unit=unit, categories=categories)
    first = formulas.compute(spec)
    assert sum(line.amount for line in first.lines) == total
    assert all(line.amount >= 0 for line in first.lines)
    assert first == formulas.compute(spec)
    # Each line is the sum of its category parts, as its provenance says.
    for line in first.lines:
        assert line.amount == sum((Decimal(part["amount"]) for part in line.provenance["categories"]), Decimal("0"))


def test_weighted_split_of_the_seed_pool_names_the_lines_that_took_the_rounding():
    """£1,502,449 by 5/17/68/10: exact shares 75,122.45 / 255,416.33 / 1,021,665.32 / 150,244.90 floor to a sum
    of £1,502,447; the two pounds left go to the largest remainders, .90 (10%) and .45 (5%)."""
    participants = tuple(
        Participant(index, name, "other", basis_value=Decimal(share))
        for index, (name, share) in enumerate([("A", 5), ("B", 17), ("C", 68), ("D", 10)], start=1)
    )
    result = formulas.compute(FormulaSpec(WEIGHTED, participants, total=Decimal("1502449")))
    assert [line.amount for line in result.lines] == [
        Decimal("75123"),
        Decimal("255416"),
        Decimal("1021665"),
        Decimal("150245"),
    ]
    assert [line.provenance["rounding"].endswith("took one extra £1") for line in result.lines] == [
        True,
        False,
        False,
        True,
    ]
    assert result.lines[2].provenance["share"] == "0.680000"


def test_cost_model_maps_categories_to_partner_kinds_and_spreads_them():
    """£100,000 over criminal justice (weight 3) and housing (weight 1): £75,000 and £25,000.
    Criminal justice falls on the PCC and probation equally (£37,500 each); housing on the two districts by
    population 3:1 (£18,750 and £6,250)."""
    pcc = Participant(1, "PCC", Partner.Kind.POLICE_AND_CRIME_COMMISSIONER)
    probation = Participant(2, "Probation", Partner.Kind.PROBATION)
    big = Participant(3, "Big district", Partner.Kind.DISTRICT_COUNCIL)
    small = Participant(4, "Small district", Partner.Kind.DISTRICT_COUNCIL)
    spec = FormulaSpec(
        COST_MODEL,
        (pcc, probation, big, small),
        total=Decimal("100000"),
        categories=(
            Category("Criminal justice", Decimal("3"), "Walby 2009", ("pcc", "probation")),
            Category(
                "Housing",
                Decimal("1"),
                "Walby 2009",
                ("district_council",),
                spread_dataset="Population 16-59",
                spread_values={3: Decimal("300"), 4: Decimal("100")},
            ),
        ),
    )
    result = formulas.compute(spec)
    assert [line.amount for line in result.lines] == [
        Decimal("37500"),
        Decimal("37500"),
        Decimal("18750"),
        Decimal("6250"),
    ]
    housing = result.lines[2].provenance["categories"][0]
    assert housing["category"] == "Housing"
    assert housing["category_source"] == "Walby 2009"
    assert housing["spread"] == "Population 16-59"
    assert housing["spread_share"] == "0.750000"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FormulaSpec(FIXED, ()), "asks no partner"),
        (FormulaSpec(FIXED, (Participant(1, "A", "other"),)), "A has no fixed amount"),
        (FormulaSpec(WEIGHTED, (Participant(1, "A", "other", basis_value=Decimal(1)),)), "needs a yearly total"),
        (
            FormulaSpec(WEIGHTED, (Participant(1, "A", "other"),), total=Decimal(10)),
            "A has no value in the basis dataset",
        ),
        (
            FormulaSpec(WEIGHTED, (Participant(1, "A", "other", basis_value=Decimal(0)),), total=Decimal(10)),
            "sum to zero",
        ),
        (
            FormulaSpec(WEIGHTED, (Participant(1, "A", "other", basis_value=Decimal(1)),), total=Decimal("10.50")),
            "not a whole number of £1 units",
        ),
        (
            FormulaSpec(
                COST_MODEL,
                (Participant(1, "A", "district_council"),),
                total=Decimal(10),
                categories=(Category("Criminal justice", Decimal(1), "s", ("pcc",)),),
            ),
            "No partner in the formula is of the kinds that bear 'Criminal justice'",
        ),
        (
            FormulaSpec(FIXED, (Participant(1, "A", "other", fixed_amount=Decimal(1)),) * 2),
            "appears twice",
        ),
    ],
)
def test_formulas_that_cannot_be_computed_say_why(spec, message):
    with pytest.raises(FormulaError, match=message):
        formulas.compute(spec)


# Services: the saved formula, its versions and the draft requests --------------------------------------


@pytest.fixture
def districts(commission):  # type: ignore[no-untyped-def]
    """Three districts in the commission, asked £7,000, £12,000 and £5,000 (seed 000's Burnley, Preston, Ribble)."""
    return [
        factories.MembershipFactory(
            commission=commission, partner__name=name, requested_per_year=Decimal(amount)
        ).partner
        for name, amount in [("Burnley", "7000"), ("Preston", "12000"), ("Ribble Valley", "5000")]
    ]


def _fixed(commission, partners, amounts=("7000", "12000", "5000")):  # type: ignore[no-untyped-def]
    return services.formula_create(
        commission=commission,
        name="Districts",
        method=Formula.Method.FIXED,
        by=None,
        participants=[
            services.ParticipantInput(partner, Decimal(amount))
            for partner, amount in zip(partners, amounts, strict=True)
        ],
    )


@pytest.mark.django_db
def test_draft_requests_cover_every_partner_and_year_and_keep_their_provenance(commission, districts, officer):
    formula = _fixed(commission, districts)
    requests = services.requests_draft(formula=formula, by=officer)
    assert len(requests) == 3 * 3  # three partners, three financial years
    for year in commission.years.all():
        year_requests = ContributionRequest.objects.filter(financial_year=year)
        assert sum(r.amount for r in year_requests) == Decimal("24000.00")  # 7,000 + 12,000 + 5,000
    preston = ContributionRequest.objects.get(partner__name="Preston", financial_year__number=1)
    assert preston.partner_name == "Preston"
    assert preston.provenance["method"] == "fixed"
    assert preston.provenance["version"] == 1
    assert preston.created_by == officer


@pytest.mark.django_db
def test_a_partners_new_name_does_not_rewrite_what_was_asked(commission, districts):
    services.requests_draft(formula=_fixed(commission, districts), by=None)
    districts[1].name = "City of Preston"
    districts[1].save()
    assert ContributionRequest.objects.filter(partner_name="Preston").count() == 3


@pytest.mark.django_db
def test_weighted_formula_by_a_basis_dataset(commission, districts):
    """£24,000 by population 100,000 / 140,000 / 60,000 (sum 300,000): £8,000, £11,200, £4,800."""
    dataset = factories.BasisDatasetFactory()
    for partner, value in zip(districts, ["100000", "140000", "60000"], strict=True):
        BasisValue.objects.create(dataset=dataset, partner=partner, value=Decimal(value))
    formula = services.formula_create(
        commission=commission,
        name="By population",
        method=Formula.Method.WEIGHTED,
        total=Decimal("24000"),
        basis_dataset=dataset,
        by=None,
        participants=[services.ParticipantInput(partner) for partner in districts],
    )
    result = services.formula_compute(formula)
    assert {line.name: line.amount for line in result.lines} == {
        "Burnley": Decimal("8000"),
        "Preston": Decimal("11200"),
        "Ribble Valley": Decimal("4800"),
    }
    assert result.lines[0].provenance["basis"]["vintage"] == dataset.vintage


@pytest.mark.django_db
def test_revising_a_formula_makes_a_new_version_and_keeps_the_old(commission, districts):
    first = _fixed(commission, districts)
    second = services.formula_revise(
        formula=first,
        by=None,
        participants=[services.ParticipantInput(districts[0], Decimal("8000"))],
    )
    assert (second.version, second.supersedes) == (2, first)
    assert first.participants.count() == 3
    assert second.participants.get().fixed_amount == Decimal("8000.00")
    with pytest.raises(ValidationError, match="already been revised"):
        services.formula_revise(formula=first, by=None)
    with pytest.raises(ValidationError, match="superseded"):
        services.requests_draft(formula=first, by=None)


@pytest.mark.django_db
def test_redrafting_replaces_earlier_drafts(commission, districts):
    first = _fixed(commission, districts)
    services.requests_draft(formula=first, by=None)
    second = services.formula_revise(formula=first, by=None)
    services.requests_draft(formula=second, by=None)
    assert set(ContributionRequest.objects.values_list("formula__version", flat=True)) == {2}
    assert ContributionRequest.objects.count() == 9


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": Formula.Method.WEIGHTED, "total": Decimal("100")}, "needs a basis dataset"),
        ({"method": Formula.Method.WEIGHTED}, "needs a yearly total"),
        ({"method": Formula.Method.FIXED, "amounts": (None, "1", "1")}, "needs an amount in a fixed formula"),
        ({"method": Formula.Method.COST_MODEL, "total": Decimal("100")}, "at least one cost category"),
        ({"method": Formula.Method.WEIGHTED, "total": Decimal("10.50"), "dataset": True}, "not a whole number"),
    ],
)
def test_a_formula_that_cannot_be_computed_is_refused_and_nothing_is_written(commission, districts, kwargs, message):
    dataset = None
    if kwargs.pop("dataset", False):
        dataset = factories.BasisDatasetFactory()
        for partner in districts:
            BasisValue.objects.create(dataset=dataset, partner=partner, value=Decimal("1"))
    amounts = kwargs.pop("amounts", ("1", "1", "1"))
    with pytest.raises(ValidationError, match=message):
        services.formula_create(
            commission=commission,
            name="Bad",
            by=None,
            basis_dataset=dataset,
            participants=[
                services.ParticipantInput(p, Decimal(a) if a else None) for p, a in zip(districts, amounts, strict=True)
            ],
            **kwargs,
        )
    assert not Formula.objects.exists()
    assert not FormulaParticipant.objects.exists()
    assert not CostCategory.objects.exists()


@pytest.mark.django_db
def test_a_partner_outside_the_commission_cannot_be_asked(commission, districts):
    stranger = factories.PartnerFactory(name="Blackpool")
    with pytest.raises(ValidationError, match="Blackpool is not a partner"):
        _fixed(commission, [*districts[:2], stranger])
    assert not Formula.objects.exists()


@pytest.mark.django_db
def test_essex_2018_fixed_contributions_sum_to_2_125m():
    """Essex 2018 (seed 003): £1,632,000 + £451,000 + £25,000 + £17,000 = £2,125,000 a year."""
    commission = factories.CommissionFactory(first_year=2018, number_of_years=1)
    amounts = {
        "Essex County Council": "1632000",
        "Police, Fire and Crime Commissioner for Essex": "451000",
        "Southend-on-Sea Borough Council": "25000",
        "Thurrock Council": "17000",
    }
    partners = [
        factories.MembershipFactory(commission=commission, partner__name=name, joined_on=date(2018, 4, 1)).partner
        for name in amounts
    ]
    formula = services.formula_create(
        commission=commission,
        name="Essex joint contract",
        method=Formula.Method.FIXED,
        by=None,
        participants=[services.ParticipantInput(p, Decimal(amounts[p.name])) for p in partners],
    )
    assert services.formula_compute(formula).total == Decimal("2125000.00")
