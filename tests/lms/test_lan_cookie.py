"""Signing in over plain HTTP on a LAN address: the browser drops the Secure ``__Host-`` session cookie, so
every form post arrives without its session and fails as "expired". The page then says why, and how to run
Gongbang on a LAN (``LMS_SESSION_COOKIE_SECURE=false``)."""

from __future__ import annotations

import re

import pytest

HINT = "LMS_SESSION_COOKIE_SECURE=false"


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def _post_without_the_cookie(app, path, base_url="http://192.168.0.20", **data):
    """What a browser does over plain HTTP: it got the form, but kept no Secure cookie to send back."""
    page = app.test_client().get(path, base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    fresh = app.test_client()  # no cookie jar: the browser dropped the cookie
    return fresh.post(
        path, base_url=base_url, data={"csrf_token": token, **data}, headers={"Accept-Language": "en"}
    )


def test_sign_in_over_plain_http_explains_how_to_run_on_a_lan(csrf_app):
    assert csrf_app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    r = _post_without_the_cookie(csrf_app, "/auth/login", email="lan@example.org", password="x")
    text = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Your form had expired" in text and HINT in text and "HTTPS" in text
    # Still the sign-in page, with what was typed.
    assert 'name="password"' in text and 'value="lan@example.org"' in text


def test_other_auth_forms_say_it_too(csrf_app):
    r = _post_without_the_cookie(csrf_app, "/auth/forgot", email="lan@example.org")
    assert r.status_code == 400 and HINT in r.get_data(as_text=True)


def test_the_hint_is_in_korean_too(csrf_app):
    page = csrf_app.test_client().get("/auth/login", base_url="http://192.168.0.20").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = csrf_app.test_client().post(
        "/auth/login",
        base_url="http://192.168.0.20",
        data={"csrf_token": token, "email": "a@example.org", "password": "x"},
        headers={"Accept-Language": "ko"},
    )
    assert r.status_code == 400 and HINT in r.get_data(as_text=True)


def test_no_lan_hint_over_https_or_with_plain_cookies(csrf_app, app_factory):
    over_https = _post_without_the_cookie(
        csrf_app, "/auth/login", base_url="https://lms.example.org", email="a@example.org", password="x"
    )
    assert over_https.status_code == 400
    assert "Your form had expired" in over_https.get_data(as_text=True)
    assert HINT not in over_https.get_data(as_text=True)
    lan = app_factory(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False)
    assert not lan.config["SESSION_COOKIE_NAME"].startswith("__")
    plain = _post_without_the_cookie(lan, "/auth/login", email="a@example.org", password="x")
    assert plain.status_code == 400 and HINT not in plain.get_data(as_text=True)


def test_on_a_lan_with_plain_cookies_sign_in_works(app_factory, make_user):
    lan = app_factory(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=False)
    with lan.app_context():
        from lms.auth.services import hasher
        from lms.extensions import db
        from lms.users.models import Role, User

        db.session.add(
            User(email="t@example.org", name="T", role=Role.TRAINEE, password_hash=hasher().hash("pw"))
        )
        db.session.commit()
    client = lan.test_client()
    page = client.get("/auth/login", base_url="http://192.168.0.20").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    set_cookie = client.get("/auth/login", base_url="http://192.168.0.20").headers.get("Set-Cookie", "")
    assert "Secure" not in set_cookie
    r = client.post(
        "/auth/login",
        base_url="http://192.168.0.20",
        data={"csrf_token": token, "email": "t@example.org", "password": "pw"},
    )
    assert r.status_code == 302


def test_lms_serve_warns_when_a_lan_could_not_sign_in():
    from lms.cli import lan_warning

    secure = {"SESSION_COOKIE_SECURE": True, "TRUSTED_PROXIES": 0}
    assert HINT in lan_warning("0.0.0.0", secure)
    assert HINT in lan_warning("192.168.0.20", secure)
    assert lan_warning("127.0.0.1", secure) is None  # browsers keep Secure cookies from localhost
    assert lan_warning("0.0.0.0", {**secure, "TRUSTED_PROXIES": 1}) is None  # an HTTPS proxy in front
    assert lan_warning("0.0.0.0", {**secure, "SESSION_COOKIE_SECURE": False}) is None
