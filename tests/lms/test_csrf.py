"""CSRF protection on every form (the rest of the suite switches it off for brevity)."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.users import PASSWORD


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def _post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            values = {arg: 1 for arg in rule.arguments}
            for arg, converter in rule._converters.items():
                if getattr(converter, "items", None):  # <any(a, b):arg>: one of its values
                    values[arg] = sorted(converter.items)[0]
            if "kind" in values:
                values["kind"] = "trainee"
            if "token" in values:
                values["token"] = "x"
            yield rule.endpoint, rule.rule, values


#: Posts another site starts by design; each is protected otherwise (tests/lti/test_security.py proves it).
CROSS_SITE = {
    "lti.login": "the LMS starts the OIDC login; the one-time state and nonce protect the launch",
    "lti.launch": "a JWT signed by the LMS, bound to this browser's state cookie and a one-time nonce",
    # RFC 8058: mail programs post with no session; a bad link answers 400 with its own page.
    "notifications.unsubscribe": "one-click unsubscribe; the HMAC-signed link is the proof",
}


def test_every_form_post_needs_a_token(csrf_app):
    from flask import url_for

    routes = list(_post_routes(csrf_app))
    assert len(routes) >= 10
    client = csrf_app.test_client()
    for endpoint, _rule, values in routes:
        with csrf_app.test_request_context():
            path = url_for(endpoint, **values)
        r = client.post(
            path, data={"email": "a@example.org", "password": "x"}, headers={"Accept-Language": "en"}
        )
        assert r.status_code == 400, (endpoint, r.status_code)
        if endpoint in CROSS_SITE:
            # Refused too, by the protocol's own checks rather than a form token.
            assert "Your form had expired" not in r.get_data(as_text=True), endpoint
            continue
        assert "Your form had expired" in r.get_data(as_text=True), endpoint
    assert set(CROSS_SITE) <= {endpoint for endpoint, _rule, _values in routes}


def test_login_with_the_token_works(csrf_app):
    with csrf_app.app_context():
        from lms.auth.services import hasher
        from lms.extensions import db
        from lms.users.models import Role, User

        db.session.add(
            User(email="t@example.org", name="T", role=Role.TRAINEE, password_hash=hasher().hash(PASSWORD))
        )
        db.session.commit()
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post("/auth/login", data={"email": "t@example.org", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_api_needs_no_csrf_token_but_a_bearer_token(csrf_app):
    r = csrf_app.test_client().post("/api/v1/users", json={})
    assert r.status_code == 401  # refused for want of a token, not a CSRF token
