"""Settings for the pooled-fund manager, read from the environment in one place.

Demo and development: nothing to set; SQLite under var/, DEBUG on, console e-mail.
Production: DEBUG=false plus SECRET_KEY and ALLOWED_HOSTS; `manage.py check --deploy` is then clean.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)
# Demo mode allows the demo loader to create logins with printed passwords. Never in production.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)

_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("The development SECRET_KEY cannot be used when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # lets the TemplatesSetting renderer find Django's own form templates
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "csp",
    "axes",
    "commissioning",
    "partners",
    "allocations",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit trail records who made each change: it reads the signed-in user from the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The Content-Security-Policy header (django-csp), with the admin's own looser policy.
    "commissioning.middleware.ContentSecurityPolicyMiddleware",
    # Refuses a sign-in while its username and address are locked out; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves its collected, hashed static files itself; runserver does it in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "commissioning.urls"
WSGI_APPLICATION = "commissioning.wsgi.application"
ASGI_APPLICATION = "commissioning.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commissioning.context_processors.service",
            ],
        },
    },
]
# The project's own forms render with GOV.UK templates through their own renderer
# (commissioning.forms.GovukFormRenderer); the admin keeps Django's default one.

# SQLite file under var/ unless DATABASE_URL names another database (PostgreSQL in CI and production).
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'commissioning.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a writer instead of failing at once; a foreign key check on every write.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Demo and reference data (the Lancashire commission from the seeds); unit tests use factories instead.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_USER_MODEL = "commissioning.User"
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# GOV.UK Frontend and htmx come from the npm registry (package.json); served under static/govuk/ and static/htmx/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Files the background jobs make (a commission's reports as a zip). Never served at MEDIA_URL: each is downloaded
# through its job's page, which checks who is asking.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pooled-fund@example.org")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

SERVICE_NAME = env_str("SERVICE_NAME", "Pooled fund manager")
# The accessibility statement (/accessibility/): who runs the service, and where to ask for another format or
# report a problem.
SERVICE_OPERATOR = env_str("SERVICE_OPERATOR", "the host authority of each joint commission")
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
# Where the service is reached from outside: e-mailed secure links start with it (a job has no request to ask).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Production hardening: all on when DEBUG is off, so `check --deploy` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): our own files only, no inline script or style, no plugins, no framing.
# Pages carry no `style="…"`, `<script>` body or `on…=` handler; charts use SVG presentation attributes. The admin
# (staff only) gets a looser policy: see commissioning/middleware.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in throttling (django-axes): five wrong passwords for one username from one address lock that pair out for
# 30 minutes (another failure while locked starts the 30 minutes again); a success clears the count. The lockout
# page says so, with status 429. Other users, and the same user elsewhere, can still sign in.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "commissioning.lockout.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Failures are kept (they are the count); successful sign-ins are not logged, to hold no more personal data
# (addresses, browsers) than the lockout needs.
AXES_DISABLE_ACCESS_LOG = True
# Behind a TLS proxy every request comes from the proxy: the client's address is the one the proxy appends last
# to X-Forwarded-For (left-most entries can be forged by the client).
if env_bool("BEHIND_TLS_PROXY", default=False):
    AXES_CLIENT_IP_CALLABLE = "commissioning.middleware.client_ip_behind_proxy"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each refused URL; that is expected and should not flood the console.
    # django-axes logs its start and clean-ups at INFO; failed sign-ins and lockouts (WARNING) are what matter.
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}

# Background work (large imports, PDF batches) through Django's Tasks API; the database backend needs no other
# service. Run a worker with `python manage.py db_worker`. `TASKS_BACKEND=immediate` runs tasks in-process.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_str("TASKS_BACKEND", "database") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# The one cache, for the API's rate limits (below). Their counts must be shared by every web process, and a
# local-memory cache is one per process. Files under var/ are shared by every process on the machine, need no
# server and cost no database queries (a database cache would add four or more to every API request). Serving
# from several machines at once would need a shared cache server here instead (Django's Redis backend).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("CACHE_DIR", str(VAR_DIR / "cache")),
        # Each client's count is a file; past this many, a third are dropped at random.
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
}

REST_FRAMEWORK = {
    # Token first: DRF answers a request without credentials with the first class's challenge, so a system gets
    # 401 with `WWW-Authenticate: Token` rather than a bare 403. Pages' sessions still work (with CSRF on writes).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Money travels as decimal strings ("1502449.00"), never as JSON numbers.
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # Services raise Django's ValidationError; this turns it into a 400 with the service's message.
    "EXCEPTION_HANDLER": "commissioning.api.exception_handler",
    # Rate limits: per address without sign-in (the pro-forma by its secure link), per user with it. Over the
    # limit a request gets 429 with Retry-After. The counts live in CACHES["default"].
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_ANON_RATE", "60/min"),
        "user": env_str("API_USER_RATE", "1000/min"),
    },
    # The address counted is the connection's, never a client-sent X-Forwarded-For (which would let a client pick
    # a fresh address for each request); behind the TLS proxy, the one address the proxy adds.
    "NUM_PROXIES": 1 if env_bool("BEHIND_TLS_PROXY", default=False) else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pooled fund manager API",
    "DESCRIPTION": "Joint commissions, formulas, allocations and reconciliation. Money travels as decimal strings.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema is for those with some part of the API to use, like the reference page (/api/docs/).
    "SERVE_PERMISSIONS": ["commissioning.api.ApiUsers"],
    # Tags and operation ids from the resource (`formulas_list`), not from the version prefix (`v1_formulas_list`).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Stable names for choice sets: one for a set several fields use (a partner's kind; the kinds that bear a cost
    # category), and one per model for the several `status` fields.
    "ENUM_NAME_OVERRIDES": {
        "PartnerKindEnum": "partners.models.Partner.Kind",
        "CommissionStatusEnum": "commissioning.models.Commission.Status",
        "ContributionRequestStatusEnum": "partners.models.ContributionRequest.Status",
        "ScenarioStatusEnum": "allocations.models.Scenario.Status",
        "ContractStatusEnum": "commissioning.models.Contract.Status",
        "ProviderKindEnum": "commissioning.models.Provider.Kind",
        # Reserve drawdowns, carry-forwards, their history and the pool rules' steps.
        "ReserveDrawdownStatusEnum": "commissioning.models.ReserveDrawdown.Status",
        "CarryForwardStatusEnum": "commissioning.models.CarryForward.Status",
        "FundingEventActionEnum": "commissioning.models.funding.FundingEvent.Action",
        "PoolRuleStepEnum": "commissioning.models.PoolRules.Step",
        # The request workflow: letters, returns and their history.
        "RequestLetterStatusEnum": "partners.models.RequestLetter.Status",
        "RequestEventActionEnum": "partners.models.RequestEvent.Action",
        "ProFormaReturnOptionEnum": "partners.models.ProFormaReturn.Option",
        "ProFormaReturnViaEnum": "partners.models.ProFormaReturn.Via",
    },
}

# The audit trail (django-simple-history; commissioning/history.py). History is read, never reverted: a revert from
# the admin would write past rows back without the services' checks. Reasons can be longer than 100 characters.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# django-import-export: only those who may add a model may import it (the library's default lets any admin user).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Limits on what an upload may be: an XLSX can expand enormously when opened.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000)
# Above this many rows an import runs in a background task rather than in the request.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 500)
