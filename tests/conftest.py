"""Shared fixtures: an app per test on SQLite (default) or PostgreSQL (``--db=postgresql``).

On PostgreSQL the schema is created once per session from the models and every
table is truncated after each test.
"""
from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from lms import create_app
from lms.extensions import db as _db

TEST_SECRET = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def pytest_addoption(parser):
    parser.addoption("--db", choices=["sqlite", "postgresql"], default="sqlite",
                     help="database to run the suite on (postgresql needs LMS_TEST_DATABASE_URL)")


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def postgres_url(request, tmp_path_factory):
    """The PostgreSQL URL when the suite runs with ``--db=postgresql``, else None."""
    if request.config.getoption("--db") != "postgresql":
        return None
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        pytest.exit("--db=postgresql needs LMS_TEST_DATABASE_URL", returncode=2)
    app = create_app(_config(url), instance_path=str(tmp_path_factory.mktemp("pg-instance")))
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
        _db.engine.dispose()
    return url


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a real server would.

    Flask reuses an app context that a test has already pushed, which would
    share ``g`` (and the signed-in user) between requests of different clients.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()  # let the test see what the request committed
        return response


def _config(url: str, **extra) -> dict:
    return {"TESTING": True, "SECRET_KEY": TEST_SECRET, "DATABASE_URL": url, "CELERY_ALWAYS_EAGER": True,
            "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
            "ARGON2_PARALLELISM": 1, "SERVER_NAME": "localhost", **extra}


@pytest.fixture
def app_factory(tmp_path, postgres_url):
    """Build apps on the test database; extra config is passed through."""
    made = []

    def factory(**extra):
        url = postgres_url or f"sqlite:///{tmp_path / 'test.sqlite'}"
        app = create_app(_config(url, **extra), instance_path=str(tmp_path / "instance"))
        app.test_client_class = IsolatedClient
        made.append(app)
        if not postgres_url and len(made) == 1:
            with app.app_context():
                _db.create_all()
        return app

    yield factory
    if postgres_url and made:
        with made[0].app_context():
            names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
            with _db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    for app in made:
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(db):
    """``make_user(role="trainee", **fields)``: a committed user whose password is ``PASSWORD``."""
    from lms.auth.services import hasher
    from lms.users.models import Role, User

    counter = iter(range(1, 10_000))

    def make(role="trainee", password=PASSWORD, **fields):
        n = next(counter)
        fields.setdefault("email", f"{role}{n}@example.org")
        fields.setdefault("name", f"Test {role.title()} {n}")
        user = User(role=Role(role), password_hash=hasher().hash(password) if password else None, **fields)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_cohort(db):
    """``make_cohort(code=..., programme=None)``: a committed cohort (and programme if none given)."""
    from datetime import date

    from lms.programmes import services

    counter = iter(range(1, 10_000))

    def make(programme=None, instructors=(), trainees=(), **fields):
        n = next(counter)
        if programme is None:
            programme = services.create_programme(code=f"P{n}", name_ko=f"과정 {n}", name_en=f"Programme {n}")
        cohort = services.create_cohort(programme, code=fields.get("code", f"2026-{n}"),
                                        name=fields.get("name", f"Cohort {n}"),
                                        start_date=fields.get("start_date", date(2026, 9, 1)),
                                        end_date=fields.get("end_date", date(2027, 2, 1)))
        for user in instructors:
            services.assign_instructor(cohort, user)
        for user in trainees:
            services.enrol_trainee(cohort, user)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in through the real login form."""

    def do(user, password=PASSWORD, c=None):
        c = c or client
        response = c.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return c

    return do


@pytest.fixture
def token_for(db):
    """``token_for(user, scopes="read")``: headers with a new API token of *user* (answers in English)."""
    from lms.api.services import create_token

    def make(user, scopes="read"):
        _token, raw = create_token(user, "test", scopes)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}

    return make


@pytest.fixture
def outbox(app):
    """``outbox()``: the messages written to the outbox folder so far."""
    from lms.mail import read_outbox

    return read_outbox


def link_from(body: str) -> str:
    """The set-password path in a mail body."""
    match = re.search(r"https?://[^/\s]+(/auth/set-password/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)
