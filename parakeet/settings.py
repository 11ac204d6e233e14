"""Parakeet settings: one module, driven by the environment (see docs/ARCHITECTURE.md).

With nothing set it runs locally on embedded defaults (SQLite and files under ``var/``).
With ``DATABASE_URL``, ``PARAKEET_S3_BUCKET`` and the production variables set, the same
module configures the AWS deployment. ``DJANGO_DEBUG`` defaults to false: the Makefile and
the test configuration turn it on explicitly, so a forgotten variable never ships DEBUG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parakeet.env import (
    ConfigError,
    cache_storage_config,
    database_config,
    env_bool,
    env_budgets,
    env_float,
    env_int,
    env_list,
    env_str,
    install_config_error_hook,
    load_secrets_into_environ,
    require,
)
from parakeet.lambda_runtime.allowlist import DEFAULT_COMMANDS as DEFAULT_LAMBDA_COMMANDS
from parakeet.observability.logs import logging_config
from parakeet.urlconf import URL_APPS, UnknownUrlApp, validated_url_apps

# A missing or malformed variable stops the process with one line naming it.
install_config_error_hook()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PARAKEET_VAR_DIR", str(BASE_DIR / "var")))

APP_NAME = "Quant Trading Dashboard API"
APP_VERSION = "2.0.0"

# Secrets Manager values become environment defaults; real environment variables win.
load_secrets_into_environ()

DEBUG = env_bool("DJANGO_DEBUG", False)


_INSECURE_KEY_PREFIXES = ("django-insecure", "dev-only-")


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY", "")
    if key:
        insecure = key.startswith(_INSECURE_KEY_PREFIXES) or len(key) < 50 or len(set(key)) < 5
        if not DEBUG and insecure:
            raise ConfigError(
                "DJANGO_SECRET_KEY must be a random value of at least 50 characters, not a "
                "development key, in production (DJANGO_DEBUG=false)."
            )
        return key
    if not DEBUG:
        require("DJANGO_SECRET_KEY", "a random value of at least 50 characters")
    from parakeet.dev_secret import dev_secret_key

    return dev_secret_key(VAR_DIR)


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
if not DEBUG and not env_str("ALLOWED_HOSTS", ""):
    require("ALLOWED_HOSTS", "a comma-separated list of the API's host names")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "parakeet",
    "trades",
    "market",
    "ingest",
    "strategies",
    "scanner",
]

MIDDLEWARE = [
    # Outermost: every response carries X-Request-ID, CORS preflight answers included.
    "parakeet.middleware.RequestIdMiddleware",
    "parakeet.observability.middleware.RequestLogMiddleware",
    # CORS headers land on every response, including the JSON 500.
    "parakeet.middleware.CorsMiddleware",
    "parakeet.middleware.HeadRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "parakeet.middleware.JsonErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "parakeet.urls"
# The apps whose routes this process mounts: a Lambda function mounts only those API Gateway
# sends it (functions.json `url_apps`), so its init imports nothing else. Default: all.
try:
    PARAKEET_URL_APPS = validated_url_apps(env_list("PARAKEET_URL_APPS", list(URL_APPS)))
except UnknownUrlApp as exc:
    raise ConfigError(f"PARAKEET_URL_APPS: {exc}.") from None
CSRF_FAILURE_VIEW = "parakeet.errors.csrf_failure_view"
WSGI_APPLICATION = "parakeet.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'parakeet.sqlite3'}")
# Migrations connect through the direct (non-pooled) endpoint; see parakeet's `migrate`.
DATABASE_DIRECT_URL = env_str("DATABASE_DIRECT_URL", DATABASE_URL)
DATABASES: dict[str, dict[str, Any]] = {
    "default": database_config(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600)),
}
if DATABASE_DIRECT_URL != DATABASE_URL:
    # Validate at start-up rather than at the first deploy's `migrate`.
    database_config(DATABASE_DIRECT_URL, conn_max_age=0, name="DATABASE_DIRECT_URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Storage ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
PARAKEET_S3_BUCKET = env_str("PARAKEET_S3_BUCKET", "")
PARAKEET_S3_PREFIX = env_str("PARAKEET_S3_PREFIX", "")
LOCAL_STORAGE_DIR = VAR_DIR / "storage"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(LOCAL_STORAGE_DIR / "media")},
    },
    # Derived Parquet snapshots: S3 (django-storages) in AWS, files under var/storage/ locally.
    "cache": cache_storage_config(
        bucket=PARAKEET_S3_BUCKET,
        prefix=PARAKEET_S3_PREFIX,
        region=env_str("AWS_REGION", ""),
        local_dir=LOCAL_STORAGE_DIR,
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG  # fixed at start-up (tests flip DEBUG off later)

# --- Tasks --------------------------------------------------------------------------------
_TASK_BACKENDS = {
    "thread": "parakeet.task_backends.ThreadBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "lambda": "parakeet.task_backends.LambdaInvokeBackend",
}
PARAKEET_TASKS_BACKEND = env_str("PARAKEET_TASKS_BACKEND", "thread")
PARAKEET_WORKER_FUNCTION = env_str("PARAKEET_WORKER_FUNCTION", "")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS.get(PARAKEET_TASKS_BACKEND, PARAKEET_TASKS_BACKEND)}}
# A backtest/scan run still ``running`` after this long is reported as timed out.
PARAKEET_TASK_TIMEOUT_S = env_int("PARAKEET_TASK_TIMEOUT_S", 900)

# --- Lambda ---------------------------------------------------------------------------------
# API mapping paths of a custom domain this function is served under (``v1`` or
# ``v1,orders/v2``): needed for HTTP API routes that name no path ($default); see stage.py.
PARAKEET_API_GATEWAY_BASE_PATH = env_str("PARAKEET_API_GATEWAY_BASE_PATH", "")
# Management commands a {"command": ...} event may run (comma-separated to override).
PARAKEET_LAMBDA_COMMANDS = env_list("PARAKEET_LAMBDA_COMMANDS", list(DEFAULT_LAMBDA_COMMANDS))

# --- Auth ---------------------------------------------------------------------------------
PARAKEET_AUTH_REQUIRED = env_bool("PARAKEET_AUTH_REQUIRED", not DEBUG)
PARAKEET_JWT_ISSUER = env_str("PARAKEET_JWT_ISSUER", "")
PARAKEET_JWT_AUDIENCE = env_str("PARAKEET_JWT_AUDIENCE", "")
PARAKEET_JWT_ALGORITHMS = env_list("PARAKEET_JWT_ALGORITHMS", ["HS256"])
PARAKEET_JWT_SECRET = env_str("PARAKEET_JWT_SECRET", "")
PARAKEET_JWT_PUBLIC_KEY = env_str("PARAKEET_JWT_PUBLIC_KEY", "")
PARAKEET_JWKS_URL = env_str("PARAKEET_JWKS_URL", "")
PARAKEET_JWT_LEEWAY_SECONDS = 30
PARAKEET_API_KEY_HASHES = [h.lower() for h in env_list("PARAKEET_API_KEY_HASHES", [])]
PARAKEET_ORIGIN_SECRET = env_str("PARAKEET_ORIGIN_SECRET", "")
if not DEBUG and PARAKEET_AUTH_REQUIRED:
    if not (PARAKEET_JWT_SECRET or PARAKEET_JWT_PUBLIC_KEY or PARAKEET_JWKS_URL):
        require(
            "PARAKEET_JWT_SECRET",
            "or PARAKEET_JWT_PUBLIC_KEY / PARAKEET_JWKS_URL, to verify tokens when auth is on",
        )
    if not PARAKEET_JWT_ISSUER:
        require("PARAKEET_JWT_ISSUER", "the expected `iss` claim when auth is on")
    if not PARAKEET_JWT_AUDIENCE:
        require("PARAKEET_JWT_AUDIENCE", "the expected `aud` claim when auth is on")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "parakeet.auth.JWTAuthentication",
        "parakeet.auth.APIKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["parakeet.auth.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": ["parakeet.renderers.StrictJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "parakeet.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": APP_NAME,
    "VERSION": APP_VERSION,
    "DESCRIPTION": "Parakeet: trade journal, market data, backtests and scanners.",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and docs pages are public: a stale token must not turn them into a 401.
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    # Raw JS (drf-spectacular passes a string through): OAuth2 returns to /docs/oauth2-redirect.
    "SWAGGER_UI_SETTINGS": (
        '{"deepLinking": true, "persistAuthorization": true,'
        ' "oauth2RedirectUrl": window.location.origin + "/docs/oauth2-redirect"}'
    ),
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Optional-slash routes appear once, as the contract spells them (no trailing slash).
    "PREPROCESSING_HOOKS": ["parakeet.docs.optional_slash_paths"],
    "TAGS": [
        {"name": t}
        for t in (
            "trades",
            "data",
            "strategies",
            "dashboard",
            "scanner",
            "universes",
            "quant2",
            "validation",
            "health",
            "root",
        )
    ],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
    },
}

# --- CORS ---------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = [
    o
    for o in env_list(
        "PARAKEET_CORS_ORIGINS",
        [
            "http://localhost:3000",
            "http://localhost:5173",
            "http://127.0.0.1:3000",
            "http://localhost:8000",
        ],
    )
    if o != "*"
]
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "origin",
    "x-api-key",
    "x-request-id",
    "x-requested-with",
]
CORS_EXPOSE_HEADERS = ["X-Request-ID"]
CORS_PREFLIGHT_MAX_AGE = 600

# --- Security (production) ----------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Domain settings ----------------------------------------------------------------------
PARAKEET_RISK_FREE_RATE = env_float("PARAKEET_RISK_FREE_RATE", 0.04)
TIINGO_API_KEY = env_str("TIINGO_API_KEY", "")

# Requests one ingest run may make to each source, retries included (ingest/source_settings.py).
# Parsed here, not in ingest/, so a web function's start-up imports nothing of the ingest app.
_INGEST_SOURCES = ("tiingo", "yahoo")  # ingest.sources.SourceName; an ingest test keeps them equal
PARAKEET_INGEST_REQUEST_BUDGETS = env_budgets("PARAKEET_INGEST_REQUEST_BUDGETS", _INGEST_SOURCES)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = logging_config(debug=DEBUG, on_lambda=bool(env_str("AWS_LAMBDA_FUNCTION_NAME", "")))
