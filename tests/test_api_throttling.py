"""API rate limits (DRF throttling): a burst over the rate gets 429 with Retry-After; counts are per client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from partners import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(world, officer):  # type: ignore[no-untyped-def]
    """The secure link's token for partner A's letter: the API's one resource open without signing in."""
    letter = services.letters_issue(
        commission=world.commission,
        options=services.IssueOptions(deadline=timezone.localdate() + timedelta(days=30), sender_name="Helen"),
        by=officer,
        partners=[world.partner_a],
        notify=False,
    )[0]
    return services.link_create(letter)


def test_the_rates_and_the_shared_cache_are_configured():
    rest = settings.REST_FRAMEWORK
    assert rest["DEFAULT_THROTTLE_RATES"] == {"anon": "60/min", "user": "1000/min"}
    assert rest["NUM_PROXIES"] == 0
    # Shared by every web process: a per-process (local-memory) cache would multiply the limits.
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
    cache.set("throttle-check", 1)
    assert cache.get("throttle-check") == 1


def test_a_burst_over_the_anonymous_rate_gets_429_with_retry_after(token):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    url = reverse("api:pro-forma", args=[token])
    for _ in range(60):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    # Another address has its own count.
    assert APIClient(REMOTE_ADDR="198.51.100.20").get(url).status_code == 200


def test_a_forged_forwarded_for_header_does_not_buy_a_fresh_count(token):
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    url = reverse("api:pro-forma", args=[token])
    for number in range(60):
        assert client.get(url, HTTP_X_FORWARDED_FOR=f"10.0.0.{number}").status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="10.0.1.1").status_code == 429


def test_a_signed_in_user_over_the_user_rate_gets_429_with_retry_after(monkeypatch, world, officer, manager):
    # The user rate is 1000 a minute; the same throttle at 3 a minute shows it at work without 1000 requests.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "60/min", "user": "3/min"})
    client = APIClient()
    client.force_authenticate(officer)
    url = reverse("api:commission-list")
    for _ in range(3):
        assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    # Another user has their own count.
    other = APIClient()
    other.force_authenticate(manager)
    assert other.get(url).status_code == 200
