"""A NUL byte in a path, a query or an HTML form is refused with 400 before any view runs.

PostgreSQL refuses NUL in text, so one reaching a query was a 500 there (and stored silently on SQLite).
JSON bodies are the API parser's business (tests of the API).
"""

from __future__ import annotations

import pytest

from tests.fixtures.users import PASSWORD

#: (who, method, path, form): who is None (anonymous), "trainee" or "admin".
CASES = [
    (None, "POST", "/auth/login", {"email": "a\x00@example.org", "password": "x"}),
    (None, "POST", "/auth/login", {"email": "a@example.org", "password": "x\x00"}),
    (None, "POST", "/auth/forgot", {"email": "someone\x00@example.org"}),
    (None, "POST", "/auth/login", {"email\x00": "a@example.org", "password": "x"}),
    (None, "GET", "/auth/set-password/ab%00cd", None),
    (None, "GET", "/auth/login?next=/%00", None),
    ("trainee", "POST", "/account", {"name": "Lan\x00", "locale": "en", "timezone": "Asia/Seoul"}),
    ("admin", "GET", "/admin/users?q=%00", None),
    (
        "admin",
        "POST",
        "/admin/users/new",
        {"name": "New", "email": "new@example.org", "role": "trainee", "organisation": "\x00", "locale": ""},
    ),
    ("admin", "POST", "/admin/programmes/new", {"code": "AI\x00", "name_ko": "영상", "name_en": "Video"}),
]


@pytest.mark.parametrize(("who", "method", "path", "form"), CASES)
def test_nul_bytes_in_pages_are_refused_and_nothing_changes(
    app, db, client, make_user, login, who, method, path, form
):
    from sqlalchemy import func, select

    from lms.programmes.models import Programme
    from lms.users.models import User

    user = make_user(who) if who else None
    if user:
        login(user)
    before = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Programme.id))),
    )
    r = client.open(path, method=method, data=form, headers={"Accept-Language": "en"})
    assert r.status_code == 400, (path, r.status_code)
    assert r.mimetype == "text/html" and "<main" in r.get_data(as_text=True)  # the standard error page
    after = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Programme.id))),
    )
    assert after == before
    if user:
        db.session.refresh(user)
        assert "\x00" not in user.name


def test_nul_bytes_in_an_api_query_get_the_api_error_shape(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    r = client.get("/api/v1/users?q=%00", headers=headers)
    assert r.status_code == 400
    assert r.get_json()["code"] == 400 and r.get_json()["status"] == "Bad Request" and r.get_json()["message"]


def test_file_names_with_nul_bytes_are_refused(client, make_user, login):
    import io

    login(make_user("trainee"))
    r = client.post(
        "/account",
        data={"name": "Lan", "file": (io.BytesIO(b"x"), "a\x00.mp4")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400


def test_ordinary_input_still_passes(client, make_user, login):
    login(make_user("trainee", password=PASSWORD))
    assert client.get("/admin/users?q=%E2%80%8B").status_code == 403  # refused for its role, not its bytes
    assert client.post(
        "/account", data={"name": "Lan", "locale": "en", "timezone": "Asia/Seoul"}
    ).status_code in (
        200,
        302,
    )
