"""Settings for Common Table, read from the environment.

Production differs from development by environment variables only:
``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS``, ``DATABASE_URL``,
``REDIS_URL``/``CACHE_URL``, ``EMAIL_URL``-style ``EMAIL_*`` variables and
``SECURE_SSL``. Every one has a safe default for a local checkout.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# The repository root: manage.py, templates/ and the SQLite file live here.
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key() -> str:
    """A random key kept beside the checkout, so a local run never uses a shared secret."""
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "commontable",
    "convenings",
    "recommendations",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "commontable.apps.CommonTableUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication, so a cached page is served without
    # them, and after everything else on the way out (commontable.core.pagecache).
    "commontable.core.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Every answer for someone in particular says so (commontable.middleware).
    "commontable.middleware.PrivateResponsesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "commontable.middleware.AdminContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "commontable.accounts.middleware.MultiFactorRequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]
# The benchmark's own server reports each request's SQL queries in a header
# (manage.py benchmark; commontable.devtools.query_count.QueryCountMiddleware).
if env_bool("BENCHMARK_QUERY_COUNT", False):
    MIDDLEWARE.insert(0, "commontable.devtools.query_count.QueryCountMiddleware")

ROOT_URLCONF = "commontable.urls"
WSGI_APPLICATION = "commontable.wsgi.application"

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
                "django.template.context_processors.csp",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: a SQLite file in the checkout unless DATABASE_URL says otherwise.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
    # Django's psycopg pool; a short timeout so an outage fails fast with a 503
    # instead of holding a worker for the pool's default 30 seconds. Health
    # checks make the pool test a connection before handing it out, so the
    # connections broken by a database restart are dropped, not used. A short
    # reconnect_timeout makes the pool give up a failing reconnection after two
    # seconds and start afresh on the next request, instead of backing off for
    # ever longer (1, 2, 4… seconds): the site is back within moments of the
    # database, with no restart.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "1")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "8")),
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "3")),
        "reconnect_timeout": float(os.environ.get("DATABASE_POOL_RECONNECT_TIMEOUT", "2")),
    }
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 3)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
            # IMMEDIATE transactions serialise writers, so capacity checks and
            # stage changes cannot interleave on SQLite (it has no row locks).
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless REDIS_URL / CACHE_URL names a Redis server.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "commontable",
            # A Redis outage should cost a second, not a worker's whole timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Sessions are read from Redis and written to both: a signed-in request
    # needs no session query, and nobody is signed out if Redis restarts.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Pages for visitors who are not signed in are kept this long (0 turns it off),
# and dropped at once whenever something they show changes. Only a cache every
# process shares (REDIS_URL) can drop them everywhere at once, so with local
# memory the page cache serves nothing (commontable.core.pagecache), unless
# PAGE_CACHE_SINGLE_PROCESS=1 declares that one process serves every request
# and makes every change; `check --deploy` refuses that in a deployment.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_SINGLE_PROCESS = env_bool("PAGE_CACHE_SINGLE_PROCESS", False)

# Accounts: pseudonymous, email-based, with allauth.
AUTH_USER_MODEL = "commontable.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "commontable.accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Common Table] "
ACCOUNT_PREVENT_ENUMERATION = True
# A password reset for an address with no account sends nothing: an unexpected
# email from this site could out a person. The page says the same either way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Equal work whether an address has an account or not; addresses and failed
# sign-ins counted as commontable.core.ratelimit and the adapter say.
ACCOUNT_ADAPTER = "commontable.accounts.adapters.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "commontable.accounts.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Common Table"
# allauth's limits on sign-in, sign-up, resets and the rest, stated here so the
# numbers are on record ("amount/period/per", per ip, per signed-in user, or per
# key: the email address, or the account for MFA codes). They count in the
# default cache, so they hold across processes only when that is Redis
# (REDIS_URL): `check --deploy` warns otherwise. Many people sign in from one
# shared address at a drop-in or a convening, so per-address limits stay
# generous and the tight limits are per account or email address.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Wrong passwords (keyed by account and address together, so a stranger
    # cannot lock the owner out) and wrong MFA codes (keyed by account).
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    # Each request sends an email: an address gets a few reset emails an hour,
    # so nobody can flood someone else's inbox with them.
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}

# Email: printed to the console unless an SMTP host is configured.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Common Table <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Internationalisation: meetings happen in British Columbia.
LANGUAGE_CODE = "en-ca"
TIME_ZONE = "America/Vancouver"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # STATIC_MANIFEST=1 (after collectstatic) serves content-hashed,
        # compressed files that browsers may cache for good; without it a
        # checkout serves files as they are, before or without collectstatic.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", False)
WHITENOISE_MAX_AGE = 300

# Wagtail.
WAGTAIL_SITE_NAME = "Common Table"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
# Sign-in and password resets go through allauth only, with its MFA step and
# rate limits; urls.py sends Wagtail's own sign-in page there too.
WAGTAIL_PASSWORD_RESET_ENABLED = False
# Email addresses and passwords change through allauth only (verification, rate
# limits, MFA), not through the Wagtail admin's account page.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# Shared page passwords are stored in plain text by Wagtail: never offer them.
WAGTAIL_PRIVATE_PAGE_OPTIONS = {"password": False}
WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS = {"password": False}
# Nothing leaves for another origin: no Gravatar (it would leak email hashes)
# and no update check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
TAGGIT_CASE_INSENSITIVE = True
# Typed tags are held to the plain-text rule, on the site and in the admin alike.
TAGGIT_TAGS_FROM_STRING = "commontable.core.plain_text.tags_from_string"

# Security. HTTPS-only settings (HSTS, Secure cookies, redirect) switch on with
# SECURE_SSL=1, which every deployment behind HTTPS sets; `check --deploy` flags
# a deployment that forgot.
SECURE_SSL = env_bool("SECURE_SSL", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if SECURE_SSL:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Per-address rate limits need the person's address. X-Forwarded-For is trusted
# only through the proxies a deployment declares (TRUSTED_PROXY_COUNT, the
# number in front that each append the address they saw): with none declared,
# the connection's own address counts, since anyone can send that header.
# Behind a proxy, declare it, or everyone shares the proxy's address; `check
# --deploy` warns when SECURE_SSL is on and none is declared.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Content Security Policy: our own origin only, no inline scripts.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# The Wagtail admin renders inline scripts (see commontable.middleware); it
# may run them, but still loads nothing from another origin.
SECURE_CSP_ADMIN = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.SELF],
    "frame-src": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's tasks log every task's start and end at INFO, under Django's
        # own INFO logger, and a worker (db_worker) sets their level itself from
        # its --verbosity: the level is held on this handler instead, so those
        # lines follow LOG_LEVEL like everything else. Failures always show.
        "tasks": {
            "class": "logging.StreamHandler",
            "level": os.environ.get("LOG_LEVEL", "WARNING"),
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django.tasks": {"handlers": ["tasks"], "propagate": False},
        "django_tasks_db": {"handlers": ["tasks"], "propagate": False},
    },
}

# Our own per-person limits (allauth limits sign-in, sign-up and resets):
# action -> (how many, per how many seconds).
RATE_LIMITS = {
    "post_need": (int(os.environ.get("RATE_LIMIT_POST_NEED", "10")), 3600),
    "corroborate": (int(os.environ.get("RATE_LIMIT_CORROBORATE", "60")), 3600),
    "export_data": (int(os.environ.get("RATE_LIMIT_EXPORT_DATA", "10")), 3600),
    "delete_account": (int(os.environ.get("RATE_LIMIT_DELETE_ACCOUNT", "5")), 3600),
}

# Background work: Django's tasks framework. Wagtail's own small tasks run at
# once; notifications and digests go to a database-backed queue that the
# worker (`manage.py db_worker --backend notifications`) drains.
TASKS = {
    "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
    "notifications": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "notifications"],
    },
}

# Where "Leave this site" goes: a neutral page that says nothing about this one.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.theweathernetwork.com/ca")
