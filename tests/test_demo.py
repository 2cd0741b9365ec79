"""The Lancashire demo (seeds 000–004) as an end-to-end case: real figures, real logins."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from allocations.models import WorkStreamAllocation
from commissioning import roles
from commissioning.models import Commission, User
from commissioning.money import split
from partners.models import ContributionRequest, Membership, Partner

pytestmark = pytest.mark.django_db

SEED_000_DISTRICTS = {
    "Burnley Borough Council": Decimal("7000"),
    "Chorley Council": Decimal("9000"),
    "Fylde Borough Council": Decimal("7000"),
    "Hyndburn Borough Council": Decimal("7000"),
    "Lancaster City Council": Decimal("12000"),
    "Pendle Borough Council": Decimal("8000"),
    "Preston City Council": Decimal("12000"),
    "Ribble Valley Borough Council": Decimal("5000"),
    "Rossendale Borough Council": Decimal("6000"),
    "South Ribble Borough Council": Decimal("9000"),
    "West Lancashire Borough Council": Decimal("9000"),
    "Wyre Council": Decimal("10000"),
}


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=_Sink())
    return Commission.objects.get(name="Joint Commissioning for Domestic Abuse Services in Lancashire")


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_demo_commission_is_lancashire_2013_to_2016_with_a_target_of_3_5m(demo):
    assert demo.host.name == "Lancashire County Council"
    assert demo.target == Decimal("3500000.00")
    assert [year.label for year in demo.years.all()] == ["2013/14", "2014/15", "2015/16"]


def test_demo_districts_carry_the_seed_000_amounts_which_sum_to_101000_not_the_stated_100000(demo):
    """Seed 000 states a district total of £100,000; its twelve lines sum to £101,000."""
    memberships = Membership.objects.filter(commission=demo, partner__kind=Partner.Kind.DISTRICT_COUNCIL)
    amounts = {m.partner.name: m.requested_per_year for m in memberships.select_related("partner")}
    assert amounts == SEED_000_DISTRICTS
    assert memberships.aggregate(total=Sum("requested_per_year"))["total"] == Decimal("101000.00")


def test_demo_pooled_work_streams_are_5_17_68_10_and_split_the_2014_15_pool_exactly(demo):
    """£1,502,449 by 5/17/68/10: the seed prints lines summing to £1,502,448; ours sum to £1,502,449."""
    pooled = list(demo.work_streams.filter(pooled_share__isnull=False).order_by("position"))
    assert [stream.pooled_share for stream in pooled] == [Decimal("5"), Decimal("17"), Decimal("68"), Decimal("10")]
    result = split(Decimal("1502449"), [stream.pooled_share for stream in pooled])
    assert sum(result.parts) == Decimal("1502449")
    assert list(demo.work_streams.filter(pooled_share__isnull=True).values_list("name", flat=True)) == [
        "Prevention",
        "In Kind and Added Value",
    ]


def test_demo_holds_the_crime_and_disorder_reserve_of_730000(demo):
    reserve = demo.reserves.get()
    assert reserve.name == "Crime and Disorder reserve"
    assert reserve.opening_balance == Decimal("730000.00")


def test_demo_keeps_the_health_reorganisations_from_pct_to_ccg_to_icb(demo):
    icb = Partner.objects.get(name="NHS Lancashire and South Cumbria Integrated Care Board")
    ccgs = [succession.predecessor for succession in icb.predecessions.select_related("predecessor")]
    assert len(ccgs) == 6
    pcts = {s.predecessor.name for ccg in ccgs for s in ccg.predecessions.select_related("predecessor")}
    assert pcts == {"NHS Central Lancashire", "NHS East Lancashire", "NHS North Lancashire"}


def test_demo_data_passes_every_model_validation(demo):
    for app_label in roles.PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if roles.is_history_model(model):
                continue  # versions are copies, kept as they were written
            for instance in model.objects.all():
                instance.full_clean()


def test_demo_contacts_are_fictitious(demo):
    from partners.models import Contact

    emails = list(Contact.objects.values_list("email", flat=True))
    assert emails
    assert all(email.endswith(".example.org") for email in emails)


def test_load_demo_prints_one_login_per_role_once_and_each_can_sign_in(settings):
    settings.DEMO_MODE = True
    first, second = _Sink(), _Sink()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    logins = dict(re.findall(r"username: (\S+)\s+password: (\S+)", first.text))
    assert set(logins) == {"officer", "manager", "auditor", "preston-finance"}
    assert "password:" not in second.text
    assert Commission.objects.count() == 1
    for username, password in logins.items():
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
    lead = User.objects.get(username="preston-finance")
    assert lead.partner.name == "Preston City Council"
    assert not lead.is_staff
    assert {user.groups.get().name for user in User.objects.all()} == set(roles.ROLES)


def test_demo_pages_show_the_lancashire_figures(demo, settings):
    officer = User.objects.get(username="officer")
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("commission-detail", args=[demo.pk])).content.decode()
    for text in ("£3,500,000", "£101,000", "£730,000", "Preston City Council", "Medium and High Risk Support", "68%"):
        assert text in page, text


def test_load_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only be loaded in demo mode"):
        call_command("load_demo", stdout=_Sink())
    assert not Commission.objects.exists()
    assert not User.objects.exists()


def test_demo_allocates_1_502_449_in_2014_15_and_2015_16_split_5_17_68_10_summing_exactly(demo):
    """Seed 002 prints 75,122 / 255,416 / 1,021,665 / 150,245 (sum £1,502,448) for each of years 2 and 3.
    Split by largest remainder, the lines are 75,123 / 255,416 / 1,021,665 / 150,245 and sum to £1,502,449."""
    officer = User.objects.get(username="officer")
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("allocation-list", args=[demo.pk])).content.decode()
    for year in ("2014/15", "2015/16"):
        allocations = WorkStreamAllocation.objects.filter(
            financial_year__commission=demo, financial_year__start_year=int(year[:4])
        )
        assert [a.amount for a in allocations] == [
            Decimal("75123"),
            Decimal("255416"),
            Decimal("1021665"),
            Decimal("150245"),
        ]
        assert allocations.aggregate(total=Sum("amount"))["total"] == Decimal("1502449")
    assert page.count("£1,502,449") >= 4  # budget and total of each of the two years
    assert "£75,123" in page


def test_demo_requests_the_seed_000_amounts_from_each_district_each_year(demo):
    for year in demo.years.all():
        requests = ContributionRequest.objects.filter(financial_year=year)
        assert {r.partner_name: r.amount for r in requests} == SEED_000_DISTRICTS
        assert requests.aggregate(total=Sum("amount"))["total"] == Decimal("101000")
