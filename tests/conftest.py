"""Personas shared by the suite: officer, partner A's and B's finance leads, manager, auditor, outsider."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test import Client

from commissioning import ledger_guard
from tests import factories
from tests.api_support import build_world


@pytest.fixture
def commission(db):  # type: ignore[no-untyped-def]
    """A commission with two partners (A and B), the four pooled work-streams and one not pooled."""
    commission = factories.CommissionFactory()
    for position, (name, share) in enumerate(
        [
            ("Workforce and Co-ordination", Decimal("5")),
            ("Early Support", Decimal("17")),
            ("Medium and High Risk Support", Decimal("68")),
            ("Perpetrators", Decimal("10")),
            ("Prevention", None),
        ]
    ):
        factories.WorkStreamFactory(commission=commission, name=name, pooled_share=share, position=position)
    return commission


@pytest.fixture
def partner_a(commission):  # type: ignore[no-untyped-def]
    return factories.MembershipFactory(commission=commission, requested_per_year=Decimal("7000.00")).partner


@pytest.fixture
def partner_b(commission):  # type: ignore[no-untyped-def]
    return factories.MembershipFactory(commission=commission, requested_per_year=Decimal("12000.00")).partner


def _client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer(db):  # type: ignore[no-untyped-def]
    return factories.OfficerFactory()


@pytest.fixture
def manager(db):  # type: ignore[no-untyped-def]
    return factories.ManagerFactory()


@pytest.fixture
def auditor(db):  # type: ignore[no-untyped-def]
    return factories.AuditorFactory()


@pytest.fixture
def lead_a(partner_a):  # type: ignore[no-untyped-def]
    return factories.PartnerLeadFactory(partner=partner_a)


@pytest.fixture
def lead_b(partner_b):  # type: ignore[no-untyped-def]
    return factories.PartnerLeadFactory(partner=partner_b)


@pytest.fixture
def outsider(db):  # type: ignore[no-untyped-def]
    """Signed in, but in no role and tied to no partner."""
    return factories.UserFactory()


@pytest.fixture
def as_user():  # type: ignore[no-untyped-def]
    """`as_user(user)` gives a test client signed in as that user."""
    return _client_for


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test counts API requests afresh, in its own folder: the file cache outlives a test's transaction, and
    another run of the suite at the same time must not share the counts either."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": str(tmp_path / "cache")},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Hashing at production strength only slows the suite; nothing here tests the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def as_persona(request, as_user):  # type: ignore[no-untyped-def]
    """`as_persona("lead_a")` gives a client signed in as that persona; `as_persona("anonymous")` one signed out."""

    def client_for(name: str) -> Client:
        return Client() if name == "anonymous" else as_user(request.getfixturevalue(name))

    return client_for


@pytest.fixture
def world(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    """Something at every API endpoint: see tests/api_support.py."""
    return build_world(commission, partner_a, partner_b, officer)


def _flush_with_ledger_guard(original):  # type: ignore[no-untyped-def]
    """Browser tests empty the database after each test. SQLite does that row by row, which the ledger's
    append-only triggers would refuse; only this flush is let through (see commissioning/ledger_guard.py)."""

    def flush(self, sql_list):  # type: ignore[no-untyped-def]
        with ledger_guard.flush_allowed():
            return original(self, sql_list)

    return flush


BaseDatabaseOperations.execute_sql_flush = _flush_with_ledger_guard(BaseDatabaseOperations.execute_sql_flush)
