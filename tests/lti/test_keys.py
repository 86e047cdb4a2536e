"""The tool's keys: encrypted at rest, next key published before it signs, old key kept after;
plugin seams.
"""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select

from lms import create_app


def test_jwks_publishes_current_and_next_and_private_keys_are_encrypted(client, db):
    from lti.models import KeyState, ToolKey

    body = client.get("/lti/jwks.json").get_json()
    keys = db.session.scalars(select(ToolKey)).all()
    assert {k.state for k in keys} == {KeyState.CURRENT, KeyState.NEXT}
    assert sorted(k["kid"] for k in body["keys"]) == sorted(k.kid for k in keys)
    assert all(set(k) >= {"kty", "n", "e", "kid", "alg", "use"} and "d" not in k for k in body["keys"])
    assert all("ENCRYPTED PRIVATE KEY" in k.private_pem for k in keys)


def test_rotation_signs_with_the_published_next_key_and_keeps_the_old_one(app, db, client, runner):
    from lti import keys

    keys.ensure_keys()
    db.session.commit()
    before = {k["kid"] for k in client.get("/lti/jwks.json").get_json()["keys"]}
    upcoming = next(k for k in keys.published_keys() if k.state.value == "next")
    old_token = keys.sign({"sub": "x"})
    result = runner.invoke(args=["lti", "rotate-key"])
    assert result.exit_code != 0 and "too recently" in result.output  # published only a moment ago
    result = runner.invoke(args=["lti", "rotate-key", "--force"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    new_token = keys.sign({"sub": "y"})
    assert jwt.get_unverified_header(new_token)["kid"] == upcoming.kid  # it was published before it signed
    published = client.get("/lti/jwks.json").get_json()
    assert before < {k["kid"] for k in published["keys"]}  # the retired key is still there, plus a new next
    for token in (old_token, new_token):
        kid = jwt.get_unverified_header(token)["kid"]
        jwk = next(k for k in published["keys"] if k["kid"] == kid)
        assert jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])["sub"] in ("x", "y")
    # A day later the retired key leaves the set at the next rotation.
    app.config["LTI_KEY_RETENTION"] = timedelta(0)
    keys.rotate_keys(force=True)
    db.session.commit()
    kids = {k["kid"] for k in client.get("/lti/jwks.json").get_json()["keys"]}
    assert jwt.get_unverified_header(old_token)["kid"] not in kids


def test_keys_need_the_secret_key_they_were_stored_with(app, db):
    from lti import keys

    keys.ensure_keys()
    db.session.commit()
    app.config["SECRET_KEY"] = "another-secret-0123456789abcdefghijklmnopqrstuv"
    with pytest.raises(ValueError):
        keys.sign({"sub": "x"})


def test_app_boots_and_serves_without_the_lti_plugin(tmp_path):
    app = create_app(
        {
            "PLUGINS": ["media", "projects"],
            "TESTING": True,
            "SECRET_KEY": "s" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
        },
        instance_path=str(tmp_path),
    )
    assert "lti" not in app.extensions
    assert not [r for r in app.url_map.iter_rules() if r.endpoint.startswith("lti.")]
    with app.app_context():
        from lms.extensions import db

        db.create_all()
    assert app.test_client().get("/auth/login").status_code == 200
    assert app.test_client().get("/lti/jwks.json").status_code == 404


def test_lti_needs_projects(tmp_path):
    from lms.plugins import PluginError

    with pytest.raises(PluginError, match="needs the projects plugin"):
        create_app({"PLUGINS": ["media", "lti"], "TESTING": True}, instance_path=str(tmp_path))


def test_admin_registers_a_platform_and_sees_the_values_to_paste(client, login, make_user, db):
    from lti.models import Platform

    login(make_user("admin", locale="en"))
    page = client.get("/lti/admin", headers={"Accept-Language": "en"})
    assert (
        page.status_code == 200
        and b"http://localhost/lti/login" in page.data
        and b"/lti/jwks.json" in page.data
    )
    form = {
        "name": "Moodle",
        "issuer": "https://moodle.example.ac.kr",
        "client_id": "abc123",
        "deployment_lines": "1\n2\n",
        "auth_login_url": "https://moodle.example.ac.kr/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.ac.kr/mod/lti/token.php",
        "jwks_url": "ftp://moodle.example.ac.kr/mod/lti/certs.php",
        "match_email": "y",
        "active": "y",
    }
    bad = client.post("/lti/admin/platforms/new", data=form, headers={"Accept-Language": "en"})
    assert (
        bad.status_code == 200
        and b"starting with https://" in bad.data
        and b"moodle.example.ac.kr" in bad.data
    )
    form["jwks_url"] = "https://moodle.example.ac.kr/mod/lti/certs.php"
    assert client.post("/lti/admin/platforms/new", data=form).status_code == 302
    platform = db.session.scalar(select(Platform))
    assert platform.deployment_ids == ["1", "2"] and platform.client_id == "abc123"
    again = client.post("/lti/admin/platforms/new", data=form, headers={"Accept-Language": "en"})
    assert b"already registered" in again.data
    assert client.get("/lti/canvas.json").get_json()["oidc_initiation_url"] == "http://localhost/lti/login"
    edit = client.get(f"/lti/admin/platforms/{platform.id}")
    assert edit.status_code == 200 and b"1\n2</textarea>" in edit.data
    form.update(deployment_lines="2\n3", name="Moodle 2")
    assert client.post(f"/lti/admin/platforms/{platform.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Platform, platform.id).deployment_ids == ["2", "3"]
