"""The formula, request, allocation, monitoring and reconciliation pages: who may use them, what they show, what
they write, what they refuse, and how many queries they take."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations import services
from allocations.models import (
    AllocationOverride,
    BasisValue,
    Formula,
    ImportedContribution,
    MonitoringReturn,
    StatedTotal,
    TableImport,
    WorkStreamAllocation,
    YearBudget,
)
from partners.models import ContributionRequest
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """2014/15 budget of £1,502,449 split; a fixed formula asking A £7,000 and B £12,000."""
    year = commission.years.get(number=2)
    allocations = services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)
    formula = services.formula_create(
        commission=commission,
        name="Districts",
        method=Formula.Method.FIXED,
        by=None,
        participants=[
            services.ParticipantInput(partner_a, Decimal("7000")),
            services.ParticipantInput(partner_b, Decimal("12000")),
        ],
    )
    return {"year": year, "allocation": allocations[0], "formula": formula}


def _read_urls(commission, plan):  # type: ignore[no-untyped-def]
    pk = commission.pk
    return [
        reverse("formula-list", args=[pk]),
        reverse("formula-detail", args=[pk, plan["formula"].pk]),
        reverse("request-list", args=[pk]),
        reverse("allocation-list", args=[pk]),
        reverse("reconciliation", args=[pk]),
    ]


def _write_urls(commission, plan):  # type: ignore[no-untyped-def]
    pk = commission.pk
    return [
        reverse("formula-create", args=[pk]),
        reverse("formula-revise", args=[pk, plan["formula"].pk]),
        reverse("year-budget-edit", args=[pk, plan["year"].pk]),
        reverse("allocation-override", args=[pk, plan["allocation"].pk]),
        reverse("monitoring-create", args=[pk, plan["year"].pk]),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, commission, plan):
    for url in [*_read_urls(commission, plan), *_write_urls(commission, plan)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("persona", ["outsider", "lead_a", "lead_b"])
def test_outsiders_and_partner_leads_are_refused_every_page(request, as_user, persona, commission, plan):
    client = as_user(request.getfixturevalue(persona))
    for url in [*_read_urls(commission, plan), *_write_urls(commission, plan)]:
        assert client.get(url).status_code == 403, url
    draft = reverse("formula-draft-requests", args=[commission.pk, plan["formula"].pk])
    assert client.post(draft).status_code == 403
    assert not ContributionRequest.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_readers_see_every_page_but_change_nothing(request, as_user, persona, commission, plan):
    client = as_user(request.getfixturevalue(persona))
    for url in _read_urls(commission, plan):
        assert client.get(url).status_code == 200, url
    for url in _write_urls(commission, plan):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"amount": "1", "reason": "x"}).status_code == 403, url
    draft = reverse("formula-draft-requests", args=[commission.pk, plan["formula"].pk])
    assert client.post(draft).status_code == 403
    assert not ContributionRequest.objects.exists()
    assert not AllocationOverride.objects.exists()


def test_officer_reaches_every_page(as_user, officer, commission, plan):
    client = as_user(officer)
    for url in [*_read_urls(commission, plan), *_write_urls(commission, plan)]:
        assert client.get(url).status_code == 200, url


def test_pages_of_another_commission_are_not_found(as_user, officer, commission, plan):
    other = factories.CommissionFactory()
    client = as_user(officer)
    assert client.get(reverse("formula-detail", args=[other.pk, plan["formula"].pk])).status_code == 404
    assert client.get(reverse("allocation-override", args=[other.pk, plan["allocation"].pk])).status_code == 404
    assert client.get(reverse("year-budget-edit", args=[other.pk, plan["year"].pk])).status_code == 404


def test_allocation_page_shows_the_split_that_sums_exactly(as_user, auditor, commission, plan):
    page = as_user(auditor).get(reverse("allocation-list", args=[commission.pk])).content.decode()
    for text in ("£75,123", "£255,416", "£1,021,665", "£150,245", "£1,502,449", "took rounding"):
        assert text in page, text


def test_officer_sets_a_budget_and_it_is_split(as_user, officer, commission):
    year = commission.years.get(number=3)
    response = as_user(officer).post(
        reverse("year-budget-edit", args=[commission.pk, year.pk]),
        {"amount": "£1,502,449", "rounding_unit": "1", "note": ""},
    )
    assert response.status_code == 302
    assert YearBudget.objects.get(financial_year=year).amount == Decimal("1502449")
    assert sum(a.amount for a in WorkStreamAllocation.objects.filter(financial_year=year)) == Decimal("1502449")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "cannot be negative"), ("1,000.50", "not a whole number"), ("lots", "Enter a number")],
)
def test_a_bad_budget_shows_an_error_and_writes_nothing(as_user, officer, commission, amount, message):
    year = commission.years.get(number=3)
    response = as_user(officer).post(
        reverse("year-budget-edit", args=[commission.pk, year.pk]), {"amount": amount, "rounding_unit": "1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not YearBudget.objects.filter(financial_year=year).exists()


def test_an_override_without_a_reason_is_refused(as_user, officer, commission, plan):
    url = reverse("allocation-override", args=[commission.pk, plan["allocation"].pk])
    response = as_user(officer).post(url, {"amount": "80000", "reason": ""})
    assert "There is a problem" in response.content.decode()
    assert not AllocationOverride.objects.exists()
    response = as_user(officer).post(url, {"amount": "80000", "reason": "MARAC post"})
    assert response.status_code == 302
    page = as_user(officer).get(reverse("allocation-list", args=[commission.pk])).content.decode()
    assert "£4,877 against the formula" in page  # 80,000 − 75,123
    assert "MARAC post" in page


def test_monitoring_return_gives_a_computed_variance(as_user, officer, commission, plan):
    stream = plan["allocation"].work_stream
    response = as_user(officer).post(
        reverse("monitoring-create", args=[commission.pk, plan["year"].pk]),
        {"work_stream": stream.pk, "quarter": "2", "forecast": "37,563", "actual": "20,000"},
    )
    assert response.status_code == 302
    assert MonitoringReturn.objects.get().forecast == Decimal("37563")
    page = as_user(officer).get(reverse("allocation-list", args=[commission.pk])).content.decode()
    assert "£37,560" in page  # variance 75,123 − 37,563


def test_officer_creates_a_fixed_formula_from_the_amounts_asked_and_revises_it(
    as_user, officer, commission, partner_a, partner_b
):
    client = as_user(officer)
    response = client.post(
        reverse("formula-create", args=[commission.pk]),
        {"name": "Asked", "method": "fixed", "rounding_unit": "1", "participants": [partner_a.pk, partner_b.pk]},
    )
    formula = Formula.objects.get(name="Asked")
    assert response["Location"] == reverse("formula-detail", args=[commission.pk, formula.pk])
    amounts = {p.partner_id: p.fixed_amount for p in formula.participants.all()}
    assert amounts == {partner_a.pk: Decimal("7000"), partner_b.pk: Decimal("12000")}  # from the request letter
    response = client.post(
        reverse("formula-revise", args=[commission.pk, formula.pk]),
        {f"amount_{partner_a.pk}": "7,500", f"amount_{partner_b.pk}": "12000"},
    )
    revised = Formula.objects.get(name="Asked", version=2)
    assert revised.participants.get(partner=partner_a).fixed_amount == Decimal("7500")
    assert formula.participants.get(partner=partner_a).fixed_amount == Decimal("7000")


def test_officer_creates_a_cost_model_formula_and_changes_a_weight(as_user, officer, commission, partner_a, partner_b):
    """£19,000 all on housing (districts A and B, equally): £9,500 each. Then criminal justice is weighted too,
    but no partner here bears it, so the change is refused with the reason."""
    client = as_user(officer)
    client.post(
        reverse("formula-create", args=[commission.pk]),
        {
            "name": "Walby",
            "method": "cost_model",
            "total": "19000",
            "rounding_unit": "1",
            "participants": [partner_a.pk, partner_b.pk],
            "weight_housing": "196",
            "weights_source": "Walby 2009",
        },
    )
    formula = Formula.objects.get(name="Walby")
    assert [line.amount for line in services.formula_compute(formula).lines] == [Decimal("9500"), Decimal("9500")]
    detail = client.get(reverse("formula-detail", args=[commission.pk, formula.pk])).content.decode()
    assert "Walby 2009" in detail
    data = {"total": "19000"}
    for category in formula.cost_categories.all():
        data[f"weight_{category.pk}"] = "1261" if category.name == "Criminal justice" else str(category.weight)
        data[f"source_{category.pk}"] = category.source
    response = client.post(reverse("formula-revise", args=[commission.pk, formula.pk]), data)
    assert "No partner in the formula is of the kinds that bear" in response.content.decode()
    assert not Formula.objects.filter(name="Walby", version=2).exists()


def test_a_weighted_formula_needs_a_dataset(as_user, officer, commission, partner_a):
    response = as_user(officer).post(
        reverse("formula-create", args=[commission.pk]),
        {"name": "W", "method": "weighted", "total": "1000", "rounding_unit": "1", "participants": [partner_a.pk]},
    )
    assert "Choose the dataset that weights the partners." in response.content.decode()
    assert not Formula.objects.exists()


def test_weighted_formula_page_shows_the_dataset_and_shares(as_user, manager, commission, partner_a, partner_b):
    dataset = factories.BasisDatasetFactory()
    BasisValue.objects.create(dataset=dataset, partner=partner_a, value=Decimal("1"))
    BasisValue.objects.create(dataset=dataset, partner=partner_b, value=Decimal("3"))
    formula = services.formula_create(
        commission=commission,
        name="By population",
        method=Formula.Method.WEIGHTED,
        total=Decimal("1000"),
        basis_dataset=dataset,
        by=None,
        participants=[services.ParticipantInput(partner_a), services.ParticipantInput(partner_b)],
    )
    page = as_user(manager).get(reverse("formula-detail", args=[commission.pk, formula.pk])).content.decode()
    for text in ("ONS mid-year population estimates", "mid-2012", "0.250000", "£250", "£750", "£1,000"):
        assert text in page, text


def test_drafting_requests_from_the_page(as_user, officer, commission, plan):
    response = as_user(officer).post(reverse("formula-draft-requests", args=[commission.pk, plan["formula"].pk]))
    assert response["Location"] == reverse("request-list", args=[commission.pk])
    assert ContributionRequest.objects.count() == 6  # 2 partners × 3 years
    page = as_user(officer).get(reverse("request-list", args=[commission.pk])).content.decode()
    assert page.count("£19,000") == 3  # each year's total, summed from its lines


def test_reconciliation_page_lists_each_mismatch(as_user, auditor, commission, partner_a, partner_b):
    table = TableImport.objects.create(
        commission=commission, kind=TableImport.Kind.CONTRIBUTIONS, title="District table", file_sha256="x"
    )
    for row, partner, amount in [(3, partner_a, "7000"), (4, partner_b, "12000")]:
        ImportedContribution.objects.create(
            table_import=table, row_number=row, partner=partner, name_as_stated=partner.name, amount=Decimal(amount)
        )
    StatedTotal.objects.create(
        table_import=table, column="amount", label="Total", row_number=2, amount=Decimal("18000")
    )
    page = as_user(auditor).get(reverse("reconciliation", args=[commission.pk])).content.decode()
    for text in ("District table, row 2 (&#x27;Total&#x27;)", "£18,000", "£19,000", "-£1,000", "1 does not agree"):
        assert text in page, text


def test_allocation_page_queries_do_not_grow_with_partners_or_returns(
    as_user, officer, commission, plan, django_assert_max_num_queries
):
    client = as_user(officer)
    url = reverse("allocation-list", args=[commission.pk])
    with django_assert_max_num_queries(15) as small:
        client.get(url)
    for _ in range(20):
        factories.MembershipFactory(commission=commission)
    for stream in commission.work_streams.filter(pooled_share__isnull=False):
        for quarter in (1, 2, 3):
            services.monitoring_return_record(
                financial_year=plan["year"], work_stream=stream, quarter=quarter, forecast=Decimal("1"), by=None
            )
    with django_assert_max_num_queries(15) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_reconciliation_page_queries_do_not_grow_with_partners(
    as_user, auditor, commission, django_assert_max_num_queries
):
    client = as_user(auditor)
    url = reverse("reconciliation", args=[commission.pk])
    table = TableImport.objects.create(
        commission=commission, kind=TableImport.Kind.CONTRIBUTIONS, title="Table", file_sha256="y"
    )
    StatedTotal.objects.create(table_import=table, column="amount", label="Total", row_number=2, amount=Decimal("1"))

    def add_lines(count: int) -> None:
        for _ in range(count):
            partner = factories.MembershipFactory(commission=commission).partner
            ImportedContribution.objects.create(
                table_import=table, row_number=partner.pk, partner=partner, name_as_stated="x", amount=Decimal("1")
            )

    add_lines(2)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    add_lines(30)
    with django_assert_max_num_queries(20) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_formula_and_request_pages_queries_are_bounded(
    as_user, officer, commission, plan, django_assert_max_num_queries
):
    services.requests_draft(formula=plan["formula"], by=None)
    client = as_user(officer)
    for url in (
        reverse("formula-list", args=[commission.pk]),
        reverse("formula-detail", args=[commission.pk, plan["formula"].pk]),
        reverse("request-list", args=[commission.pk]),
    ):
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200


def test_officer_posts_a_years_allocations_to_the_ledger(as_user, officer, commission, partner_a, plan):
    from commissioning import ledger
    from commissioning.models import LedgerTransaction

    url = reverse("allocations-post", args=[commission.pk, plan["year"].pk])
    response = as_user(officer).post(url, follow=True)
    assert "pool holds £0.00 not yet allocated" in response.content.decode()  # nothing pledged yet
    assert not LedgerTransaction.objects.filter(kind="allocation").exists()
    ledger.pledge_accepted_post(partner=partner_a, financial_year=plan["year"], amount=Decimal("1502449"), by=None)
    page = as_user(officer).post(url, follow=True).content.decode()
    assert "4 allocations for 2014/15 posted to the ledger" in page
    assert LedgerTransaction.objects.filter(kind="allocation").count() == 4


@pytest.mark.parametrize("persona", ["manager", "auditor", "lead_a", "outsider"])
def test_only_officers_post_allocations(request, as_user, persona, commission, plan):
    from commissioning.models import LedgerTransaction

    response = as_user(request.getfixturevalue(persona)).post(
        reverse("allocations-post", args=[commission.pk, plan["year"].pk])
    )
    assert response.status_code == 403
    assert not LedgerTransaction.objects.exists()
