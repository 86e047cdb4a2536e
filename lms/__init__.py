"""Gongbang core: the application factory.

``create_app`` is the only place an application is built; nothing in the
package opens a database, a broker or reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.config import ConfigError, load_config
from lms.resources import templates_dir

__all__ = ["create_app", "ConfigError"]


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build and configure a Gongbang application.

    :param config: overrides applied after defaults, ``instance/config.py`` and
        ``LMS_*`` environment variables (tests pass their settings here).
    :param instance_path: folder for the SQLite database, secret key, outbox and
        uploads; defaults to ``$LMS_INSTANCE_PATH`` or ``./instance``.
    :raises ConfigError: when the configuration is unusable.
    """
    import os

    instance_path = instance_path or os.environ.get("LMS_INSTANCE_PATH") or str(Path.cwd() / "instance")
    app = Flask(
        "lms",
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=templates_dir(),
    )
    load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_core(app)

    from lms.plugins import load_plugins

    load_plugins(app)
    # After the plugins: their routes may carry secrets too. Logging is per process, so this masks every
    # log line the process writes from now on (gunicorn's access log included).
    from lms import logs

    logs.register_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms import i18n, jobs
    from lms.extensions import babel, csrf, db, login_manager, migrate
    from lms.resources import migrations_dir

    db.init_app(app)
    _configure_sqlite(app)
    migrate.init_app(app, db, directory=migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        default_translation_directories=str(Path(__file__).parent / "translations"),
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
    )
    login_manager.init_app(app)
    jobs.init_app(app)


def _configure_sqlite(app: Flask) -> None:
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    from sqlalchemy import event

    from lms.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        # WAL lets the web and worker processes read while one writes.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def _register_core(app: Flask) -> None:
    # Import every core model so metadata (and Alembic) sees the whole schema.
    import lms.api.models  # noqa: F401
    import lms.auth.models  # noqa: F401
    import lms.calendar.models  # noqa: F401
    import lms.notifications.models  # noqa: F401
    import lms.programmes.models  # noqa: F401
    from lms import auth, cli, errors, i18n, programmes, security, wording
    from lms.api import init_api
    from lms.auth import views as auth_views
    from lms.calendar import views as calendar_views
    from lms.dashboard import bp as dashboard_bp
    from lms.markup import render_markdown
    from lms.notifications.views import bp as notifications_bp
    from lms.programmes import views as programme_views
    from lms.users import views as user_views

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.add_extension("jinja2.ext.do")
    # ``{% if "plugin.endpoint" is endpoint %}``: core templates link to a plugin's page only when it is
    # loaded.
    app.jinja_env.tests["endpoint"] = lambda name: name in app.view_functions
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    programmes.init_app(app)
    wording.init_app(app)  # before any plugin: its domain serves every package's catalogue
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(user_views.bp)
    app.register_blueprint(programme_views.bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(calendar_views.bp)
    init_api(app)
    cli.init_app(app)
