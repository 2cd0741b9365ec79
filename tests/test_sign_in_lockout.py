"""Sign-in throttling (django-axes): five wrong passwords lock a username at an address out for 30 minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"


def _sign_in(client, username: str, password: str, address: str = "203.0.113.7"):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username: str, times: int, address: str = "203.0.113.7") -> None:  # type: ignore[no-untyped-def]
    for attempt in range(1, times + 1):
        response = _sign_in(client, username, WRONG, address)
        if attempt < 5:
            assert response.status_code == 200  # the sign-in page again, with its error
            assert "correct username and password" in response.content.decode()
        else:  # the fifth failure is the one that locks: its answer is already the lockout page
            assert response.status_code == 429


def test_the_settings_lock_after_five_failures_for_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_the_lockout_page(client, officer):
    _fail(client, officer.username, 5)
    response = _sign_in(client, officer.username, factories.TEST_PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in locked for 30 minutes" in page
    assert "5 wrong passwords in a row" in page
    assert 'class="govuk-heading-xl"' in page
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(client, officer):
    _fail(client, officer.username, 4)
    response = _sign_in(client, officer.username, factories.TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_a_locked_out_user_does_not_lock_out_others(client, officer, manager):
    _fail(client, officer.username, 5)
    assert _sign_in(client, officer.username, factories.TEST_PASSWORD).status_code == 429
    response = _sign_in(client, manager.username, factories.TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


def test_the_lock_is_for_the_username_at_that_address_only(client, officer):
    _fail(client, officer.username, 5, address="203.0.113.7")
    response = _sign_in(client, officer.username, factories.TEST_PASSWORD, address="198.51.100.20")
    assert response.status_code == 302


def test_a_successful_sign_in_resets_the_count(client, officer):
    _fail(client, officer.username, 4)
    assert _sign_in(client, officer.username, factories.TEST_PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    client.post(reverse("logout"))
    _fail(client, officer.username, 4)
    assert _sign_in(client, officer.username, factories.TEST_PASSWORD).status_code == 302


def test_the_lock_ends_after_thirty_minutes(client, officer):
    _fail(client, officer.username, 5)
    assert _sign_in(client, officer.username, factories.TEST_PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert _sign_in(client, officer.username, factories.TEST_PASSWORD).status_code == 302


def test_the_admin_sign_in_is_locked_too(client, officer):
    _fail(client, officer.username, 5)
    response = client.post(
        reverse("admin:login"),
        {"username": officer.username, "password": factories.TEST_PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
