"""The set-up pages (issue 7): creating and changing a commission, its work-streams and pooled shares, partners and
their contacts, and membership. Who may use them, what they write (through the audit trail, attributed to the
officer), what they refuse (writing nothing), and how many queries they take."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning import ledger
from commissioning.models import Commission, FinancialYear, WorkStream
from partners.models import Contact, Membership, Partner
from tests import factories
from tests.request_support import draft_requests

pytestmark = pytest.mark.django_db


def _written() -> tuple[object, ...]:
    """Every row the set-up pages write, and every value they change, so a refusal can be shown to write nothing."""
    return (
        list(
            Commission.objects.order_by("pk").values_list("name", "target", "status", "first_year", "number_of_years")
        ),
        list(FinancialYear.objects.order_by("pk").values_list("pk", "start_year")),
        list(WorkStream.objects.order_by("pk").values_list("name", "pooled_share", "position", "valid_to")),
        list(Partner.objects.order_by("pk").values_list("name", "kind", "valid_from", "valid_to")),
        list(Contact.objects.order_by("pk").values_list("name", "email", "valid_to")),
        list(Membership.objects.order_by("pk").values_list("partner", "joined_on", "left_on", "requested_per_year")),
    )


@pytest.fixture
def stream(commission):  # type: ignore[no-untyped-def]
    return commission.work_streams.get(name="Prevention")


@pytest.fixture
def contact(partner_a):  # type: ignore[no-untyped-def]
    return factories.ContactFactory(partner=partner_a, name="Jo Finance", email="jo@example.org")


@pytest.fixture
def membership(commission, partner_a):  # type: ignore[no-untyped-def]
    return Membership.objects.get(commission=commission, partner=partner_a)


def _read_urls(commission, partner_a):  # type: ignore[no-untyped-def]
    return [reverse("partner-list"), reverse("partner-list") + "?kind=district_council&sort=-name"]


def _write_urls(commission, stream, partner_a, contact, membership):  # type: ignore[no-untyped-def]
    return [
        reverse("commission-create"),
        reverse("commission-created", args=[commission.pk]),
        reverse("commission-change", args=[commission.pk]),
        reverse("work-stream-create", args=[commission.pk]),
        reverse("work-stream-change", args=[commission.pk, stream.pk]),
        reverse("work-stream-end", args=[commission.pk, stream.pk]),
        reverse("work-stream-shares", args=[commission.pk]),
        reverse("partner-create"),
        reverse("partner-created", args=[partner_a.pk]),
        reverse("partner-change", args=[partner_a.pk]),
        reverse("partner-end", args=[partner_a.pk]),
        reverse("contact-create", args=[partner_a.pk]),
        reverse("contact-change", args=[partner_a.pk, contact.pk]),
        reverse("contact-end", args=[partner_a.pk, contact.pk]),
        reverse("membership-create", args=[commission.pk]),
        reverse("membership-leave", args=[commission.pk, membership.pk]),
    ]


# A POST that every write page would accept from an officer, so a refusal is the permission's doing.
ANY_POST = {
    "name": "Intruder",
    "kind": "other",
    "target": "1000",
    "status": "active",
    "first_year": "2013",
    "number_of_years": "3",
    "on": "31/3/2016",
    "left_on": "31/3/2016",
    "joined_on": "1/4/2013",
    "position": "Clerk",
    "role": "other",
    "email": "intruder@example.org",
}


@pytest.fixture
def urls(commission, stream, partner_a, contact, membership):  # type: ignore[no-untyped-def]
    return _read_urls(commission, partner_a), _write_urls(commission, stream, partner_a, contact, membership)


# Who may use the pages ---------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, urls):
    reads, writes = urls
    for url in [*reads, *writes]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        assert client.post(url, ANY_POST).status_code == 302, url


@pytest.mark.parametrize("persona", ["outsider", "lead_a", "lead_b"])
def test_outsiders_and_partner_leads_are_refused_every_page(request, as_user, persona, urls):
    client = as_user(request.getfixturevalue(persona))
    reads, writes = urls
    before = _written()
    for url in [*reads, *writes]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, ANY_POST).status_code == 403, url
    assert _written() == before


@pytest.mark.parametrize("persona", ["manager", "auditor"])
def test_managers_and_auditors_read_the_list_but_change_nothing(request, as_user, persona, urls, commission, partner_a):
    client = as_user(request.getfixturevalue(persona))
    reads, writes = urls
    for url in reads:
        assert client.get(url).status_code == 200, url
    before = _written()
    for url in writes:
        assert client.get(url).status_code == 403, url
        assert client.post(url, ANY_POST).status_code == 403, url
    assert _written() == before
    overview = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    for link in ("Add a work-stream", "Set the pooled shares", "Add a partner to this commission", "Record leaving"):
        assert link not in overview, link
    assert "Create a commission" not in client.get(reverse("home")).content.decode()
    detail = client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    for link in ("Add a contact", "Change the partner", "End this partner", "Left the role"):
        assert link not in detail, link
    assert "Add a partner" not in client.get(reverse("partner-list")).content.decode()


def test_officer_reaches_every_page_and_every_link(as_user, officer, urls, commission, partner_a, stream, contact):
    client = as_user(officer)
    reads, writes = urls
    for url in [*reads, *writes]:
        assert client.get(url).status_code == 200, url
    home = client.get(reverse("home")).content.decode()
    assert reverse("commission-create") in home
    assert reverse("partner-list") in home  # the service navigation
    overview = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    for name, args in [
        ("commission-change", [commission.pk]),
        ("work-stream-create", [commission.pk]),
        ("work-stream-shares", [commission.pk]),
        ("work-stream-change", [commission.pk, stream.pk]),
        ("work-stream-end", [commission.pk, stream.pk]),
        ("membership-create", [commission.pk]),
        ("membership-leave", [commission.pk, Membership.objects.get(partner=partner_a).pk]),
    ]:
        assert reverse(name, args=args) in overview, name
    detail = client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    for name, args in [
        ("partner-change", [partner_a.pk]),
        ("partner-end", [partner_a.pk]),
        ("contact-create", [partner_a.pk]),
        ("contact-change", [partner_a.pk, contact.pk]),
        ("contact-end", [partner_a.pk, contact.pk]),
    ]:
        assert reverse(name, args=args) in detail, name


def test_a_partner_lead_sees_no_partners_link_and_keeps_their_own_page(as_user, lead_a, partner_a):
    client = as_user(lead_a)
    page = client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert f'href="{reverse("partner-list")}"' not in page
    assert "Add a contact" not in page


def test_objects_of_another_commission_or_partner_are_not_found(as_user, officer, stream, contact, membership):
    other = factories.CommissionFactory()
    other_partner = factories.PartnerFactory()
    client = as_user(officer)
    assert client.get(reverse("work-stream-change", args=[other.pk, stream.pk])).status_code == 404
    assert client.get(reverse("work-stream-end", args=[other.pk, stream.pk])).status_code == 404
    assert client.get(reverse("membership-leave", args=[other.pk, membership.pk])).status_code == 404
    assert client.get(reverse("contact-change", args=[other_partner.pk, contact.pk])).status_code == 404
    assert client.get(reverse("contact-end", args=[other_partner.pk, contact.pk])).status_code == 404
    assert client.get(reverse("partner-change", args=[999999])).status_code == 404


# Creating and changing a commission -----------------------------------------------------------------------------


def _commission_post(host: Partner, /, **overrides: str) -> dict[str, str]:
    data = {
        "name": "Essex joint commission",
        "host": str(host.pk),
        "target": "3,500,000",
        "first_year": "2013",
        "number_of_years": "3",
    }
    data.update(overrides)
    return data


def test_the_first_year_is_chosen_by_its_financial_year_label(as_user, officer):
    page = as_user(officer).get(reverse("commission-create")).content.decode()
    assert '<option value="2013">2013/14</option>' in page


def test_officer_creates_a_commission_with_its_years_and_sees_the_confirmation(as_user, officer):
    host = factories.PartnerFactory(name="Essex County Council", kind=Partner.Kind.COUNTY_COUNCIL)
    client = as_user(officer)
    response = client.post(reverse("commission-create"), _commission_post(host))
    commission = Commission.objects.get(name="Essex joint commission")
    assert response.status_code == 302
    assert response["Location"] == reverse("commission-created", args=[commission.pk])
    assert (commission.host, commission.target, commission.status) == (host, Decimal("3500000.00"), "draft")
    assert [year.label for year in commission.years.order_by("number")] == ["2013/14", "2014/15", "2015/16"]
    assert commission.history.get().history_user == officer
    page = client.get(response["Location"]).content.decode()
    assert "govuk-panel--confirmation" in page
    assert "Commission created" in page
    assert "2013/14 to 2015/16" in page
    assert reverse("work-stream-create", args=[commission.pk]) in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"name": "joint COMMISSION 0"}, "There is already a commission called Joint commission 0"),
        ({"target": "0"}, "The target must be more than £0"),
        ({"target": "-5"}, "The target must be more than £0"),
        ({"target": "12.345"}, "Ensure that there are no more than 2 decimal places"),
        ({"number_of_years": "11"}, "Ensure this value is less than or equal to 10"),
        ({"number_of_years": "0"}, "Ensure this value is greater than or equal to 1"),
        ({"first_year": "1999"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"host": ""}, "This field is required"),
    ],
)
def test_a_bad_commission_is_refused_on_the_form_and_nothing_is_written(as_user, officer, overrides, error):
    factories.CommissionFactory(name="Joint commission 0")
    host = factories.PartnerFactory()
    before = _written()
    response = as_user(officer).post(reverse("commission-create"), _commission_post(host, **overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert error in page
    assert "<title>Error: " in page
    assert _written() == before


def test_an_ended_partner_cannot_host_a_new_commission(as_user, officer):
    host = factories.PartnerFactory(valid_to=dt.date(2012, 3, 31))
    before = _written()
    response = as_user(officer).post(reverse("commission-create"), _commission_post(host))
    assert "Select a valid choice" in response.content.decode()
    assert _written() == before


def _change_post(commission: Commission, **overrides: str) -> dict[str, str]:
    data = {
        "name": commission.name,
        "target": str(commission.target),
        "status": commission.status,
        "first_year": str(commission.first_year),
        "number_of_years": str(commission.number_of_years),
    }
    data.update(overrides)
    return data


def test_officer_changes_a_commission_name_target_and_status(as_user, officer, commission):
    response = as_user(officer).post(
        reverse("commission-change", args=[commission.pk]),
        _change_post(commission, name="Lancashire DA services", target="4,000,000", status="closed"),
    )
    assert response.status_code == 302
    commission.refresh_from_db()
    assert (commission.name, commission.target, commission.status) == (
        "Lancashire DA services",
        Decimal("4000000.00"),
        "closed",
    )
    assert commission.history.latest().history_user == officer


def test_the_years_change_while_nothing_hangs_on_them(as_user, officer, commission):
    response = as_user(officer).post(
        reverse("commission-change", args=[commission.pk]), _change_post(commission, first_year="2014")
    )
    assert response.status_code == 302
    assert [year.label for year in commission.years.order_by("number")] == ["2014/15", "2015/16", "2016/17"]


def test_the_years_cannot_change_once_requests_exist_and_the_error_says_why(as_user, officer, commission, partner_a):
    draft_requests(commission, [(partner_a, "7000")])
    before = _written()
    response = as_user(officer).post(
        reverse("commission-change", args=[commission.pk]),
        _change_post(commission, number_of_years="4", name="Renamed meanwhile"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The years cannot change: 3 contribution requests are already made for 2013/14 to 2015/16" in page
    assert _written() == before


def test_the_years_cannot_change_once_the_ledger_holds_a_posting_in_one(as_user, officer, commission, partner_a):
    ledger.pledge_accepted_post(
        partner=partner_a, financial_year=commission.years.get(number=1), amount=Decimal("7000"), by=None
    )
    before = _written()
    response = as_user(officer).post(
        reverse("commission-change", args=[commission.pk]), _change_post(commission, first_year="2012")
    )
    page = response.content.decode()
    assert "The years cannot change: records already hang on them (" in page
    assert "ledger transactions in 2013/14 to 2015/16)" in page
    assert _written() == before


def test_a_commission_cannot_take_another_commissions_name_or_a_target_of_nothing(as_user, officer, commission):
    factories.CommissionFactory(name="Essex")
    client = as_user(officer)
    before = _written()
    for overrides, error in [
        ({"name": "ESSEX"}, "There is already a commission called Essex"),
        ({"target": "0"}, "The target must be more than £0"),
    ]:
        response = client.post(
            reverse("commission-change", args=[commission.pk]), _change_post(commission, **overrides)
        )
        assert error in response.content.decode()
    assert _written() == before


# Work-streams --------------------------------------------------------------------------------------------------


def test_officer_adds_a_work_stream_last_and_not_pooled(as_user, officer, commission):
    response = as_user(officer).post(
        reverse("work-stream-create", args=[commission.pk]),
        {"name": "Children's therapeutic support", "description": "Therapy for children", "outcomes": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("work-stream-shares", args=[commission.pk])
    stream = commission.work_streams.get(name="Children's therapeutic support")
    assert (stream.pooled_share, stream.position) == (None, 5)
    assert stream.history.get().history_user == officer


def test_a_work_stream_named_twice_is_refused(as_user, officer, commission):
    before = _written()
    response = as_user(officer).post(reverse("work-stream-create", args=[commission.pk]), {"name": "early support"})
    assert "already has a work-stream called Early Support" in response.content.decode()
    assert _written() == before


def test_the_same_work_stream_name_is_fine_in_another_commission(as_user, officer, commission):
    other = factories.CommissionFactory()
    response = as_user(officer).post(reverse("work-stream-create", args=[other.pk]), {"name": "Early Support"})
    assert response.status_code == 302


def test_officer_changes_a_work_stream(as_user, officer, commission, stream):
    response = as_user(officer).post(
        reverse("work-stream-change", args=[commission.pk, stream.pk]),
        {"name": "Prevention and education", "description": "Schools", "outcomes": "Fewer incidents", "position": "9"},
    )
    assert response.status_code == 302
    stream.refresh_from_db()
    assert (stream.name, stream.description, stream.outcomes, stream.position) == (
        "Prevention and education",
        "Schools",
        "Fewer incidents",
        9,
    )
    clash = as_user(officer).post(
        reverse("work-stream-change", args=[commission.pk, stream.pk]), {"name": "Perpetrators"}
    )
    assert "already has a work-stream called Perpetrators" in clash.content.decode()


def test_officer_ends_a_work_stream_which_is_kept(as_user, officer, commission, stream):
    client = as_user(officer)
    response = client.post(reverse("work-stream-end", args=[commission.pk, stream.pk]), {"on": "31/3/2015"})
    assert response.status_code == 302
    stream.refresh_from_db()
    assert stream.valid_to == dt.date(2015, 3, 31)
    overview = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert "Ended 31 Mar 2015" in overview
    again = client.post(reverse("work-stream-end", args=[commission.pk, stream.pk]), {"on": "31/3/2016"})
    assert "Prevention already ended on 31 March 2015" in again.content.decode()


@pytest.mark.parametrize(("on", "error"), [("31/13/2015", "Enter a valid date"), ("", "This field is required")])
def test_a_bad_end_date_is_refused(as_user, officer, commission, stream, on, error):
    before = _written()
    response = as_user(officer).post(reverse("work-stream-end", args=[commission.pk, stream.pk]), {"on": on})
    assert error in response.content.decode()
    assert _written() == before


def test_a_pooled_work_stream_must_give_up_its_share_before_it_ends(as_user, officer, commission):
    perpetrators = commission.work_streams.get(name="Perpetrators")
    before = _written()
    response = as_user(officer).post(
        reverse("work-stream-end", args=[commission.pk, perpetrators.pk]), {"on": "31/3/2015"}
    )
    assert "Perpetrators takes 10% of the pool" in response.content.decode()
    assert _written() == before


def _shares_post(commission: Commission, shares: dict[str, str]) -> dict[str, str]:
    return {f"share_{commission.work_streams.get(name=name).pk}": value for name, value in shares.items()}


def test_officer_sets_the_pooled_shares(as_user, officer, commission):
    """5 + 15 + 70 + 10 = 100, Prevention not pooled."""
    shares = {
        "Workforce and Co-ordination": "5",
        "Early Support": "15",
        "Medium and High Risk Support": "70",
        "Perpetrators": "10",
        "Prevention": "",
    }
    response = as_user(officer).post(
        reverse("work-stream-shares", args=[commission.pk]), _shares_post(commission, shares)
    )
    assert response.status_code == 302
    assert dict(commission.work_streams.values_list("name", "pooled_share")) == {
        "Workforce and Co-ordination": Decimal("5.00"),
        "Early Support": Decimal("15.00"),
        "Medium and High Risk Support": Decimal("70.00"),
        "Perpetrators": Decimal("10.00"),
        "Prevention": None,
    }
    assert commission.work_streams.get(name="Early Support").history.latest().history_user == officer


@pytest.mark.parametrize(
    ("shares", "error"),
    [
        ({"Prevention": "10"}, "these sum to 110%"),  # 5 + 17 + 68 + 10 + 10 = 110
        ({"Perpetrators": ""}, "these sum to 90%"),  # 5 + 17 + 68 = 90
        ({"Perpetrators": "0"}, "Ensure this value is greater than or equal to 0.01"),
        ({"Perpetrators": "10.001"}, "Ensure that there are no more than 2 decimal places"),
        ({"Perpetrators": "ten"}, "Enter a number"),
    ],
)
def test_shares_that_do_not_sum_to_100_are_refused_and_nothing_is_written(as_user, officer, commission, shares, error):
    current = {
        "Workforce and Co-ordination": "5",
        "Early Support": "17",
        "Medium and High Risk Support": "68",
        "Perpetrators": "10",
        "Prevention": "",
    }
    before = _written()
    response = as_user(officer).post(
        reverse("work-stream-shares", args=[commission.pk]), _shares_post(commission, current | shares)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert error in page
    assert _written() == before


def test_ended_work_streams_take_no_share(as_user, officer, commission, stream):
    stream.valid_to = dt.date(2014, 3, 31)
    stream.save()
    page = as_user(officer).get(reverse("work-stream-shares", args=[commission.pk])).content.decode()
    assert f"share_{stream.pk}" not in page
    assert "Early Support, percent of the pool" in page


# Partners ------------------------------------------------------------------------------------------------------


def test_the_partner_list_filters_by_name_kind_status_and_commission(as_user, auditor, commission, partner_a):
    factories.PartnerFactory(name="Lancashire Constabulary PCC", kind=Partner.Kind.POLICE_AND_CRIME_COMMISSIONER)
    factories.PartnerFactory(name="East Lancashire PCT", kind=Partner.Kind.HEALTH_BODY, valid_to=dt.date(2013, 3, 31))
    client = as_user(auditor)
    url = reverse("partner-list")

    def names(**query: object) -> str:
        return client.get(url, query).content.decode()

    by_name = names(name="lancashire")
    assert "Lancashire Constabulary PCC" in by_name
    assert "East Lancashire PCT" in by_name
    assert partner_a.name not in by_name
    assert "2 partners match" in by_name
    by_kind = names(kind="pcc")
    assert "Lancashire Constabulary PCC" in by_kind
    assert "East Lancashire PCT" not in by_kind
    ended = names(status="ended")
    assert "East Lancashire PCT" in ended
    assert "Lancashire Constabulary PCC" not in ended
    current = names(status="active")
    assert "East Lancashire PCT" not in current
    members = names(commission=commission.pk)
    assert partner_a.name in members
    assert "Lancashire Constabulary PCC" not in members
    assert "No partners match these filters" in names(name="nowhere")
    wrong = client.get(url, {"commission": "999999"})
    assert wrong.status_code == 200
    assert "There is a problem" in wrong.content.decode()


def test_the_partner_list_sorts_by_a_column_either_way(as_user, auditor):
    for name in ("Beta Council", "Alpha Council", "Gamma Council"):
        factories.PartnerFactory(name=name, kind=Partner.Kind.UNITARY_AUTHORITY)
    client = as_user(auditor)
    url = reverse("partner-list")
    ascending = client.get(url, {"kind": "unitary_authority"}).content.decode()
    assert ascending.index("Alpha Council") < ascending.index("Beta Council") < ascending.index("Gamma Council")
    assert 'aria-sort="ascending"' in ascending
    descending = client.get(url, {"kind": "unitary_authority", "sort": "-name"}).content.decode()
    assert descending.index("Gamma Council") < descending.index("Beta Council") < descending.index("Alpha Council")
    assert 'aria-sort="descending"' in descending
    # The header links keep the filter and go back to page 1.
    assert "?kind=unitary_authority&amp;sort=name" in descending


def test_the_partner_list_counts_current_commissions_and_contacts(as_user, auditor, commission, partner_a, contact):
    factories.MembershipFactory(partner=partner_a, joined_on=dt.date(2014, 4, 1))  # a second commission
    factories.ContactFactory(partner=partner_a, valid_to=dt.date(2014, 1, 1))  # left: not counted
    client = as_user(auditor)
    response = client.get(reverse("partner-list"), {"name": partner_a.name, "sort": "-commissions"})
    row = response.content.decode().split(f">{partner_a.name}</a>")[1].split("</tr>")[0]
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in row


def test_the_partner_list_pages(as_user, auditor, monkeypatch):
    monkeypatch.setattr("partners.partner_views.PAGE_SIZE", 2)
    for number in range(5):
        factories.PartnerFactory(name=f"Borough {number}", kind=Partner.Kind.OTHER)
    client = as_user(auditor)
    first = client.get(reverse("partner-list"), {"kind": "other"}).content.decode()
    assert "Borough 0" in first
    assert "Borough 2" not in first
    assert "showing 1 to 2" in first
    assert 'aria-label="Pagination"' in first
    last = client.get(reverse("partner-list"), {"kind": "other", "page": "3"}).content.decode()
    assert "Borough 4" in last
    assert "Borough 0" not in last


def test_the_partner_list_query_count_does_not_grow_with_rows(as_user, auditor, django_assert_max_num_queries):
    client = as_user(auditor)
    factories.PartnerFactory()
    with django_assert_max_num_queries(10) as few:
        assert client.get(reverse("partner-list")).status_code == 200
    for _ in range(30):
        partner = factories.PartnerFactory()
        factories.ContactFactory(partner=partner)
        factories.MembershipFactory(partner=partner)
    with django_assert_max_num_queries(10) as many:
        assert client.get(reverse("partner-list"), {"sort": "-contacts"}).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_officer_adds_a_partner_and_sees_the_confirmation(as_user, officer):
    client = as_user(officer)
    response = client.post(
        reverse("partner-create"), {"name": "  Lancashire   County Council ", "kind": "county_council"}
    )
    partner = Partner.objects.get(name="Lancashire County Council")
    assert response["Location"] == reverse("partner-created", args=[partner.pk])
    assert partner.history.get().history_user == officer
    page = client.get(response["Location"]).content.decode()
    assert "Partner added" in page
    assert reverse("contact-create", args=[partner.pk]) in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "district council 0", "kind": "other"}, "There is already a partner called District Council 0"),
        ({"name": "New", "kind": "parish"}, "Select a valid choice"),
        ({"name": "New", "kind": "other", "valid_from": "30/2/2013"}, "Enter a valid date"),
        ({"name": "", "kind": "other"}, "This field is required"),
    ],
)
def test_a_bad_partner_is_refused_and_nothing_is_written(as_user, officer, data, error):
    factories.PartnerFactory(name="District Council 0")
    before = _written()
    response = as_user(officer).post(reverse("partner-create"), data)
    assert error in response.content.decode()
    assert _written() == before


def test_officer_changes_a_partner(as_user, officer, partner_a):
    response = as_user(officer).post(
        reverse("partner-change", args=[partner_a.pk]),
        {"name": "Burnley Borough Council", "kind": "district_council", "valid_from": "1/4/1974"},
    )
    assert response["Location"] == reverse("partner-detail", args=[partner_a.pk])
    partner_a.refresh_from_db()
    assert (partner_a.name, partner_a.valid_from) == ("Burnley Borough Council", dt.date(1974, 4, 1))


def test_a_partner_still_in_a_commission_cannot_end(as_user, officer, partner_a, commission):
    before = _written()
    response = as_user(officer).post(reverse("partner-end", args=[partner_a.pk]), {"on": "31/3/2015"})
    assert f"is a member of {commission.name} after 31 March 2015. Record it leaving first" in (
        response.content.decode()
    )
    assert _written() == before


def test_a_partner_that_left_its_commissions_ends_and_is_kept(as_user, officer, partner_a, membership):
    client = as_user(officer)
    assert (
        client.post(
            reverse("membership-leave", args=[membership.commission_id, membership.pk]), {"left_on": "1/4/2015"}
        ).status_code
        == 302
    )
    response = client.post(reverse("partner-end", args=[partner_a.pk]), {"on": "1/4/2015"})
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.valid_to == dt.date(2015, 4, 1)
    assert "Ended" in client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()


def test_a_partner_cannot_end_before_it_began(as_user, officer):
    partner = factories.PartnerFactory(valid_from=dt.date(2013, 4, 1))
    before = _written()
    response = as_user(officer).post(reverse("partner-end", args=[partner.pk]), {"on": "31/3/2013"})
    assert "cannot end before it began (1 April 2013)" in response.content.decode()
    assert _written() == before


# Contacts ------------------------------------------------------------------------------------------------------


def _contact_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Pat Example",
        "position": "Section 151 Officer",
        "role": "finance_lead",
        "email": "pat@example.org",
        "phone": "01234 567890",
    }
    data.update(overrides)
    return data


def test_officer_adds_changes_and_ends_a_contact(as_user, officer, partner_a):
    client = as_user(officer)
    response = client.post(reverse("contact-create", args=[partner_a.pk]), _contact_post())
    assert response["Location"] == reverse("partner-detail", args=[partner_a.pk]) + "#contacts"
    contact = partner_a.contacts.get()
    assert (contact.name, contact.role, contact.phone) == ("Pat Example", "finance_lead", "01234 567890")
    assert contact.history.get().history_user == officer
    client.post(
        reverse("contact-change", args=[partner_a.pk, contact.pk]), _contact_post(email="pat.example@example.org")
    )
    contact.refresh_from_db()
    assert contact.email == "pat.example@example.org"
    assert "pat.example@example.org" in client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    client.post(reverse("contact-end", args=[partner_a.pk, contact.pk]), {"on": "31/3/2016"})
    contact.refresh_from_db()
    assert contact.valid_to == dt.date(2016, 3, 31)
    page = client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert '<th scope="row" class="govuk-table__header">Pat Example</th>' not in page
    changed = client.post(reverse("contact-change", args=[partner_a.pk, contact.pk]), _contact_post(name="Late"))
    assert "their details are kept as they were" in changed.content.decode()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"role": "treasurer"}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
        ({"position": ""}, "This field is required"),
    ],
)
def test_a_bad_contact_is_refused_and_nothing_is_written(as_user, officer, partner_a, overrides, error):
    before = _written()
    response = as_user(officer).post(reverse("contact-create", args=[partner_a.pk]), _contact_post(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert _written() == before


def test_an_ended_partner_takes_no_new_contact(as_user, officer):
    partner = factories.PartnerFactory(valid_to=dt.date(2013, 3, 31))
    before = _written()
    response = as_user(officer).post(reverse("contact-create", args=[partner.pk]), _contact_post())
    assert "it takes no new contacts" in response.content.decode()
    assert _written() == before


def test_contact_details_are_escaped(as_user, officer, partner_a):
    client = as_user(officer)
    client.post(reverse("contact-create", args=[partner_a.pk]), _contact_post(name="<script>alert(1)</script>"))
    page = client.get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Membership ----------------------------------------------------------------------------------------------------


def test_officer_adds_a_partner_to_a_commission(as_user, officer, commission, partner_a, partner_b):
    partner = factories.PartnerFactory(
        name="Lancashire Constabulary PCC", kind=Partner.Kind.POLICE_AND_CRIME_COMMISSIONER
    )
    client = as_user(officer)
    response = client.post(
        reverse("membership-create", args=[commission.pk]),
        {"partner": partner.pk, "joined_on": "1/4/2013", "requested_per_year": "£125,000"},
    )
    assert response["Location"] == reverse("commission-detail", args=[commission.pk]) + "#partners"
    membership = Membership.objects.get(partner=partner)
    assert (membership.commission, membership.joined_on, membership.requested_per_year) == (
        commission,
        dt.date(2013, 4, 1),
        Decimal("125000.00"),
    )
    assert membership.history.get().history_user == officer
    overview = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert "Lancashire Constabulary PCC" in overview
    assert "£144,000" in overview  # 7,000 + 12,000 + 125,000


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"joined_on": "1/4/2014"}, "is already a member of"),  # partner A joined on 1 April 2013, no end
        ({"joined_on": "1/4/2013", "requested_per_year": "-1"}, "cannot be negative; it is -£1.00"),
        ({"joined_on": "1/4/2013", "requested_per_year": "1.001"}, "no more than 2 decimal places"),
        ({"joined_on": "1 Smarch 2013"}, "Enter a valid date"),
    ],
)
def test_a_bad_membership_is_refused_and_nothing_is_written(as_user, officer, commission, partner_a, data, error):
    before = _written()
    response = as_user(officer).post(
        reverse("membership-create", args=[commission.pk]), {"partner": partner_a.pk} | data
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert _written() == before


def test_a_partner_leaves_a_commission_and_is_kept(as_user, officer, commission, membership):
    client = as_user(officer)
    response = client.post(reverse("membership-leave", args=[commission.pk, membership.pk]), {"left_on": "1/4/2015"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2015, 4, 1)
    assert membership.history.latest().history_user == officer
    overview = client.get(reverse("commission-detail", args=[commission.pk])).content.decode()
    assert "to 1 Apr 2015" in overview
    again = client.post(reverse("membership-leave", args=[commission.pk, membership.pk]), {"left_on": "1/4/2016"})
    assert "already left" in again.content.decode()


@pytest.mark.parametrize("left_on", ["1/4/2013", "31/3/2013"])
def test_a_partner_cannot_leave_on_or_before_the_day_it_joined(as_user, officer, commission, membership, left_on):
    before = _written()
    response = as_user(officer).post(
        reverse("membership-leave", args=[commission.pk, membership.pk]), {"left_on": left_on}
    )
    assert "joined on 1 April 2013; it must leave after the day it joined" in response.content.decode()
    assert _written() == before


# Queries -------------------------------------------------------------------------------------------------------


def test_every_set_up_page_takes_a_fixed_number_of_queries(
    as_user, officer, urls, commission, django_assert_max_num_queries
):
    client = as_user(officer)
    _reads, writes = urls
    for url in writes:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url
    with django_assert_max_num_queries(20):
        assert client.get(reverse("commission-detail", args=[commission.pk])).status_code == 200


def test_the_shares_page_query_count_does_not_grow_with_work_streams(as_user, officer, django_assert_max_num_queries):
    commission = factories.CommissionFactory()
    factories.WorkStreamFactory(commission=commission)
    client = as_user(officer)
    url = reverse("work-stream-shares", args=[commission.pk])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(10):
        factories.WorkStreamFactory(commission=commission)
    with django_assert_max_num_queries(12) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
