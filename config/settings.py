"""One env-driven settings module. Defaults suit `make run`; production sets the env."""

import os
import tempfile
from pathlib import Path

from config.env import envbool, envint, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("PPL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite cannot create its folder itself

DEBUG = envbool("DEBUG", "false")
SECRET_KEY = envsecret("SECRET_KEY", "dev-only-insecure-key-change-me")
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "clusters",
    "labs",
    "live",
    "cohorts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

if os.getenv("DB_ENGINE", "sqlite") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.getenv("DB_NAME", "pullpolicylabs"),
            "USER": os.getenv("DB_USER", "postgres"),
            "PASSWORD": envsecret("DB_PASSWORD"),
            "HOST": os.getenv("DB_HOST", "127.0.0.1"),
            "PORT": os.getenv("DB_PORT", "5432"),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            # Several processes (web, worker, watcher) share the file: wait instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # Tests run the watch worker in threads: an in-memory database would lock whole
            # tables across threads, so tests get a file of their own (one per test process).
            "TEST": {
                "NAME": os.getenv(
                    "SQLITE_TEST_PATH",
                    str(Path(tempfile.gettempdir()) / f"ppl-test-{os.getpid()}.sqlite3"),
                )
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalogue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm (pinned in package-lock.json), never from a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "node_modules")]
SERVE_STATIC = envbool("SERVE_STATIC", "true")  # see config/asgi.py

REDIS_URL = os.getenv("REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 gives up reading after a 5 s socket timeout by default: exactly the 5 s
            # that channels-redis blocks in BZPOPMIN, so every idle consumer died after 5 s.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
            "prefix": os.getenv("CHANNEL_PREFIX", "ppl"),
        },
    }
}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    "reap-expired-sessions": {"task": "labs.reap_expired_sessions", "schedule": 60.0},
}

# The cluster every lab session runs on. Empty means the simulated cluster started by `make run`.
CLUSTER_KUBECONFIG = os.getenv("CLUSTER_KUBECONFIG", "")
SIM_URL = os.getenv("SIM_URL", "http://127.0.0.1:8700")
SIM_ADMIN_TOKEN = envsecret("SIM_ADMIN_TOKEN", "sim-admin-dev-token")
# The CA that signed the simulator's HTTPS certificate (python -m clusters.apiserver --cert-dir).
SIM_CA_FILE = os.getenv("SIM_CA_FILE", str(VAR_DIR / "sim-certs" / "ca.crt"))
LAB_SESSION_TTL_MINUTES = envint("LAB_SESSION_TTL_MINUTES", 240)
# On a real cluster, each session's lab images are pushed under its own path of this registry
# (kind's local registry by default), and private repositories to the optional second one.
LAB_REGISTRY = os.getenv("LAB_REGISTRY", "localhost:5001")
LAB_PRIVATE_REGISTRY = os.getenv("LAB_PRIVATE_REGISTRY", "")
LAB_PRIVATE_REGISTRY_USER = os.getenv("LAB_PRIVATE_REGISTRY_USER", "")
LAB_PRIVATE_REGISTRY_PASSWORD = envsecret("LAB_PRIVATE_REGISTRY_PASSWORD")
# On a real cluster, a command that prints one node's `crictl images -o json`, with `{node}` for
# the node's name (on kind: `docker exec {node} crictl images -o json`). Empty: node caches come
# from node.status.images only, which the kubelet caps at the 50 largest images.
NODE_IMAGES_COMMAND = os.getenv("NODE_IMAGES_COMMAND", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}
