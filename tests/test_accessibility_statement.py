"""The accessibility statement: public, linked from every page's footer, and following the GOV.UK model statement."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("accessibility-statement")


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_statement_is_public(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200
    assert "Accessibility statement for Pooled fund manager" in _text(response)


@pytest.mark.parametrize("persona", ["officer", "lead_a", "outsider"])
def test_signed_in_users_read_it_too(as_persona, persona):
    assert as_persona(persona).get(URL).status_code == 200


def test_every_page_links_to_it_from_the_footer(client, as_user, officer):
    for response in (client.get(reverse("login")), as_user(officer).get(reverse("home"))):
        assert f'<a class="govuk-footer__link" href="{URL}">Accessibility statement</a>' in response.content.decode()


def test_it_has_every_section_of_the_model_statement(client):
    text = _text(client.get(URL))
    for heading in [
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Technical information about this service’s accessibility",
        "Compliance status",
        "Non-accessible content",
        "Disproportionate burden",
        "How we tested this service",
        "Preparation of this accessibility statement",
    ]:
        assert heading in text, heading
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert "Equality Advisory and Support Service (EASS)" in text
    assert "Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018" in text
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "PDF/UA" in text
    assert "axe-core" in text
    assert "This statement was prepared on 25 November 2026." in text


def test_the_contact_address_and_operator_come_from_the_settings(client, settings):
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@lancashire.example.gov.uk"
    settings.SERVICE_OPERATOR = "Lancashire County Council"
    response = client.get(URL)
    page = response.content.decode()
    assert 'href="mailto:access@lancashire.example.gov.uk"' in page
    assert "This service is run by Lancashire County Council." in _text(response)


def test_the_contact_address_defaults_to_the_from_address():
    from django.conf import settings

    assert settings.ACCESSIBILITY_CONTACT_EMAIL == settings.DEFAULT_FROM_EMAIL
