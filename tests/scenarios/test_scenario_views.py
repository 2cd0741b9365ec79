"""Scenario pages: who may see and do what, what they show, that previews write nothing, and their query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from allocations.models import Formula, Scenario
from allocations.scenario_services import scenario_save
from allocations.services import ParticipantInput, formula_create, formula_revise
from partners.models import Partner
from tests import factories
from tests.scenarios.conftest import live_data_snapshot

pytestmark = pytest.mark.django_db

STAFF = ["officer", "manager", "auditor"]
REFUSED = ["lead_a", "lead_b", "outsider"]


@pytest.fixture
def scenario(fixed_formula, districts, officer):  # type: ignore[no-untyped-def]
    return scenario_save(
        commission=fixed_formula.commission,
        formula=fixed_formula,
        name="Preston declines",
        description="What if Preston says no?",
        changes={"declines": [districts["Preston City Council"].pk]},
        by=officer,
    )


@pytest.fixture
def other_scenario(fixed_formula, districts, officer):  # type: ignore[no-untyped-def]
    return scenario_save(
        commission=fixed_formula.commission,
        formula=fixed_formula,
        name="Wyre pays less",
        description="",
        changes={"pays": {str(districts["Wyre Council"].pk): "4000"}},
        by=officer,
    )


def _get_urls(commission, scenario, other):  # type: ignore[no-untyped-def]
    return [
        reverse("scenario-list", args=[commission.pk]),
        reverse("scenario-what-if", args=[commission.pk]),
        reverse("scenario-detail", args=[commission.pk, scenario.pk]),
        reverse("scenario-compare", args=[commission.pk]) + f"?a={scenario.pk}&b={other.pk}",
        reverse("scenario-adopt", args=[commission.pk, scenario.pk]),
    ]


def _what_if_url(commission, formula=None):  # type: ignore[no-untyped-def]
    url = reverse("scenario-what-if", args=[commission.pk])
    return f"{url}?formula={formula.pk}" if formula else url


# --- Who may do what -----------------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_from_every_scenario_page(client, commission, scenario, other_scenario):
    for url in _get_urls(commission, scenario, other_scenario):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    response = client.post(reverse("scenario-adopt", args=[commission.pk, scenario.pk]))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", REFUSED)
def test_partner_leads_and_outsiders_are_refused_every_scenario_page(
    request, as_user, persona, commission, scenario, other_scenario, fixed_formula
):
    client = as_user(request.getfixturevalue(persona))
    for url in _get_urls(commission, scenario, other_scenario):
        assert client.get(url).status_code == 403, url
    assert client.post(_what_if_url(commission), {"declines": [], "action": "preview"}).status_code == 403
    assert client.post(reverse("scenario-adopt", args=[commission.pk, scenario.pk])).status_code == 403
    assert Scenario.objects.get(pk=scenario.pk).status == Scenario.Status.DRAFT


@pytest.mark.parametrize("persona", STAFF)
def test_staff_read_every_scenario_page_except_adopt(request, as_user, persona, commission, scenario, other_scenario):
    client = as_user(request.getfixturevalue(persona))
    for url in _get_urls(commission, scenario, other_scenario)[:4]:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_managers_and_auditors_may_preview_but_not_save_or_adopt(
    request, as_user, persona, commission, fixed_formula, districts, scenario
):
    client = as_user(request.getfixturevalue(persona))
    preston = districts["Preston City Council"].pk
    preview = client.post(_what_if_url(commission), {"declines": [preston], "action": "preview"})
    assert preview.status_code == 200
    assert "Save scenario" not in preview.content.decode()
    saved = client.post(_what_if_url(commission), {"declines": [preston], "name": "Mine", "action": "save"})
    assert saved.status_code == 403
    assert client.get(reverse("scenario-adopt", args=[commission.pk, scenario.pk])).status_code == 403
    assert client.post(reverse("scenario-adopt", args=[commission.pk, scenario.pk])).status_code == 403
    assert Scenario.objects.count() == 1
    assert Formula.objects.count() == 1
    detail = client.get(reverse("scenario-detail", args=[commission.pk, scenario.pk])).content.decode()
    assert "Adopt as the live plan" not in detail


def test_a_scenario_of_another_commission_is_not_found(as_user, officer, scenario):
    other = factories.CommissionFactory()
    assert as_user(officer).get(reverse("scenario-detail", args=[other.pk, scenario.pk])).status_code == 404


# --- What the pages show and do ------------------------------------------------------------------------------


def test_list_links_each_scenario_and_offers_a_comparison(as_user, auditor, commission, scenario, other_scenario):
    page = as_user(auditor).get(reverse("scenario-list", args=[commission.pk])).content.decode()
    assert reverse("scenario-detail", args=[commission.pk, scenario.pk]) in page
    assert "Wyre pays less" in page
    assert "Compare two scenarios" in page
    assert reverse("scenario-what-if", args=[commission.pk]) in page


def test_commission_page_links_to_its_scenarios(as_user, officer, commission):
    page = as_user(officer).get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert reverse("scenario-list", args=[commission.pk]) in page


def test_what_if_asks_which_formula_when_there_are_several(
    as_user, officer, commission, fixed_formula, weighted_formula
):
    client = as_user(officer)
    page = client.get(_what_if_url(commission)).content.decode()
    assert "Which formula should the scenario change?" in page
    assert "District contributions (version 1, fixed amounts)" in page
    chosen = client.get(_what_if_url(commission, weighted_formula)).content.decode()
    assert "Basis values" in chosen
    assert "Live value: 100" in chosen
    missing = client.get(f"{_what_if_url(commission)}?formula=999999")
    assert "Select one of the formulas listed" in missing.content.decode()


def test_what_if_preview_shows_the_result_and_writes_nothing(
    as_user, officer, commission, fixed_formula, districts, reserve
):
    before = live_data_snapshot()
    response = as_user(officer).post(
        _what_if_url(commission), {"declines": [districts["Preston City Council"].pk], "action": "preview"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Preston City Council declines (the live plan asks £12,000 a year).",
        "£89,000",  # the scenario's total
        "£12,000",  # the shortfall per year
        "£36,000",  # over 3 years
        "£3,233,000",  # against the commission's £3,500,000
        "Re-spread it across the remaining partners",
        "Crime and Disorder reserve",
        "£694,000",
        "Not possible: -£6,950",  # Workforce alone cannot absorb £12,000
    ):
        assert text in page, text
    assert live_data_snapshot() == before


def test_what_if_save_keeps_the_scenario_and_shows_it(as_user, officer, commission, fixed_formula, districts):
    chorley = districts["Chorley Council"]
    client = as_user(officer)
    response = client.post(
        _what_if_url(commission),
        {f"pays_{chorley.pk}": "6,000", "name": "Chorley pays less", "description": "", "action": "save"},
    )
    scenario = Scenario.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scenario-detail", args=[commission.pk, scenario.pk])
    assert scenario.changes == {"pays": {str(chorley.pk): "6000.00"}}
    assert scenario.created_by == officer
    page = client.get(response["Location"]).content.decode()
    assert "Chorley Council pays £6,000 a year instead of £9,000." in page
    assert "Scenario &#x27;Chorley pays less&#x27; saved." in page


def test_what_if_fields_left_at_the_live_figure_are_no_change(as_user, officer, commission, fixed_formula, districts):
    """Typing Chorley's live £9,000 and the live target £101,000 changes nothing, so there is nothing to preview."""
    chorley = districts["Chorley Council"]
    response = as_user(officer).post(
        _what_if_url(commission), {f"pays_{chorley.pk}": "9000", "total": "101000", "action": "preview"}
    )
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The scenario changes nothing: make at least one change." in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pays", "-5", "Enter an amount of £0 or more"),
        ("pays", "a lot", "Enter an amount in pounds, such as 12000 or 12,000.00"),
        ("pays", "100.005", "no more than 2 decimal places"),
        ("pays", "100.50", "£100.50 is not a whole number of pounds"),
        ("total", "-1", "Enter an amount of £0 or more"),
    ],
)
def test_what_if_bad_input_shows_an_error_summary_and_writes_nothing(
    as_user, officer, commission, fixed_formula, districts, field, value, message
):
    name = f"pays_{districts['Preston City Council'].pk}" if field == "pays" else field
    response = as_user(officer).post(_what_if_url(commission), {name: value, "name": "Bad", "action": "save"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert message in page
    assert page.count("<title>Error: ") == 1
    assert Scenario.objects.count() == 0


def test_what_if_save_needs_a_name(as_user, officer, commission, fixed_formula, districts):
    response = as_user(officer).post(
        _what_if_url(commission), {"declines": [districts["Preston City Council"].pk], "action": "save"}
    )
    page = response.content.decode()
    assert 'href="#id_name"' in page
    assert "Enter a name for the scenario." in page
    assert Scenario.objects.count() == 0


def test_detail_shows_the_scenario_beside_the_live_plan(as_user, auditor, commission, scenario, reserve):
    page = as_user(auditor).get(reverse("scenario-detail", args=[commission.pk, scenario.pk])).content.decode()
    for text in ("Preston declines", "What if Preston says no?", "£101,000", "£89,000", "-£12,000", "£36,000"):
        assert text in page, text
    assert "If this scenario is adopted" in page
    assert "any gap stays until it is closed another way" in page


def test_detail_of_a_surplus_says_so(as_user, officer, commission, fixed_formula):
    scenario = scenario_save(
        commission=commission,
        formula=fixed_formula,
        name="Stated total",
        description="",
        changes={"total": "100000"},
        by=officer,
    )
    page = as_user(officer).get(reverse("scenario-detail", args=[commission.pk, scenario.pk])).content.decode()
    assert "-£1,000 (a surplus of £1,000)" in page
    assert "There is no gap to close" in page


def test_compare_page_sets_two_scenarios_side_by_side(as_user, manager, commission, scenario, other_scenario):
    url = reverse("scenario-compare", args=[commission.pk]) + f"?a={scenario.pk}&b={other_scenario.pk}"
    page = as_user(manager).get(url).content.decode()
    assert "Difference (second − first)" in page
    assert "£89,000" in page
    assert "£95,000" in page
    assert "£6,000" in page


def test_compare_the_same_scenario_twice_is_an_error(as_user, manager, commission, scenario, other_scenario):
    url = reverse("scenario-compare", args=[commission.pk]) + f"?a={scenario.pk}&b={scenario.pk}"
    page = as_user(manager).get(url).content.decode()
    assert "Select a different scenario from the first" in page


def test_officer_confirms_then_adopts(as_user, officer, commission, scenario, fixed_formula):
    client = as_user(officer)
    detail = client.get(reverse("scenario-detail", args=[commission.pk, scenario.pk])).content.decode()
    adopt_url = reverse("scenario-adopt", args=[commission.pk, scenario.pk])
    assert adopt_url in detail
    confirm = client.get(adopt_url).content.decode()
    assert "Adopt 'Preston declines' as the live plan?" in confirm
    assert "What version 2 would ask each year" in confirm
    assert Formula.objects.count() == 1

    response = client.post(adopt_url)
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.ADOPTED
    assert scenario.adopted_formula.version == 2
    page = client.get(response["Location"]).content.decode()
    assert "is now the live plan" in page
    assert "as version 2" in page
    assert adopt_url not in page

    again = client.post(adopt_url)
    assert again.status_code == 302
    assert "a scenario is adopted once" in client.get(again["Location"]).content.decode()
    assert Formula.objects.count() == 2


def test_adopt_needs_post(as_user, officer, commission, scenario):
    assert as_user(officer).put(reverse("scenario-adopt", args=[commission.pk, scenario.pk])).status_code == 405


def test_admin_cannot_add_or_rewrite_a_scenario(as_user, officer, scenario):
    client = as_user(officer)
    assert client.get(reverse("admin:allocations_scenario_add")).status_code == 403
    page = client.get(reverse("admin:allocations_scenario_change", args=[scenario.pk])).content.decode()
    assert 'name="status"' not in page
    assert 'name="changes"' not in page


# --- Query counts --------------------------------------------------------------------------------------------


def _more_partners(commission, count, officer):  # type: ignore[no-untyped-def]
    """A new fixed formula of `count` more partners; returns it and a scenario where the first declines."""
    partners = [factories.PartnerFactory(kind=Partner.Kind.DISTRICT_COUNCIL) for _ in range(count)]
    for partner in partners:
        factories.MembershipFactory(commission=commission, partner=partner)
    big = formula_create(
        commission=commission,
        name=f"Big {count}",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[ParticipantInput(partner=p, fixed_amount=Decimal("1000")) for p in partners],
    )
    scenario = scenario_save(
        commission=commission,
        formula=big,
        name=f"Big {count} declines",
        description="",
        changes={"declines": [partners[0].pk]},
        by=officer,
    )
    return big, scenario, partners


@pytest.mark.parametrize(
    ("page", "most"),
    [("list", 8), ("what-if", 10), ("preview", 14), ("detail", 14), ("compare", 17), ("adopt", 14)],
)
def test_scenario_pages_cost_the_same_queries_for_3_partners_as_for_40(
    as_user, officer, commission, reserve, django_assert_max_num_queries, page, most
):
    """Session, user and permissions, the commission, the scenario, the formula's participants, categories and
    basis values, the years, allocations, reserves and work-streams: a fixed number, whatever the size."""
    client = as_user(officer)
    counts = []
    for size in (3, 40):
        formula, scenario, partners = _more_partners(commission, size, officer)
        _, other, _ = _more_partners(commission, size + 1, officer) if page == "compare" else (None, None, None)
        url, data = {
            "list": (reverse("scenario-list", args=[commission.pk]), None),
            "what-if": (_what_if_url(commission, formula), None),
            "preview": (_what_if_url(commission, formula), {"declines": [partners[0].pk], "action": "preview"}),
            "detail": (reverse("scenario-detail", args=[commission.pk, scenario.pk]), None),
            "compare": (
                reverse("scenario-compare", args=[commission.pk]) + f"?a={scenario.pk}&b={other.pk if other else 0}",
                None,
            ),
            "adopt": (reverse("scenario-adopt", args=[commission.pk, scenario.pk]), None),
        }[page]
        with django_assert_max_num_queries(most) as captured:
            response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_detail_says_when_the_formula_was_revised_since(as_user, officer, commission, scenario, fixed_formula):
    formula_revise(formula=fixed_formula, by=officer, note="Someone else's change")
    page = as_user(officer).get(reverse("scenario-detail", args=[commission.pk, scenario.pk])).content.decode()
    assert "has been revised since this scenario was saved" in page
    assert reverse("scenario-adopt", args=[commission.pk, scenario.pk]) not in page
    confirm = as_user(officer).get(reverse("scenario-adopt", args=[commission.pk, scenario.pk]))
    assert confirm.status_code == 302
