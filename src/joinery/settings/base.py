"""Every setting Joinery has, read from the environment.

Defaults make a newcomer's machine work with no configuration (embedded SQLite,
console email, a generated secret key kept under var/). Production sets the
environment variables documented in docs/deployment.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # src/joinery
BASE_DIR = PACKAGE_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("JOINERY_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use JOINERY_SECRET_KEY, else generate one once and keep it in var/."""
    if key := os.environ.get("JOINERY_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("JOINERY_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("JOINERY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("JOINERY_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
SITE_URL = os.environ.get("JOINERY_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "csp",
    # Joinery's own apps, in dependency order (see docs/architecture.md).
    "joinery.core",
    "joinery.audit",
    "joinery.accounts",
    "joinery.notifications",
    "joinery.organisations",
    "joinery.network",
    "joinery.agreements",
    "joinery.programme",
    "joinery.contributions",
    "joinery.risks",
    "joinery.meetings",
    "joinery.feedback",
    "joinery.evaluation",
    "joinery.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "joinery.core.middleware.MFARequiredMiddleware",
]

ROOT_URLCONF = "joinery.urls"
WSGI_APPLICATION = "joinery.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "joinery.core.context_processors.joinery",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'joinery.sqlite3'}"),
        conn_max_age=int(os.environ.get("JOINERY_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes; a busy timeout
    # waits for a lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Person"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:home"

# Sessions expire after a working day of inactivity and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("JOINERY_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("JOINERY_SECURE_COOKIES", not DEBUG and SITE_URL.startswith("https"))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("JOINERY_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("JOINERY_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("JOINERY_BEHIND_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: our own origin only, and no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# django-allauth: email is the login; verification by email.
SITE_ID = 1
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("JOINERY_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "joinery.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "joinery.accounts.forms.SignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Joinery"
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"

EMAIL_BACKEND = os.environ.get("JOINERY_EMAIL_BACKEND", "joinery.notifications.mail.OutboxEmailBackend")
EMAIL_HOST = os.environ.get("JOINERY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JOINERY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("JOINERY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JOINERY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JOINERY_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("JOINERY_FROM_EMAIL", "Joinery <no-reply@joinery.example>")
# The outbox backend keeps a copy of every mail for the admin-only outbox page,
# then hands it to this backend (console by default, SMTP in production).
JOINERY_OUTBOX_DELIVERY_BACKEND = os.environ.get(
    "JOINERY_OUTBOX_DELIVERY_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "joinery_cache",
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("JOINERY_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("JOINERY_TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["joinery.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JOINERY_LOG_LEVEL", "WARNING")},
}

# Joinery's own knobs.
JOINERY_DEMO = env_bool("JOINERY_DEMO", False)
JOINERY_CLOSING_SOON_HOURS = 24

# Citizen feedback: how many answers one public feedback form accepts per minute from everyone
# together before it asks people to try again (a flood guard; see docs/evaluation.md).
JOINERY_FEEDBACK_FLOOD_PER_MINUTE = int(os.environ.get("JOINERY_FEEDBACK_FLOOD_PER_MINUTE", "120"))

# Fault injection, for the kill -9 tests (tests/faults/, docs/faults.md). Off unless
# JOINERY_FAULT_PAUSE is set: a comma-separated list of fault point names (e.g.
# "agreement.sign"). A named `joinery.core.faults.fault_point` then appends a line to
# JOINERY_FAULT_MARKER (default var/fault-points.log) and sleeps JOINERY_FAULT_PAUSE_SECONDS
# inside the write's open transaction, so that a test can SIGKILL the server mid-write.
JOINERY_FAULT_PAUSE = frozenset(n.strip() for n in os.environ.get("JOINERY_FAULT_PAUSE", "").split(",") if n.strip())
JOINERY_FAULT_MARKER = os.environ.get("JOINERY_FAULT_MARKER", str(VAR_DIR / "fault-points.log"))
JOINERY_FAULT_PAUSE_SECONDS = float(os.environ.get("JOINERY_FAULT_PAUSE_SECONDS", "60"))
