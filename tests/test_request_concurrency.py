"""Two officers accept the same return at the same moment: exactly one set of pledges and postings results.

Run against the real database in separate connections (threads), so the lock on the letter is what decides."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from commissioning import roles
from commissioning.models import LedgerTransaction
from partners import services
from partners.models import Pledge, RequestLetter
from tests import factories
from tests.request_support import agree, draft_requests, issue_options

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def returned(django_db_setup):  # type: ignore[no-untyped-def]
    from django.apps import apps

    roles.sync_roles(apps)
    commission = factories.CommissionFactory()
    partner = factories.MembershipFactory(commission=commission).partner
    draft_requests(commission, [(partner, "7000")])
    officer = factories.OfficerFactory()
    letter = services.letters_issue(commission=commission, options=issue_options(), by=officer, notify=False)[0]
    return services.return_submit(letter=letter, data=agree(letter), by=None, via="link"), officer


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's in-memory test database is one connection")
def test_two_officers_accepting_at_once_make_one_set_of_pledges(returned):
    pro_forma_return, officer = returned
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        try:
            barrier.wait()
            services.return_accept(pro_forma_return=pro_forma_return, by=officer)
            outcomes.append("accepted")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("accepted") == 1
    refused = next(outcome for outcome in outcomes if outcome != "accepted")
    assert "not waiting for review: the request is accepted" in refused
    assert Pledge.objects.count() == 3
    assert LedgerTransaction.objects.filter(kind="pledge_accepted").count() == 3
    assert RequestLetter.objects.get().status == "accepted"


def test_accepting_twice_in_a_row_makes_one_set(returned):
    pro_forma_return, officer = returned
    services.return_accept(pro_forma_return=pro_forma_return, by=officer)
    with pytest.raises(ValidationError, match="not waiting for review"):
        services.return_accept(pro_forma_return=pro_forma_return, by=officer)
    assert Pledge.objects.count() == 3
