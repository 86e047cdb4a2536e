"""Configuration defaults and loading.

Order of precedence, lowest first: the defaults below → ``instance/config.py``
→ ``LMS_*`` environment variables (values parsed as JSON where they can be, so
``LMS_PLUGINS='[]'`` is a list) → the mapping given to ``create_app`` (tests).
The result is then validated; a bad configuration refuses to start and says why.
"""

from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

#: Modes: ``embedded`` (one machine; a secret key is generated into the instance
#: folder on first start) and ``production`` (several machines; every secret must
#: be given explicitly, because each machine must share it).
MODES = ("embedded", "production")
#: Every interface language with a catalogue in each package: Korean and English, then the languages of the
#: centre's largest groups of trainees (Vietnam, China, Uzbekistan, Mongolia, Nepal, Indonesia, Cambodia, the
#: Philippines, Thailand, Russian speakers of Central Asia, Myanmar, Pakistan).  Codes are Babel's.
SHIPPED_LANGUAGES = ("ko", "en", "vi", "zh_Hans", "uz", "mn", "ne", "id", "km", "fil", "th", "ru", "my", "ur")


class ConfigError(RuntimeError):
    """Raised when the configuration is unusable; the message says how to fix it."""


DEFAULTS: dict = {
    "MODE": "embedded",
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # default: SQLite file in the instance folder
    "PLUGINS": ["media", "projects", "lti"],
    "SITE_NAME": "Gongbang",
    # The training centre that issues completion records (signed into each one); SITE_NAME is the software's.
    "CENTRE_NAME": "직업훈련센터 (Vocational Training Centre)",
    "BABEL_DEFAULT_LOCALE": "ko",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
    #: The interface languages this instance may offer (an admin switches each on or off under Languages);
    #: each needs a catalogue in every package (``SHIPPED_LANGUAGES``).
    "LANGUAGES": list(SHIPPED_LANGUAGES),
    # Sessions: the signed cookie only carries a random id registered in the
    # database, so logout and disabling an account end sessions server-side.
    "SESSION_COOKIE_NAME": "gongbang_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: secure unless DEBUG
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "SESSION_IDLE_TIMEOUT": timedelta(days=3),
    "REMEMBER_COOKIE_DURATION": timedelta(days=14),
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: phones keep forms open for long
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # forms; uploads stream through their own routes
    # Login throttling (per account and per client address, sliding window).
    "LOGIN_WINDOW": timedelta(minutes=15),
    "LOGIN_MAX_FAILURES_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_IP": 30,
    "INVITE_TTL": timedelta(days=7),
    "RESET_TTL": timedelta(hours=1),
    # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in the outbox folder.
    "MAIL_SERVER": None,
    "MAIL_PORT": 587,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": True,
    "MAIL_DEFAULT_SENDER": "Gongbang <no-reply@gongbang.local>",
    "OUTBOX_DIR": None,
    # The address people open, e.g. "https://lms.example.kr" (a path after the host is allowed): every link in
    # an e-mail is built from it, never from a request's Host header (which a sender of a password-reset form
    # chooses). Required in production mode; `lms serve` fills it in for an address on this machine.
    "PUBLIC_URL": None,
    # The mail outbox (lms/mail.py): every message is a row written with the change that causes it.
    "MAIL_MAX_ATTEMPTS": 8,  # then the row is "failed" and `lms check` lists it
    "MAIL_RETRY_SECONDS": 60,  # wait after the first failed attempt; doubles after each one
    "MAIL_RETRY_MAX_SECONDS": 3600,
    "MAIL_LEASE_SECONDS": 600,  # a worker that died while sending leaves its rows to be claimed after this
    "MAIL_BATCH": 100,  # rows one worker claims at a time
    "MAIL_SWEEP_SECONDS": 60,  # how often the beat sends what is due (a kick after each commit is quicker)
    "MAIL_KEEP_DAYS": 7,  # bodies of sent and failed mail (live set-password links) are erased after this
    # Background jobs: SQLite transport in the instance folder unless a broker URL is set.
    "CELERY_BROKER_URL": None,
    "CELERY_RESULT_BACKEND": None,
    "CELERY_ALWAYS_EAGER": False,
    "BROKER_PURGE_MINUTES": 60,  # how often the beat deletes delivered messages from the SQLite broker
    "TRUSTED_PROXIES": 0,  # number of reverse proxies in front of the app (X-Forwarded-*)
    "API_TITLE": "Gongbang API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_PAGE_SIZE_MAX": 100,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
}


def load_config(app: Flask, overrides: dict | None) -> None:
    """Fill ``app.config`` in the documented order and validate it."""
    app.config.update(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="LMS")
    if overrides:
        app.config.update(overrides)
    _derive(app)
    validate_config(app.config)


def _derive(app: Flask) -> None:
    """Fill values that depend on others (instance paths, cookie security)."""
    cfg = app.config
    instance = Path(app.instance_path)
    if cfg["SESSION_COOKIE_SECURE"] is None:
        cfg["SESSION_COOKIE_SECURE"] = not cfg.get("DEBUG", False)
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    name = cfg["SESSION_COOKIE_NAME"]
    if cfg["SESSION_COOKIE_SECURE"] and not name.startswith(("__Host-", "__Secure-")):
        # The browser then refuses the cookie unless it is Secure (and, for __Host-, bound to this exact
        # host with path /), so no sibling subdomain or plain-HTTP page can plant or overwrite it.
        host_only = not cfg.get("SESSION_COOKIE_DOMAIN") and (cfg.get("SESSION_COOKIE_PATH") or "/") == "/"
        cfg["SESSION_COOKIE_NAME"] = ("__Host-" if host_only else "__Secure-") + name
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{instance / 'gongbang.sqlite'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(cfg["DATABASE_URL"])
    if not cfg["OUTBOX_DIR"]:
        cfg["OUTBOX_DIR"] = str(instance / "outbox")
    if not cfg["CELERY_BROKER_URL"]:
        cfg["CELERY_BROKER_URL"] = f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}"
    if not cfg["CELERY_RESULT_BACKEND"]:
        cfg["CELERY_RESULT_BACKEND"] = f"db+sqlite:///{instance / 'celery-results.sqlite'}"
    if not cfg["SECRET_KEY"] and cfg["MODE"] == "embedded":
        cfg["SECRET_KEY"] = _instance_secret(instance)


def _normalise_db_url(url: str) -> str:
    # psycopg 3 is the driver we ship in the postgres extra; plain URLs would pick psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(instance: Path) -> str:
    """Return the embedded installation's secret key, creating it once (0600)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting at once must not both write a key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def validate_config(cfg) -> None:
    """Refuse configurations that would run insecurely or not at all."""
    if cfg["MODE"] not in MODES:
        raise ConfigError(f"LMS_MODE must be one of {', '.join(MODES)}; got {cfg['MODE']!r}.")
    key = cfg.get("SECRET_KEY")
    if not key:
        raise ConfigError(
            "SECRET_KEY is not set. In production mode every web and worker machine needs the same key: "
            "set LMS_SECRET_KEY to at least 32 random characters, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if not cfg.get("TESTING") and not _strong(key):
        raise ConfigError(
            "SECRET_KEY is too weak: it needs at least 128 bits of randomness "
            "(32 or more varied characters). "
            "Generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    if cfg["MODE"] == "production" and cfg.get("DEBUG"):
        raise ConfigError("DEBUG must be off in production mode (it exposes an interactive debugger).")
    plugins = cfg["PLUGINS"]
    if isinstance(plugins, str) or not all(isinstance(p, str) for p in plugins):
        raise ConfigError('PLUGINS must be a list of names, e.g. LMS_PLUGINS=\'["media", "projects"]\'.')
    _validate_public_url(cfg)
    languages = cfg["LANGUAGES"]
    if isinstance(languages, str) or not languages:
        raise ConfigError('LANGUAGES must be a list of codes, e.g. LMS_LANGUAGES=\'["ko", "en", "vi"]\'.')
    for lang in languages:
        if lang not in SHIPPED_LANGUAGES:
            raise ConfigError(
                f"LANGUAGES may contain only languages with shipped catalogues "
                f"({', '.join(SHIPPED_LANGUAGES)}); got {lang!r}."
            )
    if cfg["BABEL_DEFAULT_LOCALE"] not in languages:
        raise ConfigError(f"BABEL_DEFAULT_LOCALE {cfg['BABEL_DEFAULT_LOCALE']!r} must be one of LANGUAGES.")


def _validate_public_url(cfg) -> None:
    url = cfg.get("PUBLIC_URL")
    if not url:
        if cfg["MODE"] == "production":
            raise ConfigError(
                "PUBLIC_URL is not set. Every link in an e-mail (invitations, password resets, notices) is "
                "built from it, and production's workers have no request to learn the address from: set "
                "LMS_PUBLIC_URL to the address people open, e.g. LMS_PUBLIC_URL=https://lms.example.kr."
            )
        return
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"PUBLIC_URL must be an http or https address with a host and nothing after the path, "
            f"e.g. https://lms.example.kr; got {url!r}."
        )
    cfg["PUBLIC_URL"] = str(url).rstrip("/")


#: Where links point when PUBLIC_URL is not set outside production: `lms serve`'s own default address.
LOCAL_URL = "http://127.0.0.1:5000"


def public_url(cfg) -> str:
    """The base of every link in an e-mail, without a trailing slash.

    ``PUBLIC_URL`` when set (production mode refuses to start without it). Otherwise the test server's name
    (``SERVER_NAME``) or :data:`LOCAL_URL`; ``lms check`` reports that outside tests and debugging.
    """
    if cfg.get("PUBLIC_URL"):
        return str(cfg["PUBLIC_URL"]).rstrip("/")
    return f"http://{cfg['SERVER_NAME']}" if cfg.get("SERVER_NAME") else LOCAL_URL


def serve_public_url(host: str, port: int, cfg) -> str:
    """``PUBLIC_URL`` for ``lms serve --host H --port P``: the setting, or this server's own address when that
    is the address people open (a concrete address, no proxy in front).

    :raises ConfigError: listening on every address (``0.0.0.0``) or behind a proxy without ``PUBLIC_URL``:
        mail would carry an address nobody can open.
    """
    if cfg.get("PUBLIC_URL"):
        return str(cfg["PUBLIC_URL"])
    if host in ("0.0.0.0", "::", "") or cfg.get("TRUSTED_PROXIES"):
        raise ConfigError(
            "PUBLIC_URL is not set, and this server cannot tell the address people open (it listens on every "
            "address, or a proxy is in front). Links in e-mails are built from it: set LMS_PUBLIC_URL, "
            "e.g. LMS_PUBLIC_URL=https://lms.example.kr."
        )
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _strong(key) -> bool:
    """A rough entropy estimate: length × log2(alphabet seen) must reach 128 bits.

    It refuses short keys and repetitive ones ("changeme-changeme-…"); a key from
    ``secrets.token_hex(32)`` estimates at about 256 bits.
    """
    text = key if isinstance(key, str) else key.hex()
    return len(text) >= 32 and len(set(text)) >= 8 and len(text) * math.log2(len(set(text))) >= 128
