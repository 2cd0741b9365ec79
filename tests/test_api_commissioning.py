"""The API's shared pieces and the core's endpoints: commissions, financial years, a commission's reconciliation,
the schema and the reference page, and token sign-in for systems."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from allocations.models import WorkStreamAllocation
from commissioning.api import FinancialYearField, MoneyField
from tests import factories
from tests.api_support import NOT_STAFF, STAFF, assert_money_strings

pytestmark = pytest.mark.django_db


# Money and financial-year fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("1502449", Decimal("1502449.00")),
        ("1502449.00", Decimal("1502449.00")),
        ("0.5", Decimal("0.50")),
        (" 75123.00 ", Decimal("75123.00")),
    ],
)
def test_money_field_takes_decimal_strings(sent, kept):
    assert MoneyField().to_internal_value(sent) == kept


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        (1502449, "not a JSON number"),
        (0.1, "not a JSON number"),
        (True, "not a JSON number"),
        ("1.005", "fraction of a penny"),
        ("£1,502,449", "decimal string of pounds"),
        ("1e6", "decimal string of pounds"),
        ("NaN", "decimal string of pounds"),
        ("-5.00", "cannot be negative"),
        ("12345678901234", "decimal string of pounds"),
    ],
)
def test_money_field_refuses_numbers_fractions_of_a_penny_and_other_text(sent, says):
    with pytest.raises(serializers.ValidationError) as refused:
        MoneyField().to_internal_value(sent)
    assert says in str(refused.value.detail[0])


def test_money_field_writes_pounds_and_pence_as_a_string():
    assert MoneyField().to_representation(Decimal("1502449")) == "1502449.00"
    assert MoneyField().to_representation(Decimal("-0.10")) == "-0.10"


def test_financial_year_field_reads_and_refuses_labels():
    assert FinancialYearField().to_internal_value("2013/14") == 2013
    for wrong in ("2013/15", "13/14", 2013):
        with pytest.raises(serializers.ValidationError):
            FinancialYearField().to_internal_value(wrong)


# Commissions and financial years --------------------------------------------------------------------------


def _read_urls(commission):  # type: ignore[no-untyped-def]
    return [
        reverse("api:commission-list"),
        reverse("api:commission-detail", args=[commission.pk]),
        reverse("api:financial-year-list"),
        reverse("api:financial-year-detail", args=[commission.years.first().pk]),
        reverse("api:commission-reconciliation", args=[commission.pk]),
    ]


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_commissions_years_and_reconciliation(as_persona, persona, world):
    client = as_persona(persona)
    for url in _read_urls(world.commission):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", NOT_STAFF)
def test_partner_leads_and_outsiders_are_refused_commission_resources(as_persona, persona, world):
    client = as_persona(persona)
    for url in _read_urls(world.commission):
        response = client.get(url)
        assert response.status_code == 403, url
        assert world.commission.name not in response.content.decode()


def test_anonymous_callers_are_asked_for_a_token(client, world):
    for url in _read_urls(world.commission):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"


def test_commission_reads_as_strings_and_labels(as_user, auditor, commission):
    data = as_user(auditor).get(reverse("api:commission-detail", args=[commission.pk])).json()
    assert data["target"] == "3500000.00"
    assert data["first_year"] == "2013/14"
    assert data["period"] == "2013/14 to 2015/16"
    assert data["host"]["name"] == commission.host.name
    assert assert_money_strings(data) == 1


def test_commission_resources_are_read_only(as_user, officer, commission):
    client = as_user(officer)
    response = client.post(reverse("api:commission-list"), {"name": "New"}, content_type="application/json")
    assert response.status_code == 405
    # An officer deletes nothing, so a delete is refused before the method is even looked at.
    url = reverse("api:financial-year-detail", args=[commission.years.first().pk])
    assert client.delete(url).status_code == 403
    assert commission.years.count() == 3


def test_financial_years_are_labelled_and_filtered_by_commission(as_user, manager, commission):
    other = factories.CommissionFactory(first_year=2018, number_of_years=1)
    client = as_user(manager)
    data = client.get(reverse("api:financial-year-list"), {"commission": commission.pk}).json()
    assert [year["financial_year"] for year in data["results"]] == ["2013/14", "2014/15", "2015/16"]
    assert data["results"][0]["starts_on"] == "2013-04-01"
    assert data["results"][0]["ends_on"] == "2014-03-31"
    data = client.get(reverse("api:financial-year-list"), {"commission": other.pk}).json()
    assert [year["financial_year"] for year in data["results"]] == ["2018/19"]


def test_a_commission_filter_that_is_not_an_id_is_a_400(as_user, manager):
    response = as_user(manager).get(reverse("api:financial-year-list"), {"commission": "Lancashire"})
    assert response.status_code == 400
    assert "commission" in response.json()


# Reconciliation -------------------------------------------------------------------------------------------


def test_reconciliation_lists_a_stated_total_that_differs_from_its_lines(as_user, auditor, world):
    """The table's lines are £7,000 + £12,000 = £19,000; its 'Total' row states £19,001."""
    response = as_user(auditor).get(reverse("api:commission-reconciliation", args=[world.commission.pk]))
    assert response.status_code == 200
    data = response.json()
    assert data["commission"] == world.commission.pk
    assert data["checked"] >= 2
    assert data["mismatches"] == [
        {
            "where": "District contributions requested, row 4 ('Total')",
            "what": "Total of amount",
            "stated": "19001.00",
            "computed": "19000.00",
            "difference": "1.00",
            "rule": "sum of the table's amount lines",
            "table_import": world.table.pk,
            "is_percent": False,
        }
    ]


def test_reconciliation_also_finds_a_budget_an_override_moved_away_from(as_user, officer, world):
    """An override of the first line from £75,123 to £80,000 leaves the lines £4,877 above the £1,502,449 budget."""
    line = world.allocations[0]
    as_user(officer).post(
        reverse("api:allocation-override", args=[line.pk]),
        {"amount": "80000.00", "reason": "Board agreed more co-ordination"},
        content_type="application/json",
    )
    data = as_user(officer).get(reverse("api:commission-reconciliation", args=[world.commission.pk])).json()
    budget = next(m for m in data["mismatches"] if m["where"] == "2013/14 budget")
    assert (budget["stated"], budget["computed"], budget["difference"]) == ("1502449.00", "1507326.00", "-4877.00")


def test_reconciliation_of_a_missing_commission_is_404(as_user, auditor):
    assert as_user(auditor).get(reverse("api:commission-reconciliation", args=[999999])).status_code == 404


def test_reconciliation_queries_do_not_grow_with_tables(as_user, auditor, world, django_assert_max_num_queries):
    client = as_user(auditor)
    url = reverse("api:commission-reconciliation", args=[world.commission.pk])
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for _ in range(5):
        table = factories.TableImportFactory(commission=world.commission)
        factories.ImportedContributionFactory(table_import=table, partner=world.partner_a)
        factories.StatedTotalFactory(table_import=table, amount=Decimal("2.00"))
    with django_assert_max_num_queries(20) as large:
        data = client.get(url).json()
    assert len(data["mismatches"]) == 6
    assert len(large.captured_queries) == len(small.captured_queries)


# Commission list queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["api:commission-list", "api:financial-year-list"])
def test_core_list_queries_do_not_grow_with_commissions(as_user, auditor, name, django_assert_max_num_queries):
    client = as_user(auditor)
    factories.CommissionFactory()
    with django_assert_max_num_queries(8) as small:
        assert client.get(reverse(name)).status_code == 200
    for _ in range(8):
        factories.CommissionFactory()
    with django_assert_max_num_queries(8) as large:
        assert len(client.get(reverse(name)).json()["results"]) >= 9
    assert len(large.captured_queries) == len(small.captured_queries)


# Token sign-in, end to end --------------------------------------------------------------------------------


def test_a_system_signs_in_with_a_token_reads_and_writes_with_the_officers_permissions(officer, manager, world):
    """A token stands for its user: the officer's token sets a budget, the manager's reads but cannot."""
    system = APIClient(enforce_csrf_checks=True)
    system.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    listing = system.get(reverse("api:allocation-list"), {"commission": world.commission.pk})
    assert listing.status_code == 200
    assert listing.json()["count"] == 4

    second_year = world.commission.years.get(number=2)
    body = {"commission": world.commission.pk, "financial_year": second_year.label, "amount": "1000000.00"}
    created = system.post(reverse("api:year-budget-list"), body, format="json")
    assert created.status_code == 201, created.content
    assert WorkStreamAllocation.objects.filter(financial_year=second_year).count() == 4

    reader = APIClient(enforce_csrf_checks=True)
    reader.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    assert reader.get(reverse("api:allocation-list")).status_code == 200
    body["amount"] = "2.00"
    assert reader.post(reverse("api:year-budget-list"), body, format="json").status_code == 403
    assert second_year.budget.amount == Decimal("1000000.00")


def test_a_wrong_token_is_401(world):
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert system.get(reverse("api:commission-list")).status_code == 401


def test_a_page_session_must_carry_its_csrf_token_to_write(officer, world):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(officer)
    body = {"commission": world.commission.pk, "financial_year": "2014/15", "amount": "1.00"}
    response = browser.post(reverse("api:year-budget-list"), body, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# Schema and reference -------------------------------------------------------------------------------------

EVERY_PATH = {
    "/api/v1/commissions/",
    "/api/v1/commissions/{id}/",
    "/api/v1/commissions/{id}/reconciliation/",
    "/api/v1/financial-years/",
    "/api/v1/financial-years/{id}/",
    "/api/v1/formulas/",
    "/api/v1/formulas/{id}/",
    "/api/v1/formulas/{id}/revise/",
    "/api/v1/formulas/{id}/draft-requests/",
    "/api/v1/basis-datasets/",
    "/api/v1/basis-datasets/{id}/",
    "/api/v1/requests/",
    "/api/v1/requests/{id}/",
    # The request workflow (partners/api.py)
    "/api/v1/letters/",
    "/api/v1/letters/{id}/",
    "/api/v1/letters/issue/",
    "/api/v1/letters/{id}/send-link/",
    "/api/v1/letters/{id}/deadline/",
    "/api/v1/returns/",
    "/api/v1/returns/{id}/",
    "/api/v1/returns/{id}/accept/",
    "/api/v1/returns/{id}/query/",
    "/api/v1/pledges/",
    "/api/v1/pledges/{id}/",
    "/api/v1/pro-forma/{token}/",
    "/api/v1/allocations/",
    "/api/v1/allocations/{id}/",
    "/api/v1/allocations/{id}/override/",
    "/api/v1/year-budgets/",
    "/api/v1/year-budgets/{id}/",
    "/api/v1/monitoring-returns/",
    "/api/v1/monitoring-returns/{id}/",
    "/api/v1/scenarios/",
    "/api/v1/scenarios/{id}/",
    "/api/v1/scenarios/{id}/adopt/",
    "/api/v1/scenarios/compare/",
    "/api/v1/scenarios/preview/",
    # Providers and contracts (commissioning/contract_api.py)
    "/api/v1/providers/",
    "/api/v1/providers/{id}/",
    "/api/v1/providers/{id}/end/",
    "/api/v1/contracts/",
    "/api/v1/contracts/{id}/",
    "/api/v1/contracts/{id}/values/",
    "/api/v1/contracts/{id}/spend/",
    "/api/v1/contracts/{id}/end/",
    "/api/v1/contracts/commitments/",
    "/api/v1/transactions/",
    "/api/v1/transactions/{id}/",
    "/api/v1/commissions/{id}/statement/",
    "/api/v1/commissions/{id}/plan-versions/",
    "/api/v1/commissions/{id}/plan-versions/{number}/",
    "/api/v1/commissions/{id}/plan-versions/movements/",
    # Decision records and their sign-off (reports/decision_api.py)
    "/api/v1/decisions/",
    "/api/v1/decisions/{id}/",
    "/api/v1/decisions/{id}/submit/",
    "/api/v1/decisions/{id}/sign-off/",
    "/api/v1/decisions/{id}/decide/",
    "/api/v1/decisions/{id}/return-to-draft/",
    "/api/v1/decisions/{id}/publish/",
    "/api/v1/decisions/{id}/pdf/",
    # Reserves (drawdowns nested), carry-forwards, a commission's pool and year-end.
    "/api/v1/reserves/",
    "/api/v1/reserves/{id}/",
    "/api/v1/reserves/{id}/post-opening/",
    "/api/v1/reserves/{reserve_pk}/drawdowns/",
    "/api/v1/reserves/{reserve_pk}/drawdowns/{id}/",
    "/api/v1/reserves/{reserve_pk}/drawdowns/{id}/approve/",
    "/api/v1/reserves/{reserve_pk}/drawdowns/{id}/reject/",
    "/api/v1/reserves/{reserve_pk}/drawdowns/{id}/post/",
    "/api/v1/carry-forwards/",
    "/api/v1/carry-forwards/{id}/",
    "/api/v1/carry-forwards/{id}/outline-approve/",
    "/api/v1/carry-forwards/{id}/confirm/",
    "/api/v1/carry-forwards/{id}/reject/",
    "/api/v1/carry-forwards/{id}/lapse/",
    "/api/v1/commissions/{id}/pool/",
    "/api/v1/commissions/{id}/year-end/",
}


@pytest.mark.parametrize("persona", [*STAFF, "lead_a"])
def test_schema_lists_every_endpoint_with_money_as_decimal_strings(as_persona, persona):
    response = as_persona(persona).get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == EVERY_PATH
    amount = schema["components"]["schemas"]["AllocationOutput"]["properties"]["amount"]
    assert (amount["type"], amount["format"]) == ("string", "decimal")


def test_schema_is_refused_to_outsiders_and_anonymous_callers(as_persona):
    assert as_persona("outsider").get(reverse("api-schema")).status_code == 403
    assert as_persona("anonymous").get(reverse("api-schema")).status_code == 401


def test_schema_generates_and_validates_without_warnings(tmp_path):
    """`manage.py spectacular --validate --fail-on-warn` fails on any warning (an unresolved type, a clash)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert "/api/v1/commissions/{id}/reconciliation/" in (tmp_path / "s.yaml").read_text()


@pytest.mark.parametrize("persona", [*STAFF, "lead_a"])
def test_reference_page_describes_every_endpoint_without_outside_assets(as_persona, persona):
    response = as_persona(persona).get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    for path in EVERY_PATH:
        assert f"<code>{path}</code>" in page, path
    assert 'id="schema-FormulaOutput"' in page
    assert '"1502449.00"' in page
    # Nothing loaded from anywhere but this service: no CDN script or stylesheet.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page)


def test_reference_page_is_refused_to_outsiders_and_asks_anonymous_visitors_to_sign_in(as_persona):
    assert as_persona("outsider").get(reverse("api-docs")).status_code == 403
    response = as_persona("anonymous").get(reverse("api-docs"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
