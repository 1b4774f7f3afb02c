"""The settings module Django loads. Every value comes from the environment; see the README's table.

The services underneath and logging are blocks of their own in ocg/settings_parts/, imported where they stood.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ocg.identity.jwtconfig import simple_jwt_settings
from ocg.settings_parts.paths import BASE_DIR, VAR_DIR
from ocg.spine.env import env, env_bool, env_float, env_int, env_list

DEBUG = env_bool("DEBUG")

# A key that is only good for local development: refused unless DEBUG is on.
INSECURE_DEVELOPMENT_KEY = "insecure-development-key-never-use-in-production"
SECRET_KEY = env("SECRET_KEY") or (INSECURE_DEVELOPMENT_KEY if DEBUG else None)
if not DEBUG and (not SECRET_KEY or SECRET_KEY == INSECURE_DEVELOPMENT_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, "
        "or set DEBUG=1 for local development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set. List the host names this deployment answers to.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "channels",
    "graphene_django",
    "ninja",  # Swagger UI from its own static files rather than a CDN
    "social_django",
    "django_celery_beat",
    "ocg.spine",
    "ocg.identity",
    "ocg.catalog",
    "ocg.orders",
    "ocg.negotiation",
    "ocg.payments",
    "ocg.backoffice",
]

MIDDLEWARE = [
    "ocg.spine.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "ocg.spine.gateway.ApiEdgeMiddleware",
    "ocg.spine.ratelimit.ClientRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ocg.identity.authentication.TokenAuthenticationMiddleware",
    "ocg.spine.csrf.ApiCsrfMiddleware",
    "ocg.spine.ratelimit.UserRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ocg.identity.social.SocialLoginErrorMiddleware",
]

# A benchmark's server adds its baseline views with a URL configuration of its own (ocg/catalog/bench/urls.py).
ROOT_URLCONF = env("ROOT_URLCONF", "ocg.urls")
ASGI_APPLICATION = "ocg.asgi.application"
WSGI_APPLICATION = "ocg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Overrides of third-party templates (GraphiQL from our static files) come first.
        "DIRS": [BASE_DIR / "ocg" / "templates"],
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

# The services underneath: database, event store (with its projections and process managers), Kafka, Redis,
# Celery's broker (ocg/settings_parts/infrastructure.py).
from ocg.settings_parts.infrastructure import *  # noqa: E402, F403

# Orders: how long a confirmed order holds its stock unpaid, and how many lines one order may have.
ORDER_PAYMENT_WINDOW_SECONDS = env_int("ORDER_PAYMENT_WINDOW_SECONDS", 30 * 60)
ORDER_MAX_LINES = env_int("ORDER_MAX_LINES", 50)
# Negotiation: how many proposals one order's negotiation allows, and how long a proposal stays open.
NEGOTIATION_MAX_ROUNDS = env_int("NEGOTIATION_MAX_ROUNDS", 10)
NEGOTIATION_PROPOSAL_HOURS = env_int("NEGOTIATION_PROPOSAL_HOURS", 48)

# Timed jobs. Celery beat runs them in production; `manage.py serve` without Redis runs them in a thread.
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-orders": {
        "task": "ocg.orders.tasks.expire_unpaid_orders",
        "schedule": float(env_int("ORDER_EXPIRY_CHECK_SECONDS", 60)),
    },
}

# Open proposals past their time are recorded as expired every NEGOTIATION_EXPIRY_CHECK_SECONDS.
CELERY_BEAT_SCHEDULE["negotiation.expire_proposals"] = {
    "task": "ocg.negotiation.tasks.expire_proposals",
    "schedule": float(env_int("NEGOTIATION_EXPIRY_CHECK_SECONDS", 60)),
}

# Chat (ocg/negotiation/chat): message size, history sent on connect, how often a socket's token is checked again
# (revocation and expiry close it within this plus a round trip), the quiet period between two "new message"
# mails to an offline party, and how long after an order is completed or cancelled its chat is deleted.
CHAT_MESSAGE_MAX_CHARS = env_int("CHAT_MESSAGE_MAX_CHARS", 2000)
CHAT_HISTORY_SIZE = env_int("CHAT_HISTORY_SIZE", 50)
CHAT_AUTH_CHECK_SECONDS = env_float("CHAT_AUTH_CHECK_SECONDS", 2.0)
CHAT_OFFLINE_EMAIL_EVERY_SECONDS = env_int("CHAT_OFFLINE_EMAIL_EVERY_SECONDS", 15 * 60)
CHAT_RETENTION_HOURS = env_float("CHAT_RETENTION_HOURS", 48.0)
CELERY_BEAT_SCHEDULE["negotiation.expire_chats"] = {
    "task": "ocg.negotiation.chat.tasks.expire_chats",
    "schedule": float(env_int("CHAT_EXPIRY_CHECK_SECONDS", 300)),
}

# Idempotency keys (ocg/spine/idempotency.py): answers are kept at least TTL (clients may retry for a day); a
# request still in flight after IN_FLIGHT_TIMEOUT is presumed dead and its key may be taken over, so the
# timeout must exceed the slowest write; the purge runs every PURGE_EVERY.
IDEMPOTENCY = {
    "TTL_SECONDS": env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600),
    "IN_FLIGHT_TIMEOUT_SECONDS": env_float("IDEMPOTENCY_IN_FLIGHT_TIMEOUT_SECONDS", 120.0),
    "PURGE_EVERY_SECONDS": env_int("IDEMPOTENCY_PURGE_EVERY_SECONDS", 3600),
}
if IDEMPOTENCY["TTL_SECONDS"] < 24 * 3600:
    raise ImproperlyConfigured("IDEMPOTENCY_KEY_TTL_SECONDS must be at least 86400: clients may retry for a day.")

# Periodic jobs; django-celery-beat's DatabaseScheduler copies these into its tables when beat starts.
CELERY_BEAT_SCHEDULE |= {
    "spine.purge_idempotency_keys": {
        "task": "ocg.spine.tasks.purge_idempotency_keys",
        "schedule": float(IDEMPOTENCY["PURGE_EVERY_SECONDS"]),
    },
}

AUTH_USER_MODEL = "identity.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "social_core.backends.google.GoogleOAuth2",
    "social_core.backends.github.GithubOAuth2",
    "social_core.backends.keycloak.KeycloakOAuth2",
    # Django's email and password check behind the per-account sign-in throttle.
    "ocg.identity.sign_in.ThrottledModelBackend",
]

# Tokens (JWT): HS256 with JWT_SIGNING_KEY (default SECRET_KEY), or RS256 when JWT_PRIVATE_KEY is set.
JWT = {
    "ACCESS_TTL_SECONDS": env_int("JWT_ACCESS_TTL_SECONDS", 5 * 60),
    "REFRESH_TTL_SECONDS": env_int("JWT_REFRESH_TTL_SECONDS", 14 * 24 * 3600),
    "ISSUER": env("JWT_ISSUER", "ocg-webstore"),
    "AUDIENCE": env("JWT_AUDIENCE", "ocg-storefront"),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY),
    "PRIVATE_KEY": env("JWT_PRIVATE_KEY"),
    "KEY_ID": env("JWT_KEY_ID", "ocg-1"),
}
# simplejwt's own settings, derived from JWT above (RS256 verifies with the private key's public half).
SIMPLE_JWT = simple_jwt_settings(JWT)

# Social login (social-auth-app-django); a provider without keys is simply not offered.
SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = env("GOOGLE_OAUTH2_KEY")
SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = env("GOOGLE_OAUTH2_SECRET")
SOCIAL_AUTH_GITHUB_KEY = env("GITHUB_OAUTH_KEY")
SOCIAL_AUTH_GITHUB_SECRET = env("GITHUB_OAUTH_SECRET")
SOCIAL_AUTH_KEYCLOAK_KEY = env("KEYCLOAK_CLIENT_ID")
SOCIAL_AUTH_KEYCLOAK_SECRET = env("KEYCLOAK_CLIENT_SECRET")
SOCIAL_AUTH_KEYCLOAK_PUBLIC_KEY = env("KEYCLOAK_PUBLIC_KEY")
SOCIAL_AUTH_KEYCLOAK_AUTHORIZATION_URL = env("KEYCLOAK_AUTHORIZATION_URL")
SOCIAL_AUTH_KEYCLOAK_ACCESS_TOKEN_URL = env("KEYCLOAK_ACCESS_TOKEN_URL")
SOCIAL_AUTH_USER_MODEL = "identity.User"
SOCIAL_AUTH_USERNAME_IS_FULL_EMAIL = True
# Sign-in by verified email only, ending in a one-time code for the storefront: see ocg/identity/social.py.
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "ocg.identity.social.require_verified_email",
    "social_core.pipeline.social_auth.social_user",
    "ocg.identity.social.link_or_create_user",
    "social_core.pipeline.social_auth.associate_user",
    "ocg.identity.social.sync_keycloak_staff",
    "ocg.identity.social.redirect_with_exchange_code",
)
# Provider ids that never change hands (Google's `sub`, Keycloak's `sub`), and GitHub's verified-email list.
SOCIAL_AUTH_GOOGLE_OAUTH2_USE_UNIQUE_USER_ID = True
SOCIAL_AUTH_KEYCLOAK_ID_KEY = "sub"
SOCIAL_AUTH_GITHUB_SCOPE = ["user:email"]
# Keycloak users hold staff rights only with this realm role, client role or group.
KEYCLOAK_ADMIN_ROLE = env("KEYCLOAK_ADMIN_ROLE", "ocg-admin")
# Where the storefront receives the one-time code after a social login (never tokens in a URL).
STOREFRONT_URL = env("STOREFRONT_URL", "http://localhost:3000")
SOCIAL_AUTH_LOGIN_ERROR_URL = f"{STOREFRONT_URL}/login/callback?error=provider_error"
SOCIAL_EXCHANGE_CODE_TTL_SECONDS = 60
# Passwordless sign-in: code and magic link lifetime, wrong tries before a code burns, requests per window.
PASSWORDLESS = {
    "TTL_SECONDS": env_int("PASSWORDLESS_TTL_SECONDS", 15 * 60),
    "MAX_ATTEMPTS": env_int("PASSWORDLESS_MAX_ATTEMPTS", 5),
    "REQUESTS_PER_EMAIL": (env_int("PASSWORDLESS_REQUESTS_PER_EMAIL_PER_HOUR", 5), 3600),
    "REQUESTS_PER_IP": (env_int("PASSWORDLESS_REQUESTS_PER_IP_PER_HOUR", 30), 3600),
}

# Stripe (PaymentIntents): the secret key, the webhook signing secret, the API's address (localstripe in tests and
# `make run`), each call's timeout and how old a webhook may be. Without a secret key Stripe is not offered; DEBUG's
# `manage.py serve` then starts localstripe and labels its payments demo (STRIPE_DEMO).
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")
STRIPE_TIMEOUT_SECONDS = env_float("STRIPE_TIMEOUT_SECONDS", 10.0)
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
STRIPE_DEMO = False
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY is set without STRIPE_WEBHOOK_SECRET: webhooks cannot be verified.")
# Refunds are due REFUND_SLA_DAYS after they are asked for (EU 2011/83/EU Art. 13: 14 days), at risk once
# REFUND_SLA_AT_RISK_FRACTION of that time is gone; approved refunds an outage held back are sent again every
# REFUND_SEND_EVERY_SECONDS.
REFUND_SLA_DAYS = env_int("REFUND_SLA_DAYS", 14)
REFUND_SLA_AT_RISK_FRACTION = env_float("REFUND_SLA_AT_RISK_FRACTION", 0.8)
CELERY_BEAT_SCHEDULE["payments.send_approved_refunds"] = {
    "task": "ocg.payments.tasks.send_approved_refunds",
    "schedule": float(env_int("REFUND_SEND_EVERY_SECONDS", 60)),
}
# Refund deadlines are checked every REFUND_SLA_CHECK_SECONDS: at-risk and breached are each signalled once.
CELERY_BEAT_SCHEDULE["payments.signal_refund_slas"] = {
    "task": "ocg.payments.sla.signal_refund_slas",
    "schedule": float(env_int("REFUND_SLA_CHECK_SECONDS", 300)),
}

# PayPal (Orders v2 REST): the app's credentials, the sandbox unless PAYPAL_API_BASE says otherwise, the webhook
# id PayPal verifies notifications against, the age a notification may have, and where the customer comes back to.
PAYPAL_CLIENT_ID = env("PAYPAL_CLIENT_ID")
PAYPAL_CLIENT_SECRET = env("PAYPAL_CLIENT_SECRET")
PAYPAL_API_BASE = env("PAYPAL_API_BASE", "https://api-m.sandbox.paypal.com")
PAYPAL_WEBHOOK_ID = env("PAYPAL_WEBHOOK_ID")
PAYPAL_WEBHOOK_TOLERANCE_SECONDS = env_int("PAYPAL_WEBHOOK_TOLERANCE_SECONDS", 300)
PAYPAL_TIMEOUT_SECONDS = env_float("PAYPAL_TIMEOUT_SECONDS", 10.0)
PAYPAL_RETURN_URL = env("PAYPAL_RETURN_URL", f"{STOREFRONT_URL}/checkout/paypal/return")
PAYPAL_CANCEL_URL = env("PAYPAL_CANCEL_URL", f"{STOREFRONT_URL}/checkout/paypal/cancel")
# Each provider's circuit breaker (state shared through Redis): it opens after FAILURES consecutive outages
# (timeouts, refused connections, 5xx; a refusal is no outage) and lets a trial call through after RESET_SECONDS.
PAYMENTS_BREAKER_FAILURES = env_int("PAYMENTS_BREAKER_FAILURES", 5)
PAYMENTS_BREAKER_RESET_SECONDS = env_int("PAYMENTS_BREAKER_RESET_SECONDS", 30)
# Reconciliation: payments still created/requires_action this long after their last step are asked about.
PAYMENTS_RECONCILE_AFTER_SECONDS = env_int("PAYMENTS_RECONCILE_AFTER_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE["payments.reconcile"] = {
    "task": "ocg.payments.tasks.reconcile_payments",
    "schedule": float(env_int("PAYMENTS_RECONCILE_EVERY_SECONDS", 5 * 60)),
}

# Email (magic links and codes): console in development, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "OCG WebStore <no-reply@ocg.example>")

# Gateway: the real client IP is taken from X-Forwarded-For only when the peer is a trusted proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", STOREFRONT_URL)
CORS_ALLOW_CREDENTIALS = False
# Only the API answers cross-origin; the storefront sends its token, a request id and idempotency keys, and may
# read back the request id, Retry-After and whether an answer was replayed.
CORS_URLS_REGEX = r"^/(graphql|api/)"
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-requested-with",
    "x-request-id",
    "idempotency-key",
]
CORS_EXPOSE_HEADERS = ["x-request-id", "retry-after", "idempotent-replayed"]
# Requests allowed per window, by scope; auth endpoints are stricter.
RATE_LIMITS = {
    "ip": (env_int("RATE_LIMIT_IP_PER_MINUTE", 600), 60),
    "user": (env_int("RATE_LIMIT_USER_PER_MINUTE", 600), 60),
    "auth": (env_int("RATE_LIMIT_AUTH_PER_MINUTE", 10), 60),
    # Chat messages per user, over all their sockets (ocg/negotiation/chat).
    "chat": (env_int("CHAT_MESSAGES_PER_MINUTE", 20), 60),
}
# Failed password sign-ins per account (any email, known or not): the first ones are free, then each further
# failure locks the account out for twice as long as the last, from FIRST to at most MAX seconds.
SIGN_IN_THROTTLE = {
    "FREE_FAILURES": env_int("SIGN_IN_FREE_FAILURES", 5),
    "FIRST_LOCK_SECONDS": env_float("SIGN_IN_FIRST_LOCK_SECONDS", 1.0),
    "MAX_LOCK_SECONDS": env_float("SIGN_IN_MAX_LOCK_SECONDS", 15 * 60.0),
    "FORGET_SECONDS": env_int("SIGN_IN_FORGET_FAILURES_SECONDS", 24 * 3600),
}
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_COST = env_int("GRAPHQL_MAX_COST", 5000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 1024 * 1024)
MAX_REQUEST_NESTING = env_int("MAX_REQUEST_NESTING", 64)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

GRAPHENE = {"SCHEMA": "ocg.schema.schema", "SCHEMA_OUTPUT": str(BASE_DIR / "ocg" / "schema.graphql")}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded media (product images): S3 through django-storages when a bucket is set, else files under
# MEDIA_ROOT served at /media/ (embedded mode). Clients upload directly with a ticket (spine/uploads.py).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL")
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME")
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY")
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 3600)
# botocore pre-signs with the deprecated SigV2 in us-east-1 unless told; buckets made since 2020 refuse it.
AWS_S3_SIGNATURE_VERSION = env("AWS_S3_SIGNATURE_VERSION", "s3v4")
AWS_S3_FILE_OVERWRITE = False
# A CDN or public bucket URL: image URLs are then plain `<base>/<key>` instead of pre-signed.
MEDIA_PUBLIC_BASE_URL = env("MEDIA_PUBLIC_BASE_URL")
UPLOAD_TICKET_SECONDS = env_int("UPLOAD_TICKET_SECONDS", 600)
CATALOG_IMAGE_MAX_BYTES = env_int("CATALOG_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
# How long a product page and a hot listing page may stay in the cache (they are never served stale).
CATALOG_DETAIL_CACHE_SECONDS = env_int("CATALOG_DETAIL_CACHE_SECONDS", 600)
CATALOG_LISTING_CACHE_SECONDS = env_int("CATALOG_LISTING_CACHE_SECONDS", 60)
# WhiteNoise serves /static/ from the app itself (admin assets); a CDN can sit in front in production.
STORAGES = {
    "default": (
        {"BACKEND": "storages.backends.s3.S3Storage"}
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS is only ever sent on HTTPS requests. Behind a TLS-terminating proxy Django must learn the scheme: uvicorn's
# --proxy-headers does it for FORWARDED_ALLOW_IPS; otherwise set SECURE_PROXY_SSL_HEADER=1, but only when the
# proxy always overwrites X-Forwarded-Proto (a client could send it too).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SECURE_PROXY_SSL_HEADER") else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG

# Logging, every line redacted (ocg/settings_parts/logging_config.py).
from ocg.settings_parts.logging_config import *  # noqa: E402, F403
