"""Settings, all read from the environment.

Embedded mode (the default): SQLite in WAL mode and a local file store, both under
LAWTRAIL_DATA_DIR. Scale-out: DATABASE_URL points at PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# "production" switches on HTTPS-only cookies, HSTS and the refusal of an insecure key.
LAWTRAIL_ENV = env_str("LAWTRAIL_ENV", "embedded")
PRODUCTION = LAWTRAIL_ENV == "production"

DATA_DIR = Path(env_str("LAWTRAIL_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env_str("LAWTRAIL_SECRET_KEY")
    if PRODUCTION:
        # A guessable key lets anyone forge sessions and password-reset links: refuse to start.
        if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure"):
            raise ImproperlyConfigured(
                "生产模式必须设置安全的 LAWTRAIL_SECRET_KEY(至少 50 个字符、随机生成)。"
            )
        return key
    if key:
        return key
    # Embedded mode: a random key kept in the data directory, so sessions survive restarts
    # and no two installations share a key.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("LAWTRAIL_DEBUG", False)
ALLOWED_HOSTS = [h for h in env_str("LAWTRAIL_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env_str("LAWTRAIL_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Installed so /api/docs serves Swagger UI from the package, not from a CDN.
    "ninja",
    "lawtrail.accounts",
    "lawtrail.events",
    "lawtrail.notices",
    "lawtrail.profiles",
    "lawtrail.cases",
    "lawtrail.web",
    "lawtrail.ledger",
    "lawtrail.documents",
    "lawtrail.evidence",
    "lawtrail.retention",
    "lawtrail.archive",
    "lawtrail.access",
    "lawtrail.devices",
    "lawtrail.registers",
    "lawtrail.accountability",
    "lawtrail.compliance",
    "lawtrail.search",
    "lawtrail.dashboards",
    "lawtrail.review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lawtrail.events.middleware.RequestContextMiddleware",
    "lawtrail.web.faults.StorageFaultMiddleware",
    "lawtrail.web.limits.ExpensiveRequestLimit",
]

ROOT_URLCONF = "lawtrail.urls"
WSGI_APPLICATION = "lawtrail.wsgi.application"

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
                "lawtrail.web.context.lawtrail_context",
                "lawtrail.web.context.inbox_badge",
                "lawtrail.notices.views.unread_notices",
                "lawtrail.compliance.views.nav",
                "lawtrail.dashboards.views.nav",
            ],
        },
    }
]

_default_db = f"sqlite:///{DATA_DIR / 'lawtrail.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
        # BEGIN, so two writers queue instead of failing half-way with "database is locked".
        # synchronous=FULL: a committed action (and its ledger entry) survives a power cut;
        # NORMAL would be faster but could take back the last commits of a legal record.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: the planner's cost for a page's query over 100,000 cases passes jit_above_cost, and
    # compiling took 340 of the 400 ms of a search's 20,000-document window (the read itself:
    # 47 ms). The pages ask short queries; none runs long enough to repay a compilation.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttle: this many failures for one user name within the window lock it out; this many
# from one client address (over any user names: guessing across accounts) lock that address out
# (0: no limit per address). Behind a reverse proxy, set LAWTRAIL_TRUSTED_PROXY so the address
# is the client's, not the proxy's.
LOGIN_FAILURE_LIMIT = env_int("LAWTRAIL_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_IP_LIMIT = env_int("LAWTRAIL_LOGIN_FAILURE_IP_LIMIT", 30)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LAWTRAIL_LOGIN_FAILURE_WINDOW", 15 * 60)

# `lawtrail serve` behind a reverse proxy: the proxy's address ("*" for any) and how many proxies
# stand in front. Waitress then takes the client's address from X-Forwarded-For (and the scheme
# from X-Forwarded-Proto), so every event records where the request really came from; without it
# those headers are ignored (a client could write anything in them).
TRUSTED_PROXY = env_str("LAWTRAIL_TRUSTED_PROXY")
TRUSTED_PROXY_COUNT = env_int("LAWTRAIL_TRUSTED_PROXY_COUNT", 1)

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the package directly (no collectstatic step needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Sessions end after a working day, or when the browser closes.
SESSION_COOKIE_AGE = env_int("LAWTRAIL_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("LAWTRAIL_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("LAWTRAIL_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The regulation profiles shipped with LawTrail; an agency may add its own directory.
PROFILE_DIRS = [BASE_DIR / "profiles" / "data"] + [
    Path(p) for p in env_str("LAWTRAIL_PROFILE_DIRS").split(os.pathsep) if p
]

# 执法文书: a YAML font map putting an agency's licensed faces (方正小标宋, 仿宋_GB2312) before
# the free Noto CJK ones; see lawtrail/documents/fonts.py.
DOCUMENT_FONTS = env_str("LAWTRAIL_DOCUMENT_FONTS")

# ---------------------------------------------------------------- evidence vault (lawtrail/storage.py)


def _object_store(prefix: str, local_dir: str) -> dict[str, str]:
    """A store's settings: an S3-compatible bucket when `<prefix>S3_BUCKET` is set, else a local directory."""
    return {
        "dir": local_dir,
        "s3_bucket": env_str(f"{prefix}S3_BUCKET"),
        "s3_endpoint_url": env_str(f"{prefix}S3_ENDPOINT_URL"),
        "s3_access_key": env_str(f"{prefix}S3_ACCESS_KEY"),
        "s3_secret_key": env_str(f"{prefix}S3_SECRET_KEY"),
        "s3_region": env_str(f"{prefix}S3_REGION", "us-east-1"),
        "s3_prefix": env_str(f"{prefix}S3_PREFIX"),
    }


# Originals live here, content-addressed; the replica is the off-site copy (定期进行异地备份).
EVIDENCE_STORE = _object_store("LAWTRAIL_", env_str("LAWTRAIL_STORE_DIR", str(DATA_DIR / "store")))
EVIDENCE_REPLICA = _object_store("LAWTRAIL_REPLICA_", env_str("LAWTRAIL_REPLICA_DIR"))
# Partial uploads and ingest temp files when the store is not a local directory.
EVIDENCE_STAGING_DIR = Path(env_str("LAWTRAIL_STAGING_DIR", str(DATA_DIR / "staging")))
# Matching tolerances (technical, not regulatory): how far outside a case act's time window
# footage may lie and still be proposed, the pause between clips of one device that counts as
# an interruption, and the pause after which clips belong to different activities.
EVIDENCE_LINK_MARGIN_MINUTES = env_int("LAWTRAIL_EVIDENCE_LINK_MARGIN_MINUTES", 30)
EVIDENCE_GAP_TOLERANCE_SECONDS = env_int("LAWTRAIL_EVIDENCE_GAP_TOLERANCE_SECONDS", 5)
EVIDENCE_ACTIVITY_BREAK_MINUTES = env_int("LAWTRAIL_EVIDENCE_ACTIVITY_BREAK_MINUTES", 30)
# A body-cam's file-naming convention, as a regular expression with optional named groups
# `device`, `officer` (执法证号) and `start` (YYYYMMDDhhmmss, device clock, Beijing time).
EVIDENCE_NAME_PATTERN = env_str("LAWTRAIL_EVIDENCE_NAME_PATTERN")
# The zone a photo's EXIF time is read in when the camera wrote no offset (OffsetTimeOriginal).
EVIDENCE_PHOTO_TIMEZONE = env_str("LAWTRAIL_EVIDENCE_PHOTO_TIMEZONE", "Asia/Shanghai")
# The browser's resumable upload sends the file in chunks of this size.
EVIDENCE_UPLOAD_CHUNK_BYTES = env_int("LAWTRAIL_EVIDENCE_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024)

# Background jobs (Huey): a SQLite queue in the data dir when embedded, Redis at scale.
# huey.contrib.djhuey is not an installed app: `lawtrail worker` imports the jobs and runs its
# consumer itself, so no other command loads huey, Redis' client or PyAV just to start.
_redis_url = env_str("LAWTRAIL_REDIS_URL")
HUEY: dict[str, object] = {
    "huey_class": "huey.RedisHuey" if _redis_url else "huey.SqliteHuey",
    "name": "lawtrail",
    "immediate": env_bool("LAWTRAIL_HUEY_IMMEDIATE", False),
    "consumer": {"workers": env_int("LAWTRAIL_WORKERS", 2), "worker_type": "thread"},
}
if _redis_url:
    HUEY["connection"] = {"url": _redis_url}
else:
    HUEY["filename"] = str(DATA_DIR / "huey.sqlite3")

# 合规检查的存储 (lawtrail.compliance.store): each committed event of a case queues a refresh of its
# stored findings and deadlines, after this many seconds (a burst of actions is checked once).
COMPLIANCE_INCREMENTAL = env_bool("LAWTRAIL_COMPLIANCE_INCREMENTAL", True)
COMPLIANCE_REFRESH_DELAY_SECONDS = env_int("LAWTRAIL_COMPLIANCE_REFRESH_DELAY_SECONDS", 5)
# 通知 (lawtrail.notices): besides the in-app notice, send each by e-mail (Django's EMAIL_* settings:
# LAWTRAIL_EMAIL_HOST, _PORT, _USER, _PASSWORD, _FROM) to the person's address, and/or POST it as
# JSON to a webhook (an SMS gateway, a chat bot). Both off unless set.
NOTIFY_EMAIL = env_bool("LAWTRAIL_NOTIFY_EMAIL", False)
NOTIFY_WEBHOOK = env_str("LAWTRAIL_NOTIFY_WEBHOOK")
EMAIL_HOST = env_str("LAWTRAIL_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("LAWTRAIL_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("LAWTRAIL_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("LAWTRAIL_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("LAWTRAIL_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("LAWTRAIL_EMAIL_FROM", "lawtrail@localhost")

# 防篡改账本: the agency's Ed25519 signing key lives outside the database, so whoever edits the
# database cannot sign a rewritten history. Embedded: a file in the data dir, made on first use;
# at scale: a mounted secret (never created by LawTrail; see `lawtrail ledger keygen`).
LEDGER_KEY_FILE = Path(env_str("LAWTRAIL_LEDGER_KEY_FILE") or DATA_DIR / "ledger-signing.key")
LEDGER_KEY_GENERATE = not env_str("LAWTRAIL_LEDGER_KEY_FILE")
# The ledger's name in its signed tree heads (default: the first agency's name).
LEDGER_ORIGIN = env_str("LAWTRAIL_LEDGER_ORIGIN")
# `lawtrail worker` signs a tree head when the ledger grew and any of these is due (checked every
# minute): this many minutes since the last one (0: never by time), this many entries since the
# last one (0: never by count), or a case was closed since the last one (LEDGER_CHECKPOINT_ON_CLOSE).
# The window of loss a database rollback can hide is what the newest tree head does not cover.
LEDGER_CHECKPOINT_MINUTES = env_int("LAWTRAIL_LEDGER_CHECKPOINT_MINUTES", 10)
LEDGER_CHECKPOINT_ENTRIES = env_int("LAWTRAIL_LEDGER_CHECKPOINT_ENTRIES", 1000)
LEDGER_CHECKPOINT_ON_CLOSE = env_bool("LAWTRAIL_LEDGER_CHECKPOINT_ON_CLOSE", True)
# Every signed tree head is also written here as a file (one JSON each), for an operator to ship to
# a witness; `lawtrail verify` reads the newest one it finds here, so a database restored to an
# older state (a lost WAL, an old backup) is reported. Empty: no export.
LEDGER_CHECKPOINT_DIR = env_str("LAWTRAIL_LEDGER_CHECKPOINT_DIR", str(DATA_DIR / "checkpoints"))

# Bounded work (lawtrail/lib/limits.py): PDFs drawn at once per server process (each holds its
# layout in memory), how long a request waits for a slot, and how many expensive exports (batch
# print, case-file PDF, archive package, case bundle, watermarked copies) one user may start per
# window, per kind (0: no limit).
RENDER_CONCURRENCY = env_int("LAWTRAIL_RENDER_CONCURRENCY", 2)
RENDER_WAIT_SECONDS = env_int("LAWTRAIL_RENDER_WAIT_SECONDS", 60)
RATE_LIMIT_EXPENSIVE = env_int("LAWTRAIL_RATE_LIMIT_EXPENSIVE", 10)
RATE_LIMIT_WINDOW = env_int("LAWTRAIL_RATE_LIMIT_WINDOW", 60)
# A batch print of more documents than this is bound by the worker and fetched through a link.
BATCH_PRINT_INLINE_DOCUMENTS = env_int("LAWTRAIL_BATCH_PRINT_INLINE_DOCUMENTS", 30)
# The rate limit counts in the cache, which every server process must share: the database (a
# table made by the web app's migration), or Redis when the background jobs use it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
          if _redis_url else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "lawtrail_cache"}}

# `lawtrail worker` backs the database up into the replica every this many hours (0: never by the
# worker; `lawtrail backup` by hand or cron). The recovery point is at most this far back, or less
# for what the signed tree heads shipped every minute name (docs/backup.md).
BACKUP_HOURS = env_int("LAWTRAIL_BACKUP_HOURS", 6)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"stamped": {"format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s"}},
    "filters": {"client_errors_brief": {"()": "lawtrail.lib.logfilters.ClientErrorsBrief"}},
    "handlers": {"console": {"class": "logging.StreamHandler"},
                 "stamped": {"class": "logging.StreamHandler", "formatter": "stamped"}},
    "root": {"handlers": ["console"], "level": env_str("LAWTRAIL_LOG_LEVEL", "WARNING")},
    # The worker's own account of its jobs, once (the consumer adds a handler of its own to a
    # logger without one, and the root's would print each line a second time).
    "loggers": {"huey": {"handlers": ["stamped"], "level": "INFO", "propagate": False},
                # A 403 or 404 is one line (path and status), not a traceback.
                "django.request": {"filters": ["client_errors_brief"]}},
}
