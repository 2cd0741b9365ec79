"""The search page: one box that finds partners, request letters, decisions and transactions, each scoped to what
the user may see, an exact reference or number first, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from partners.models import Partner
from reports import search
from tests import factories
from tests.api_support import build_letters
from tests.decision_support import cabinet_template, draft

pytestmark = pytest.mark.django_db

URL = reverse("search")


def _search(client, query: str):  # type: ignore[no-untyped-def]
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return response


def _group(response, key: str):  # type: ignore[no-untyped-def]
    return next(group for group in response.context["results"].groups if group.key == key)


def _user_with(*perms: str):  # type: ignore[no-untyped-def]
    user = factories.UserFactory()
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


@pytest.fixture
def letters(world, officer):  # type: ignore[no-untyped-def]
    return build_letters(world, officer)


# Who may search ---------------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL, {"q": "council"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsiders_are_refused(as_user, outsider):
    assert as_user(outsider).get(URL, {"q": "council"}).status_code == 403


def test_a_partner_lead_finds_only_their_own_partner_and_its_letters(as_user, lead_a, letters, world):
    world.partner_b.name = f"{world.partner_a.name} Neighbour"
    world.partner_b.save()
    response = _search(as_user(lead_a), world.partner_a.name)
    assert [p.pk for p in _group(response, "partners").items] == [world.partner_a.pk]
    assert [letter.pk for letter in _group(response, "letters").items] == [letters.letter_a.pk]
    # Decisions and transactions are not theirs to see: the groups are not on the page at all.
    assert [group.key for group in response.context["results"].shown] == ["partners", "letters"]
    page = response.content.decode()
    assert "Ledger transactions" not in page
    assert f'href="{reverse("portal-request", args=[letters.letter_a.pk])}"' in page
    assert f'href="{reverse("request-letter-detail", args=[letters.letter_a.pk])}"' not in page


def test_a_partner_lead_does_not_find_another_partner_by_its_contacts(as_user, lead_a, partner_b):
    factories.ContactFactory(partner=partner_b, name="Unique Person", email="unique@b.example.org")
    response = _search(as_user(lead_a), "Unique Person")
    assert _group(response, "partners").count == 0


def test_staff_without_a_permission_do_not_see_that_kind(as_user, letters, world):
    user = _user_with("partners.view_partner")
    response = _search(as_user(user), world.partner_a.name)
    assert [group.key for group in response.context["results"].shown] == ["partners"]
    assert _group(response, "partners").count == 1
    assert _group(response, "letters").items == []


# What it finds ----------------------------------------------------------------------------------------------------


def test_partners_are_found_by_name_or_by_a_contacts_name_or_email_once_each(as_user, officer):
    partner = factories.PartnerFactory(name="Wyre Council")
    factories.ContactFactory(partner=partner, name="Jo Bloggs", email="jo.bloggs@wyre.example.org")
    factories.ContactFactory(partner=partner, name="Sam Bloggs", email="sam@wyre.example.org")
    factories.PartnerFactory(name="Fylde Council")
    client = as_user(officer)
    assert [p.name for p in _group(_search(client, "wyre"), "partners").items] == ["Wyre Council"]
    by_contact = _group(_search(client, "BLOGGS"), "partners")
    assert (by_contact.count, [p.name for p in by_contact.items]) == (1, ["Wyre Council"])
    assert [p.name for p in _group(_search(client, "jo.bloggs@"), "partners").items] == ["Wyre Council"]
    assert _group(_search(client, "Chorley"), "partners").count == 0


def test_an_exact_partner_name_comes_first(as_user, officer):
    for name in ["Preston City Council Trust", "Preston City Council", "Arnside Preston City Council"]:
        factories.PartnerFactory(name=name)
    names = [p.name for p in _group(_search(as_user(officer), "preston city council"), "partners").items]
    assert names == ["Preston City Council", "Arnside Preston City Council", "Preston City Council Trust"]


def test_letters_are_found_by_partner_name_and_by_reference_exact_first(as_user, officer, letters, world):
    client = as_user(officer)
    by_name = _group(_search(client, world.partner_b.name), "letters")
    assert [letter.pk for letter in by_name.items] == [letters.letter_b.pk]
    # The reference R<commission>/<number> finds its letter exactly, in any case, ahead of name matches.
    reference = letters.letter_a.reference.lower()
    by_reference = _group(_search(client, reference), "letters")
    assert [letter.pk for letter in by_reference.items][:1] == [letters.letter_a.pk]
    page = _search(client, reference).content.decode()
    assert reverse("request-letter-detail", args=[letters.letter_a.pk]) in page


def test_decisions_are_found_by_reference_or_title_the_exact_reference_first(as_user, manager, commission):
    template = cabinet_template(commission)
    first = draft(template)  # CM001/13
    follow_up = draft(template, title=f"Follow-up to {first.reference}")
    draft(template, title="Something else")
    assert first.reference == "CM001/13"
    response = _search(as_user(manager), "cm001/13")
    found = _group(response, "decisions")
    assert [d.pk for d in found.items] == [first.pk, follow_up.pk]
    assert found.count == 2
    assert reverse("decision-detail", args=[commission.pk, first.pk]) in response.content.decode()
    assert [d.title for d in _group(_search(as_user(manager), "SOMETHING"), "decisions").items] == ["Something else"]


def test_a_transaction_number_comes_first_then_words_of_its_narrative(as_user, auditor, letters, world):
    tx = world.commission.ledger_transactions.order_by("number").last()
    tx_number = tx.number
    response = _search(as_user(auditor), str(tx_number))
    found = _group(response, "transactions")
    assert found.items[0].number == tx_number
    link = reverse("transaction-list", args=[world.commission.pk]) + f"?q={tx_number}#transaction-{tx_number}"
    assert link in response.content.decode()
    word = tx.narrative.split()[0]
    by_words = _group(_search(as_user(auditor), word), "transactions")
    assert tx_number in [t.number for t in by_words.items]


def test_the_query_is_echoed_escaped(as_user, officer):
    response = _search(as_user(officer), "<script>alert(1)</script>")
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Limits, messages and the cost of a search -------------------------------------------------------------------------


def test_each_group_is_capped_and_says_how_many_there_are(as_user, officer):
    Partner.objects.bulk_create(
        [Partner(name=f"Capped District {n:02d}", kind=Partner.Kind.DISTRICT_COUNCIL) for n in range(search.LIMIT + 5)]
    )
    response = _search(as_user(officer), "capped district")
    found = _group(response, "partners")
    assert (found.count, len(found.items)) == (search.LIMIT + 5, search.LIMIT)
    assert f"Showing the first {search.LIMIT} of {search.LIMIT + 5}" in response.content.decode()


def test_a_capped_decision_group_links_to_the_filtered_decision_list(as_user, manager, commission, monkeypatch):
    monkeypatch.setattr(search, "LIMIT", 1)
    template = cabinet_template(commission)
    draft(template, recommendations=0)
    draft(template, recommendations=0)
    page = _search(as_user(manager), "strategy").content.decode()
    assert f'href="{reverse("decision-list", args=[commission.pk])}?q=strategy"' in page
    assert f"See all 2 matching decisions in {commission.name}" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Enter what to search for"),
        ("   ", "Enter what to search for"),
        ("a", "Enter at least 2 characters, or a transaction number"),
        ("x" * 101, "Search must be 100 characters or fewer"),
    ],
)
def test_an_empty_short_or_long_query_is_a_clear_message_and_no_search(
    as_user, officer, query, message, django_assert_max_num_queries
):
    client = as_user(officer)
    with django_assert_max_num_queries(4) as queries:  # the session, the user and their permissions
        response = client.get(URL, {"q": query})
    assert not [q for q in queries.captured_queries if "partners_" in q["sql"] or "reports_" in q["sql"]]
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert message in page
    assert response.context["results"] is None


def test_a_single_digit_is_a_transaction_number_and_is_searched(as_user, auditor, letters):
    response = _search(as_user(auditor), "1")
    assert _group(response, "transactions").items[0].number == 1


def test_without_a_query_the_page_explains_what_search_finds(as_user, officer):
    response = as_user(officer).get(URL)
    assert response.status_code == 200
    assert "govuk-error-summary" not in response.content.decode()
    assert response.context["results"] is None


def test_the_header_has_a_search_box_for_staff_only(as_user, officer, lead_a, client):
    home = reverse("home")
    assert 'id="header-search"' in as_user(officer).get(home).content.decode()
    assert 'id="header-search"' not in as_user(lead_a).get(reverse("portal")).content.decode()
    assert 'id="header-search"' not in client.get(reverse("login")).content.decode()


def test_search_queries_are_fixed_whatever_the_number_of_hits(
    as_user, officer, letters, world, commission, django_assert_max_num_queries
):
    client = as_user(officer)
    template = cabinet_template(commission)
    draft(template, recommendations=0, title="Common word")
    factories.ContactFactory(partner=world.partner_a, name="Common word contact")
    client.get(URL, {"q": "common"})
    with django_assert_max_num_queries(12) as few:
        _search(client, "common")
    for n in range(5):
        partner = factories.PartnerFactory(name=f"Common {n}")
        factories.ContactFactory(partner=partner, name="Common word contact")
        draft(template, recommendations=0, title=f"Common word {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = _search(client, "common")
    assert _group(response, "partners").count == 6
    assert _group(response, "decisions").count == 6
