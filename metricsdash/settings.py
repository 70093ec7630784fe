"""metricsdash settings: one module, read from the environment.

Every variable is optional. The defaults serve the embedded demo: SQLite in WAL mode,
Celery on kombu's filesystem broker, mail written to files, and the X API sandbox
standing in for X whenever no X credentials are configured. `.env.example` lists every
variable with a comment; DESIGN.md section 3 is the contract.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A local .env is read if present; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_INSECURE_DEMO_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEMO_KEY)
if not DEBUG and SECRET_KEY == _INSECURE_DEMO_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "metricsdash.apps.MetricsdashAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",  # sign-in throttling; its admin lists and clears lockouts
    "accounts",
    "tweets",
    "dashboard",
    "reports",
    "notifications",
    "alerts",
    "sandbox",
    "metricsdash",  # the project's own commands (seed_demo)
]

MIDDLEWARE = [
    "metricsdash.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "metricsdash.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "metricsdash.urls"
WSGI_APPLICATION = "metricsdash.wsgi.application"

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
                "accounts.context_processors.x_mode",
                "accounts.context_processors.signup",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default; Postgres (or anything dj-database-url style)
# by DATABASE_URL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'metricsdash.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server read while the worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out username and IP before any password is checked.
# Then Django's password check, whose get_user reads the profile with the user (one query).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.ProfileBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Chart.js comes from the npm registry (package.json pins it); it is served from
# node_modules through staticfiles, never from a CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: EMAIL_URL (smtp://user:pass@host:port, smtp+tls://...), else files under var/.
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
    )
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="metricsdash <metricsdash@localhost>")

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off.
if not DEBUG:
    # No SECURE_PROXY_SSL_HEADER: gunicorn passes X-Forwarded-Proto on from any peer, and
    # sets the scheme from it only for --forwarded-allow-ips (the proxy); Django reads that.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The preload directive does nothing until the domain owner submits it to the list.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Celery: Redis in production; kombu's filesystem transport for the embedded demo.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without it kombu keeps its exchange table in ./control, wherever it was started.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

# Shared state for rate-limit budgets and locks: Redis when the broker is Redis.
REDIS_URL = env.str(
    "REDIS_URL",
    default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
)

# --- The X API sandbox (sandbox/) -------------------------------------------------------
# Its one registered app; the product's defaults below match these.
SANDBOX_CONSUMER_KEY = env.str("SANDBOX_CONSUMER_KEY", default="SandboxConsumerKey0000001")
SANDBOX_CONSUMER_SECRET = env.str(
    "SANDBOX_CONSUMER_SECRET", default="SandboxConsumerSecret-not-a-secret-0000000000000001"
)
SANDBOX_CLIENT_ID = env.str("SANDBOX_CLIENT_ID", default="U2FuZGJveENsaWVudElkOjE6Y2k")
SANDBOX_CLIENT_SECRET = env.str(
    "SANDBOX_CLIENT_SECRET", default="SandboxClientSecret-not-a-secret-00000000000000001"
)
SANDBOX_CALLBACKS = env.list(
    "SANDBOX_CALLBACKS",
    default=[
        f"http://{host}:8000/accounts/link/{kind}/callback/"
        for host in ("127.0.0.1", "localhost")
        for kind in ("oauth1", "oauth2")
    ],
)
SANDBOX_SEED = env.int("SANDBOX_SEED", default=20261126)
SANDBOX_STATE_PATH = env.str("SANDBOX_STATE_PATH", default=str(VAR_DIR / "sandbox.sqlite3"))
SANDBOX_URL = env.str("SANDBOX_URL", default="http://127.0.0.1:8001").rstrip("/")

# --- X API ------------------------------------------------------------------------------
# With no X credentials at all, the product points itself at the sandbox and says so.
_X_CREDENTIAL_VARS = ("X_CONSUMER_KEY", "X_CLIENT_ID")
X_SANDBOX = not any(env.str(name, default="") for name in _X_CREDENTIAL_VARS)
X_API_URL = env.str("X_API_URL", default=SANDBOX_URL if X_SANDBOX else "https://api.x.com")
X_WEB_URL = env.str("X_WEB_URL", default=SANDBOX_URL if X_SANDBOX else "https://x.com")
X_API_URL, X_WEB_URL = X_API_URL.rstrip("/"), X_WEB_URL.rstrip("/")
X_CONSUMER_KEY = env.str("X_CONSUMER_KEY", default=SANDBOX_CONSUMER_KEY if X_SANDBOX else "")
X_CONSUMER_SECRET = env.str(
    "X_CONSUMER_SECRET", default=SANDBOX_CONSUMER_SECRET if X_SANDBOX else ""
)
X_CLIENT_ID = env.str("X_CLIENT_ID", default=SANDBOX_CLIENT_ID if X_SANDBOX else "")
X_CLIENT_SECRET = env.str("X_CLIENT_SECRET", default=SANDBOX_CLIENT_SECRET if X_SANDBOX else "")
X_BEARER_TOKEN = env.str("X_BEARER_TOKEN", default="")

# Fernet keys (comma-separated): the first encrypts, all decrypt. The demo derives one
# from SECRET_KEY so it runs with nothing set; production must set its own.
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
if not DEBUG and not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # oauthlib logs signature material at DEBUG; never let it through.
        "oauthlib": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
    },
}

# --- Shared cache: rate-limit budgets live here so every worker respects them together ---
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "metricsdash.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # redis-py waits forever by default: a Redis that does not answer must not hang
            # a page or a poll (the health page then says it cannot be reached).
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read from the cache (Redis when configured), written through to the
# database: a page reads no session row, and a lost cache signs nobody out.
SESSION_ENGINE = "metricsdash.sessions"

# --- Polling (tweets/polling.py, DESIGN.md section 5) ---------------------------------


def _duration(text: str) -> timedelta:
    """'90s', '5m', '6h', '30d' -> timedelta; anything else fails loudly."""
    units = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    number, unit = text.strip()[:-1], text.strip()[-1:]
    if unit not in units or not number.isdigit():
        raise ImproperlyConfigured(f"Bad duration {text!r}: use e.g. 90s, 5m, 6h, 30d.")
    return timedelta(**{units[unit]: int(number)})


# Young Tweets often, older ones rarely: "age limit:interval" pairs, youngest first.
POLL_SCHEDULE = [
    (_duration(age), _duration(every))
    for age, every in (
        pair.split(":") for pair in env.list("POLL_SCHEDULE", default=["6h:5m", "7d:1h", "30d:6h"])
    )
]
# The last private snapshot is taken within this window before day 30.
POLL_FINAL_SNAPSHOT_WINDOW = _duration(env.str("POLL_FINAL_SNAPSHOT_WINDOW", default="2h"))
# After day 30: public metrics only, daily, until this age.
POLL_PUBLIC_INTERVAL = _duration(env.str("POLL_PUBLIC_INTERVAL", default="1d"))
POLL_HORIZON = _duration(env.str("POLL_HORIZON", default="90d"))
# How often beat looks for due accounts, and how long a claim holds before it lapses.
POLL_TICK_SECONDS = env.int("POLL_TICK_SECONDS", default=60)
POLL_CLAIM_LEASE = _duration(env.str("POLL_CLAIM_LEASE", default="15m"))

X_HTTP_TIMEOUT = (
    env.float("X_CONNECT_TIMEOUT", default=5.0),
    env.float("X_READ_TIMEOUT", default=30.0),
)
X_RETRY_ATTEMPTS = env.int("X_RETRY_ATTEMPTS", default=3)
X_RETRY_BACKOFF = env.float("X_RETRY_BACKOFF", default=1.0)

CELERY_BEAT_SCHEDULE = {
    "poll-tick": {
        "task": "tweets.tasks.tick",
        "schedule": POLL_TICK_SECONDS,
        # A tick nobody ran in time is worthless: the next one claims the same accounts.
        "options": {"expires": max(POLL_TICK_SECONDS - 5, 1)},
    },
}

# --- Email reports, the admin health page, X API usage (reports/, metricsdash/admin.py) ---
# Appended by the reports work; everything above is shared.

# How often beat looks for due reports; a claimed report's ledger row is written at once.
REPORT_TICK_SECONDS = env.int("REPORT_TICK_SECONDS", default=60)
# Attempts at sending one report before its ledger row says "failed", and the first wait.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=5)
REPORT_RETRY_BACKOFF = env.int("REPORT_RETRY_BACKOFF", default=60)
# A pending report no worker ever tried (its task was lost) is queued again after this...
REPORT_REQUEUE_AFTER = _duration(env.str("REPORT_REQUEUE_AFTER", default="10m"))
# ...until it is this old: a report a day late is no longer worth sending.
REPORT_GIVE_UP_AFTER = _duration(env.str("REPORT_GIVE_UP_AFTER", default="1d"))
# SMTP must not hang a worker (Django's default is no timeout at all).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# The admin health page: a worker silent for longer than this shows as stopped.
HEALTH_HEARTBEAT_SECONDS = env.int("HEALTH_HEARTBEAT_SECONDS", default=15)
HEALTH_WORKER_STOPPED_AFTER = env.int("HEALTH_WORKER_STOPPED_AFTER", default=90)
# X API usage against the plan: Tweets read per month, and what one read costs (X's Pro
# plan: 1,000,000 Tweets a month for 5,000 USD). A warning shows at 80 % of the cap.
X_MONTHLY_TWEET_CAP = env.int("X_MONTHLY_TWEET_CAP", default=1_000_000)
X_PRICE_PER_TWEET_READ = env.float("X_PRICE_PER_TWEET_READ", default=0.005)
# A User read (users/me, for the followers) is billed at twice a Post read, once per UTC day.
X_PRICE_PER_USER_READ = env.float("X_PRICE_PER_USER_READ", default=0.010)
X_PRICE_CURRENCY = env.str("X_PRICE_CURRENCY", default="USD")

CELERY_BEAT_SCHEDULE["send-reports"] = {
    "task": "reports.tasks.send_due_reports",
    "schedule": REPORT_TICK_SECONDS,
    # A late run is worthless: the next one claims the same reports.
    "options": {"expires": max(REPORT_TICK_SECONDS - 5, 1)},
}

# --- Alerts (alerts/): rules are checked after each poll; the beat checks health --------
# (re-authorisation asked from the admin, re-linked accounts, accounts gone quiet).
ALERTS_HEALTH_TICK_SECONDS = env.int("ALERTS_HEALTH_TICK_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["check-alert-health"] = {
    "task": "alerts.tasks.check_health",
    "schedule": ALERTS_HEALTH_TICK_SECONDS,
    "options": {"expires": max(ALERTS_HEALTH_TICK_SECONDS - 5, 1)},
}

# --- Where alerts go: email and webhooks (notifications/, docs/ALERTS.md) ----------------

# Webhook URLs: http as well as https (default: only while DEBUG is on), and loopback,
# private, link-local or reserved addresses (default: never; tests allow 127.0.0.1).
ALERT_WEBHOOK_ALLOW_HTTP = env.bool("ALERT_WEBHOOK_ALLOW_HTTP", default=DEBUG)
ALERT_WEBHOOK_ALLOW_PRIVATE = env.bool("ALERT_WEBHOOK_ALLOW_PRIVATE", default=False)
ALERT_WEBHOOK_TIMEOUT = (
    env.float("ALERT_WEBHOOK_CONNECT_TIMEOUT", default=5.0),
    env.float("ALERT_WEBHOOK_READ_TIMEOUT", default=10.0),
)
# The certificates https webhooks are checked against: certifi's bundle unless a file is named.
ALERT_WEBHOOK_CA_BUNDLE = env.str("ALERT_WEBHOOK_CA_BUNDLE", default="")
# Waits between attempts at one delivery (plus up to 20 % jitter); one more attempt than
# delays, then the delivery is failed.
ALERT_RETRY_DELAYS = [
    _duration(d) for d in env.list("ALERT_RETRY_DELAYS", default=["30s", "2m", "10m", "1h", "6h"])
]
# A send holds its delivery this long; a worker that dies leaves it to lapse and be retried.
ALERT_DELIVERY_LEASE = _duration(env.str("ALERT_DELIVERY_LEASE", default="5m"))
ALERT_TICK_SECONDS = env.int("ALERT_TICK_SECONDS", default=15)
# "Send a test": at most this many per person per hour.
ALERT_TESTS_PER_HOUR = env.int("ALERT_TESTS_PER_HOUR", default=5)

CELERY_BEAT_SCHEDULE["send-alerts"] = {
    "task": "notifications.tasks.tick",
    "schedule": ALERT_TICK_SECONDS,
    "options": {"expires": max(ALERT_TICK_SECONDS - 2, 1)},
}

# --- Who may join, mail confirmation, sign-in throttling (accounts/, reports/) ----------
# Appended by the sign-up work.

# open: anyone signs up; invite: only through a staff invitation; closed: nobody
# (createsuperuser makes the first account).
SIGNUP_MODES = ("open", "invite", "closed")
SIGNUP = env.str("SIGNUP", default="invite")
if SIGNUP not in SIGNUP_MODES:
    raise ImproperlyConfigured(f"SIGNUP must be one of {', '.join(SIGNUP_MODES)}, not {SIGNUP!r}.")
# An invitation link, and a link confirming an email address, work this long after sending.
INVITATION_MAX_AGE = _duration(env.str("INVITATION_MAX_AGE", default="7d"))
EMAIL_CONFIRMATION_MAX_AGE = _duration(env.str("EMAIL_CONFIRMATION_MAX_AGE", default="7d"))
# "Send me a preview now": at most this many per person per hour.
REPORT_PREVIEWS_PER_HOUR = env.int("REPORT_PREVIEWS_PER_HOUR", default=3)
# Sharing an account with an email address invites it: at most this many per person per day.
SHARING_INVITATIONS_PER_DAY = env.int("SHARING_INVITATIONS_PER_DAY", default=10)

# django-axes: 5 wrong passwords for one username from one IP lock that pair for 15 minutes;
# the same username from another IP, and other usernames, still sign in.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = _duration(env.str("AXES_COOLOFF_TIME", default="15m"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client's IP is REMOTE_ADDR unless a proxy we run sits in front: only then is
# X-Forwarded-For believed, and only its last TRUSTED_PROXY_COUNT hops (anything left of
# them is whatever the client wrote).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# --- Content-Security-Policy (django-csp; metricsdash/csp.py adds X's origins to form-action)
# The same policy with DEBUG on and off, so the browser tests run under it. No inline script
# or style anywhere: pages hand data over with json_script, styles live in static/css/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
