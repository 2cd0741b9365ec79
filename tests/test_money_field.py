"""MoneyField: pence in the database, pounds in Python, exact sums on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from commissioning.money import MoneyError
from partners.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def test_amount_is_stored_as_integer_pence_and_read_back_as_pounds():
    membership = factories.MembershipFactory(requested_per_year=Decimal("7000.10"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT requested_per_year FROM partners_membership WHERE id = %s", [membership.pk])
        (stored,) = cursor.fetchone()
    assert stored == 700010
    assert Membership.objects.get(pk=membership.pk).requested_per_year == Decimal("7000.10")


def test_sum_in_the_database_is_exact_to_the_penny():
    """0.10 + 0.20 ten thousand times is exactly 3,000.00: a float sum would drift."""
    commission = factories.CommissionFactory()
    Membership.objects.bulk_create(
        Membership(
            commission=commission,
            partner=factories.PartnerFactory(),
            joined_on="2013-04-01",
            requested_per_year=Decimal("0.10") if n % 2 else Decimal("0.20"),
        )
        for n in range(200)
    )
    total = Membership.objects.aggregate(total=Sum("requested_per_year"))["total"]
    assert total == Decimal("30.00")
    assert isinstance(total, Decimal)


def test_filtering_by_an_amount_compares_pence():
    factories.MembershipFactory(requested_per_year=Decimal("12000.00"))
    factories.MembershipFactory(requested_per_year=Decimal("5000.00"))
    assert Membership.objects.filter(requested_per_year__gt=Decimal("6000")).count() == 1


def test_fractions_of_a_penny_are_refused_not_rounded():
    commission = factories.CommissionFactory()
    with pytest.raises(MoneyError, match="fraction of a penny"), transaction.atomic():
        factories.MembershipFactory(commission=commission, requested_per_year=Decimal("0.005"))
    assert not Membership.objects.exists()


def test_a_float_never_reaches_the_database():
    commission = factories.CommissionFactory()
    with pytest.raises(TypeError, match="never float"), transaction.atomic():
        factories.MembershipFactory(commission=commission, requested_per_year=0.1)
    assert not Membership.objects.exists()


class TestExactSums(TestCase):
    """Any list of amounts sums in the database to the exact Python sum of its parts."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.integers(min_value=0, max_value=10**11), min_size=1, max_size=20))
    def test_database_sum_equals_python_sum(self, pence_amounts):
        commission = factories.CommissionFactory()
        amounts = [Decimal(pence).scaleb(-2) for pence in pence_amounts]
        for amount in amounts:
            factories.MembershipFactory(commission=commission, requested_per_year=amount)
        total = Membership.objects.filter(commission=commission).aggregate(total=Sum("requested_per_year"))["total"]
        assert total == sum(amounts)
