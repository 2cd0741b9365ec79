"""The core model's invariants, enforced in the model layer (and by the database where it can)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from commissioning import services
from commissioning.models import Commission, FinancialYear, WorkStream, validate_pooled_shares
from partners.models import Membership, PartnerSuccession
from tests import factories

pytestmark = pytest.mark.django_db


def test_commission_create_makes_its_financial_years_from_april_to_march():
    commission = factories.CommissionFactory(first_year=2013, number_of_years=3)
    years = list(commission.years.order_by("number"))
    assert [(year.number, year.label) for year in years] == [(1, "2013/14"), (2, "2014/15"), (3, "2015/16")]
    assert years[0].starts_on == date(2013, 4, 1)
    assert years[-1].ends_on == date(2016, 3, 31)
    assert commission.period_label == "2013/14 to 2015/16"


def test_commission_with_a_target_of_nothing_is_refused_and_nothing_is_written():
    host = factories.PartnerFactory()
    with pytest.raises(ValidationError, match="more than £0"):
        services.commission_create(
            name="Empty", host_id=host.pk, target=Decimal("0"), first_year=2013, number_of_years=3
        )
    assert not Commission.objects.exists()
    assert not FinancialYear.objects.exists()


def test_commission_longer_than_ten_years_is_refused():
    host = factories.PartnerFactory()
    with pytest.raises(ValidationError) as error:
        services.commission_create(
            name="Long", host_id=host.pk, target=Decimal("1"), first_year=2013, number_of_years=11
        )
    assert "number_of_years" in error.value.message_dict
    assert not Commission.objects.exists()


def test_database_refuses_a_commission_target_below_zero_even_without_validation():
    host = factories.PartnerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commission.objects.create(name="Bad", host=host, target=Decimal("-1"), first_year=2013, number_of_years=3)


def test_financial_years_sync_adds_years_when_the_commission_is_extended():
    commission = factories.CommissionFactory(number_of_years=2)
    commission.number_of_years = 3
    commission.save()
    years = services.financial_years_sync(commission=commission)
    assert [year.label for year in years] == ["2013/14", "2014/15", "2015/16"]


def test_financial_years_sync_refuses_to_move_existing_years_and_writes_nothing():
    commission = factories.CommissionFactory(first_year=2013, number_of_years=3)
    commission.first_year = 2014
    with pytest.raises(ValidationError, match="already has year 1 as 2013/14"):
        services.financial_years_sync(commission=commission)
    assert list(FinancialYear.objects.filter(commission=commission).values_list("start_year", flat=True)) == [
        2013,
        2014,
        2015,
    ]


def test_financial_year_that_does_not_follow_the_commission_is_refused():
    commission = factories.CommissionFactory(first_year=2013, number_of_years=3)
    year = FinancialYear(commission=commission, number=2, start_year=2016)
    with pytest.raises(ValidationError, match="Year 2 of a commission starting in 2013/14 is 2014/15, not 2016/17"):
        year.full_clean()


@pytest.mark.parametrize(
    ("shares", "sum_named"),
    [
        ([Decimal("5"), Decimal("17"), Decimal("68")], "90%"),
        ([Decimal("5"), Decimal("17"), Decimal("68"), Decimal("10"), Decimal("0.01")], "100.01%"),
        ([Decimal("50"), Decimal("50.5")], "100.5%"),
    ],
)
def test_pooled_shares_that_do_not_sum_to_100_are_refused_naming_the_sum(shares, sum_named):
    with pytest.raises(ValidationError) as error:
        validate_pooled_shares(shares)
    assert sum_named in error.value.messages[0]


def test_pooled_shares_of_5_17_68_10_with_not_pooled_streams_pass():
    validate_pooled_shares([Decimal("5"), Decimal("17"), Decimal("68"), Decimal("10"), None, None])


def test_work_stream_shares_set_refuses_a_sum_other_than_100_and_writes_nothing(commission):
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    with pytest.raises(ValidationError, match="sum to 95%"):
        services.work_stream_shares_set(commission=commission, shares={streams["Perpetrators"].pk: Decimal("5")})
    assert WorkStream.objects.get(pk=streams["Perpetrators"].pk).pooled_share == Decimal("10.00")


def test_work_stream_shares_set_moves_share_between_streams_in_one_step(commission):
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    services.work_stream_shares_set(
        commission=commission,
        shares={streams["Perpetrators"].pk: Decimal("5"), streams["Workforce and Co-ordination"].pk: Decimal("10")},
    )
    total = WorkStream.objects.filter(commission=commission).aggregate(total=Sum("pooled_share"))["total"]
    assert total == Decimal("100")


def test_work_stream_share_above_100_is_refused_by_the_database(commission):
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkStream.objects.create(commission=commission, name="Too much", pooled_share=Decimal("100.01"))


def test_membership_overlapping_an_existing_one_is_refused():
    membership = factories.MembershipFactory(joined_on=date(2013, 4, 1), left_on=date(2015, 4, 1))
    again = Membership(commission=membership.commission, partner=membership.partner, joined_on=date(2014, 4, 1))
    with pytest.raises(ValidationError, match="already a member .* from 2013-04-01 to 2015-04-01"):
        again.full_clean()


def test_partner_may_rejoin_after_leaving():
    membership = factories.MembershipFactory(joined_on=date(2013, 4, 1), left_on=date(2014, 4, 1))
    rejoin = Membership(commission=membership.commission, partner=membership.partner, joined_on=date(2014, 4, 1))
    rejoin.full_clean()
    rejoin.save()
    assert membership.is_current(date(2014, 3, 31))
    assert not membership.is_current(date(2014, 4, 1))
    assert rejoin.is_current(date(2014, 4, 1))


def test_membership_must_end_after_it_starts():
    membership = factories.MembershipFactory.build(
        commission=factories.CommissionFactory(),
        partner=factories.PartnerFactory(),
        joined_on=date(2014, 4, 1),
        left_on=date(2014, 4, 1),
    )
    with pytest.raises(ValidationError, match="must leave after it joins"):
        membership.full_clean()


def test_succession_keeps_history_through_pct_ccg_and_icb():
    pct = factories.PartnerFactory(name="NHS Central Lancashire", kind="health_body", valid_to=date(2013, 3, 31))
    ccg = factories.PartnerFactory(name="NHS Greater Preston CCG", kind="health_body", valid_from=date(2013, 4, 1))
    icb = factories.PartnerFactory(name="NHS Lancashire and South Cumbria ICB", kind="health_body")
    factories.PartnerSuccessionFactory(predecessor=pct, successor=ccg, effective_on=date(2013, 4, 1))
    factories.PartnerSuccessionFactory(predecessor=ccg, successor=icb, effective_on=date(2022, 7, 1))
    assert [s.successor for s in pct.successions.all()] == [ccg]
    assert [s.predecessor for s in icb.predecessions.all()] == [ccg]


def test_succession_cannot_go_in_a_circle():
    pct = factories.PartnerFactory(kind="health_body")
    ccg = factories.PartnerFactory(kind="health_body")
    icb = factories.PartnerFactory(kind="health_body")
    factories.PartnerSuccessionFactory(predecessor=pct, successor=ccg)
    factories.PartnerSuccessionFactory(predecessor=ccg, successor=icb)
    loop = PartnerSuccession(predecessor=icb, successor=pct, effective_on=date(2023, 1, 1))
    with pytest.raises(ValidationError, match="cannot go in a circle"):
        loop.full_clean()


def test_partner_cannot_succeed_itself_even_past_validation():
    partner = factories.PartnerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerSuccession.objects.create(predecessor=partner, successor=partner, effective_on=date(2013, 4, 1))


def test_partner_cannot_end_before_it_began():
    partner = factories.PartnerFactory.build(valid_from=date(2013, 4, 1), valid_to=date(2013, 3, 31))
    with pytest.raises(ValidationError, match="cannot end"):
        partner.full_clean()


def test_partner_login_cannot_be_staff():
    user = factories.PartnerLeadFactory.build(partner=factories.PartnerFactory(), is_staff=True)
    with pytest.raises(ValidationError, match="cannot also be staff"):
        user.full_clean()


def test_reserve_cannot_open_below_zero():
    reserve = factories.ReserveFactory.build(commission=factories.CommissionFactory(), opening_balance=Decimal("-1"))
    with pytest.raises(ValidationError, match="below £0"):
        reserve.full_clean()
