"""Settings come from the environment; production mode passes `check --deploy` with nothing to report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kP2!vQ9@mL4$wR8^tY1&zN6*bH3(cJ5)dF0_gS-eA+uI=oE",
    "ALLOWED_HOSTS": "pooled-fund.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "SITE_URL": "https://pooled-fund.example.org",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The child sees only the settings a test names (and not the browser tests' async-safety override).
    dropped = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in dropped}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def _settings_value(expression: str, env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'commissioning.settings'); "
        f"django.setup(); from django.conf import settings; print({expression})"
    )
    result = _run(["-c", code], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_check_deploy_in_production_mode_reports_nothing():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_secure_links_would_go_out_over_plain_http():
    result = _run(["manage.py", "check", "--deploy"], {**PRODUCTION_ENV, "SITE_URL": "http://pooled-fund.example.org"})
    assert "partners.W001" in result.stdout + result.stderr
    assert "must start with https://" in result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_mode_refuses_the_development_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "dev-only-insecure-key-do-not-use-in-production"}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "development SECRET_KEY" in result.stderr


def test_database_url_chooses_postgresql():
    env = {"DATABASE_URL": "postgres://fund:secret@db.example.org:5433/fund"}
    engine = _settings_value("settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['PORT']", env)
    assert engine == "django.db.backends.postgresql 5433"


def test_without_database_url_the_database_is_a_sqlite_file_under_var(monkeypatch):
    name = _settings_value("settings.DATABASES['default']['NAME']", {})
    assert name == str(ROOT / "var" / "commissioning.sqlite3")


def test_email_settings_come_from_the_environment():
    env = {
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "yes",
        "DEFAULT_FROM_EMAIL": "fund@example.org",
    }
    value = _settings_value(
        "settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.DEFAULT_FROM_EMAIL", env
    )
    assert value == "smtp.example.org 587 True fund@example.org"


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "perhaps"), ("EMAIL_PORT", "twenty-five")])
def test_unreadable_settings_are_refused_with_a_message_naming_them(name, value):
    result = _run(["manage.py", "check"], {name: value})
    assert result.returncode != 0
    assert f"{name} must be" in result.stderr


# A production-mode process signs a user in over HTTPS and reports the headers and cookies it was sent. Its static
# files' storage is the plain one: the hashed manifest needs `collectstatic`, and has nothing to do with headers.
_SIGN_IN_OVER_HTTPS = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.settings")
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from commissioning.models import User

call_command("migrate", verbosity=0, interactive=False)
User.objects.create_user("sam", password="correct-horse-battery-staple")
storages = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, **storages}):
    client = Client(HTTP_HOST="pooled-fund.example.org")
    page = client.get("/accounts/login/", secure=True)
    plain = client.get("/accounts/login/")
    signed_in = client.post(
        "/accounts/login/", {"username": "sam", "password": "correct-horse-battery-staple"}, secure=True
    )
cookies = {
    name: {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]), "samesite": morsel["samesite"]}
    for response in (page, signed_in)
    for name, morsel in response.cookies.items()
}
print(json.dumps({
    "status": [page.status_code, plain.status_code, signed_in.status_code],
    "plain_location": plain.get("Location", ""),
    "headers": dict(page.headers),
    "cookies": cookies,
}))
"""


@pytest.fixture(scope="module")
def production_sign_in():
    result = _run(["-c", _SIGN_IN_OVER_HTTPS], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_mode_sends_plain_http_to_https_and_signs_in(production_sign_in):
    assert production_sign_in["status"] == [200, 301, 302]
    assert production_sign_in["plain_location"] == "https://pooled-fund.example.org/accounts/login/"


def test_production_mode_pages_carry_the_security_headers(production_sign_in):
    headers = production_sign_in["headers"]
    hsts = dict(
        (part.strip().split("=") + [""])[:2] for part in headers["Strict-Transport-Security"].split(";") if part
    )
    assert int(hsts["max-age"]) >= 365 * 24 * 60 * 60
    assert "includeSubDomains" in hsts
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_production_mode_cookies_are_secure_and_same_site(production_sign_in):
    cookies = production_sign_in["cookies"]
    assert set(cookies) == {"csrftoken", "sessionid"}
    assert cookies["sessionid"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie is readable by script (Django's default), which our pages never need; Secure and Lax still.
    assert cookies["csrftoken"]["secure"] is True
    assert cookies["csrftoken"]["samesite"] == "Lax"
