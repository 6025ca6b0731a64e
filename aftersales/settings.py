"""Settings, read from the environment with defaults that work on the project's machines.

Environment: DATABASE_URL, REDIS_URL, CACHE_KEY_PREFIX, SECRET_KEY, DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS,
SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE, LOG_LEVEL; for more than one
machine DATABASE_REPLICA_URL, CELERY_BROKER_URL (a Redis of its own for the queues), STORAGE_BACKEND and AWS_*.
"""

import datetime as dt
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from aftersales.storage import storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env(
    "SECRET_KEY",
    default="django-insecure-dev-only-key-set-SECRET_KEY-in-production-0123456789",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "aftersales",
    "network",
    "repairs",
    "warranty",
    "inventory",
    "remedies",
    "inspections",
    "care",
    "quality",
    "grading",
    "screening",
    "settlement",
    "insight",
    "office",
    "portal",
    "integrations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aftersales.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "aftersales.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A writing request's view runs in one transaction (nothing half-saved when it fails).
    "aftersales.middleware.AtomicWritesMiddleware",
    # After a write, the writer reads the primary for a few seconds (only when a read replica is configured).
    "aftersales.dbrouting.ReplicaPinMiddleware",
    # Last, as django-axes asks: answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username + address before the password
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"
ASGI_APPLICATION = "aftersales.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.roles.roles_context",
                "care.context.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/aftersales"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The API key look-up is a prepared statement of each database session (integrations/services.py). Behind a
# pooler in transaction mode (PgBouncer) sessions are shared between clients: set DATABASE_PREPARED_STATEMENTS=0.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
# No JIT compilation of queries: the planner's estimates grow with the tables until a page's query crosses
# jit_above_cost and spends 10 ms to a second compiling (bench/curves.py at 10 M work orders: the serial
# look-up 78 → 22 ms, the supervisor's page about 340 ms less).
_default_options = DATABASES["default"].setdefault("OPTIONS", {})
_default_options["options"] = f"{_default_options.get('options', '')} -c jit=off".strip()
# A read replica of the primary (streaming replication), when DATABASE_REPLICA_URL names one: the reports,
# dashboards, exports and the API's lists read from it; writes and everything else stay on the primary
# (aftersales.dbrouting says what moves and when). Its sessions are read-only, so a write sent there by
# mistake fails instead of diverging; tests use the test database in its place (MIRROR), never create one.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    _options = DATABASES["replica"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c default_transaction_read_only=on".strip()
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["aftersales.dbrouting.ReplicaRouter"]
# After a write, the writer's reads stay on the primary this long (the replica's lag, with a margin).
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=15)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Every key this installation writes to Redis starts with this prefix: the cache, the API's rate-limit
# counters, beat's heartbeat, Celery's queues and results. Two installations sharing one Redis database
# then never read each other's counters or take each other's tasks. Defaults to the database's name;
# set CACHE_KEY_PREFIX when two installations use databases of the same name on different servers.
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default=DATABASES["default"]["NAME"] or "aftersales")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Logins that cannot be brute-forced (django-axes): a username is locked on the address it is tried from
# after AXES_FAILURE_LIMIT wrong passwords, for AXES_COOLOFF_MINUTES; the same user elsewhere is not. A
# manager unlocks in the admin (Axes › access attempts: delete). API keys are not logins (rate-limited).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aftersales.views.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "aftersales.views.client_address"
AXES_VERBOSE = False  # no banner at start-up; attempts and lockouts are kept in the database
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Chinese first, English second. Month and day boundaries are Chinese ones.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# A list's filter left empty shows every row: say so, instead of django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Uploaded files (photos, signatures) and built exports: private, served only through views that check scope,
# never from a media URL. On the local disk (MEDIA_ROOT, var/exports) unless STORAGE_BACKEND=s3 or
# AWS_STORAGE_BUCKET_NAME names an S3-compatible bucket (AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, AWS_S3_REGION_NAME): see aftersales/storage.py.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# A photo is kept at most this many pixels on its longest side, its metadata dropped (aftersales/images.py).
PHOTO_MAX_SIDE = env.int("PHOTO_MAX_SIDE", default=1600)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    **storages_from_env(env.ENVIRON),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. Production values come from the environment; the defaults follow DEBUG so that
# `manage.py check --deploy` is clean for DEBUG=0 and local http works for DEBUG=1.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Celery: Redis as broker and result store. The beat schedule is in aftersales/celery.py.
# The queues may live on a Redis of their own (the cache's stays REDIS_URL) once the two compete for memory.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, a task whose worker died is handed out again once this many seconds have passed since it
# was delivered (Redis has no other way to tell). The tasks are short and idempotent, so 15 minutes.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
    # Queues, their bookkeeping and the workers' control channel under this installation's prefix.
    "global_keyprefix": f"{CACHE_KEY_PREFIX}:",
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": f"{CACHE_KEY_PREFIX}:"}
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# A worker process that grew past this (kilobytes) is replaced after its task: rendering a long settlement
# statement takes about 0.16 MB a line, which Python keeps once it has it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
# Statements longer than this are rendered by a worker (about 5 ms a line), not in the web request.
SETTLEMENT_PDF_INLINE_LINES = env.int("SETTLEMENT_PDF_INLINE_LINES", default=800)
# Periodic inspections (巡检): the daily job makes each visit a work order this many days before it is due.
INSPECTIONS_DAYS_AHEAD = env.int("INSPECTIONS_DAYS_AHEAD", default=14)

REST_FRAMEWORK = {
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials answers 401 with WWW-Authenticate: Api-Key.
        "integrations.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        # Both API_THROTTLE_RATES (burst, sustained) in one Redis round trip.
        "integrations.throttling.KeyRateThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON, byte for byte, written by orjson (aftersales/api/renderers.py); then the browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "aftersales.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "aftersales.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "aftersales.api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Behind the TLS proxy (see SECURE_PROXY_SSL_HEADER) set NUM_PROXIES=1, so that the anonymous rate limit
    # counts the caller's address from X-Forwarded-For, not the proxy's.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=None),
}
SPECTACULAR_SETTINGS = {
    # Chinese first, the English after it (Swagger UI and Redoc show both; the pages say lang="zh-Hans").
    "TITLE": "售后服务接口 · After-sales API",
    "DESCRIPTION": (
        "经销商系统与内部工具使用：产品档案、三包、叫修、派工单。（English below.）\n\n"
        "**认证。** 经销商系统发送 `Authorization: Api-Key <密钥>`（一个密钥只代表它所属的经销商）；"
        "内部用户使用登录会话。未带凭据：401。\n\n"
        '**错误。** 所有 4xx 应答均为 `{"code", "message", "errors": {字段: [消息]}}`；'
        "消息为中文，请求带 `Accept-Language: en` 时为英文。他方的对象应答 404。\n\n"
        "**限流。** 每个密钥（会话则每个用户）有突发与持续两档速率；超出任一档：429，"
        "并带 `Retry-After`（秒）。\n\n"
        "**幂等。** POST /units/、/repair-calls/、/remedy-requests/ 与 /doa-checks/ 接受 `Idempotency-Key` 请求头：相同键、相同请求体的重试"
        "返回首次的应答（`Idempotent-Replayed: true`）；相同键、不同请求体应答 422；首次请求仍在处理时"
        "应答 409。键保留 24 小时。\n\n"
        "**Webhook 通知。** 经销商登记一个 HTTPS 地址（POST /webhooks/；签名密钥只显示一次）。"
        "其售出产品的 repair_call.created、work_order.created 与 work_order.status_changed 事件以 JSON "
        "POST 发送，并带 `X-Aftersales-Signature: t=<Unix 秒>,v1=<十六进制>`，其中 v1 = "
        "HMAC-SHA256(密钥, `<t>.<原始请求体>`)。请以恒定时间比较校验签名，并拒绝过旧的 t。非 2xx 应答按"
        "指数退避重试；GET /webhook-deliveries/ 列出每次投递的尝试次数、最后状态码与应答摘录；"
        "POST /webhook-deliveries/{id}/replay/ 重新发送该事件。\n\n"
        "---\n\n"
        '<div lang="en">\n\n'
        "Dealers and internal tools: product units, 三包 warranty, repair calls, work orders.\n\n"
        "**Authentication.** Dealers' systems send `Authorization: Api-Key <key>` (a key acts for its dealer "
        "only); internal users use their session. Without credentials: 401.\n\n"
        '**Errors.** Every 4xx answer is `{"code", "message", "errors": {field: [messages]}}`; '
        "messages are Chinese unless `Accept-Language: en`. Another party's object answers 404.\n\n"
        "**Rate limits.** Per key (per user for sessions) a burst and a sustained rate; over either: 429 with "
        "`Retry-After` (seconds).\n\n"
        "**Idempotency.** POST /units/, /repair-calls/, /remedy-requests/ and /doa-checks/ take an `Idempotency-Key` header: a retry with the "
        "same key and body returns the first answer (`Idempotent-Replayed: true`); the same key with another "
        "body answers 422; while the first is still running, 409. Keys are kept 24 hours.\n\n"
        "**Webhooks.** A dealer registers an HTTPS URL (POST /webhooks/; the signing secret is shown once). "
        "Events repair_call.created, work_order.created and work_order.status_changed for the units it sold "
        "are POSTed as JSON with `X-Aftersales-Signature: t=<unix seconds>,v1=<hex>` where v1 = "
        "HMAC-SHA256(secret, `<t>.<raw body>`). Verify it in constant time and refuse an old t. Non-2xx "
        "answers are retried with exponential backoff; GET /webhook-deliveries/ lists each delivery's "
        "attempts, last status code and response excerpt; POST /webhook-deliveries/{id}/replay/ sends the "
        "event again.\n\n"
        "</div>"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: Swagger UI draws each operation's path as a link inside the button that opens it, a
    # control inside a control that keyboards and screen readers cannot use (WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RemedyEnum": "warranty.choices.Remedy",
        "LiableEnum": "warranty.choices.Liable",
        "WorkOrderStatusEnum": "repairs.choices.WorkOrderStatus",
        "SettlementStatusEnum": "network.choices.SettlementStatus",
        "DeliveryStatusEnum": "integrations.models.DeliveryStatus",
        "CenterLevelEnum": "network.choices.CenterLevel",
        "RemedyKindEnum": "remedies.choices.RemedyKind",
        "RemedyStatusEnum": "remedies.choices.RemedyStatus",
        "RemedyBasisEnum": "remedies.choices.Basis",
        "PayerEnum": "remedies.choices.Payer",
        "RefundMethodEnum": "remedies.choices.RefundMethod",
        "DoaStatusEnum": "remedies.choices.DoaStatus",
        "ContractStatusEnum": "warranty.choices.ContractStatus",
        "ContractCoverEnum": "warranty.choices.ContractCover",
    },
}

# API rate limits per key (per user for sessions): DRF rate strings "N/s|m|h|d".
API_THROTTLE_RATES = {
    "burst": env("API_THROTTLE_BURST", default="120/min"),
    "sustained": env("API_THROTTLE_SUSTAINED", default="20000/day"),
}
# Off only where nothing but tests and fuzzing (schemathesis) call the API: API_THROTTLE_ENABLED=0.
API_THROTTLE_ENABLED = env.bool("API_THROTTLE_ENABLED", default=True)
# Webhooks to dealers: HTTPS only (HTTP only for local tests), a timeout per attempt, retries with
# exponential backoff (base, 2×, 4× … seconds) up to WEBHOOK_MAX_ATTEMPTS attempts in all.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
# Webhook hosts must resolve to public addresses only (no loopback, private, link-local): no requests into
# our own network on a dealer's behalf. Only local tests turn this off.
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_MAX_ENDPOINTS = env.int("WEBHOOK_MAX_ENDPOINTS", default=5)  # active endpoints per dealer
# Idempotency-Key records of POSTs are kept this long.
IDEMPOTENCY_TTL_HOURS = env.int("IDEMPOTENCY_TTL_HOURS", default=24)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Text messages to customers (the confirmation code of a visit): aftersales.sms, backends like email's.
# Printing them is for development only: outside DEBUG an unset SMS_BACKEND fails the system checks
# (aftersales.checks). Production: aftersales.sms.backends.http.SmsBackend with SMS_HTTP_URL (the gateway)
# and SMS_HTTP_TOKEN, or a provider's own backend class.
SMS_BACKEND = env("SMS_BACKEND", default="aftersales.sms.backends.console.SmsBackend" if DEBUG else "")
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms")))
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT_SECONDS = env.float("SMS_HTTP_TIMEOUT_SECONDS", default=10.0)
# The largest photo a tablet may upload (they are shrunk on the device first) and how many per closing.
WORK_ORDER_PHOTO_MAX_BYTES = env.int("WORK_ORDER_PHOTO_MAX_BYTES", default=5 * 1024 * 1024)
WORK_ORDER_PHOTOS_MAX = 12
# Links in notification emails start here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Callbacks (回访): after a closing, the centre's next working day an hour after it opens; a no-answer is
# tried again 2 hours later, at most 3 attempts, then the customer is recorded as unreachable.
CARE_CALLBACK_AFTER_DAYS = env.int("CARE_CALLBACK_AFTER_DAYS", default=1)
CARE_CALLBACK_AFTER_OPENING_MINUTES = env.int("CARE_CALLBACK_AFTER_OPENING_MINUTES", default=60)
CARE_CALLBACK_RETRY_MINUTES = env.int("CARE_CALLBACK_RETRY_MINUTES", default=120)
CARE_CALLBACK_MAX_ATTEMPTS = env.int("CARE_CALLBACK_MAX_ATTEMPTS", default=3)
# A notification email the mail server refused is tried again after this many seconds (then doubling).
CARE_EMAIL_RETRY_SECONDS = env.int("CARE_EMAIL_RETRY_SECONDS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-axes logs four lines at INFO for every login; repeated failures and lockouts are warnings.
        "axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")},
        # WeasyPrint reports each step of every PDF at INFO ("Step 2 - Fetching and parsing CSS", on every
        # manage.py command once the templates' CSS is loaded) and fontTools each font it subsets: only
        # their warnings and errors are worth reading.
        "weasyprint": {"level": env("WEASYPRINT_LOG_LEVEL", default="WARNING")},
        "fontTools": {"level": "WARNING"},
    },
}

# How long /healthz waits for a Celery worker to answer a ping, in seconds.
HEALTH_CELERY_TIMEOUT = env.float("HEALTH_CELERY_TIMEOUT", default=1.0)

UI_NAME = _("After-sales service")

# The paying company's legal name as the statements print it (月度结算单: 付款单位); set it in production.
PAYER_LEGAL_NAME = env("PAYER_LEGAL_NAME", default="示例电器股份有限公司")
