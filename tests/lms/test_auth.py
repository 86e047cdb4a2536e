"""Sign-in, sessions, throttling, password policy, invitation and reset links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import AuthToken, TokenPurpose, UserSession
from lms.auth.services import hash_token, issue_link_token
from lms.db import utcnow
from lms.passwords import check_password
from tests.fixtures.users import PASSWORD, link_from

WRONG = "The e-mail address or password is not correct."


def test_login_rotates_session_and_registers_it(client, make_user, db):
    user = make_user("trainee")
    client.get("/auth/login")
    with client.session_transaction() as s:
        s["planted"] = "attacker"  # anything set before sign-in must not survive it
    r = client.post("/auth/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    with client.session_transaction() as s:
        assert "planted" not in s
        sid = s["sid"]
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert [row.token_hash for row in rows] == [hash_token(sid)]  # only the hash is stored
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("case", ["unknown", "wrong_password", "disabled", "invited_no_password"])
def test_failed_login_says_the_same_thing_whatever_the_reason(client, make_user, db, case):
    user = make_user("trainee", password=None if case == "invited_no_password" else PASSWORD)
    email, password = user.email, PASSWORD
    if case == "unknown":
        email = "nobody@example.org"
    elif case == "wrong_password":
        password = "not the password at all"
    elif case == "disabled":
        user.active = False
        db.session.commit()
    r = client.post(
        "/auth/login", data={"email": email, "password": password}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 200
    assert WRONG in r.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_account_throttling_blocks_even_the_right_password(client, make_user, app):
    user = make_user("trainee")
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        client.post("/auth/login", data={"email": user.email, "password": "wrong-password-x"})
    r = client.post(
        "/auth/login", data={"email": user.email, "password": PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 429
    assert "Too many failed sign-ins" in r.get_data(as_text=True)
    # Another account from the same address is not locked by this account's failures.
    other = make_user("trainee")
    assert client.post("/auth/login", data={"email": other.email, "password": PASSWORD}).status_code == 302


def test_address_throttling_spans_accounts(app_factory, make_user):
    app = app_factory(LOGIN_MAX_FAILURES_IP=3)
    client = app.test_client()
    with app.app_context():
        users = [make_user("trainee") for _ in range(4)]
        emails = [u.email for u in users]
    for email in emails[:3]:
        client.post("/auth/login", data={"email": email, "password": "wrong-password-x"})
    assert client.post("/auth/login", data={"email": emails[3], "password": PASSWORD}).status_code == 429
    other_ip = client.post(
        "/auth/login",
        data={"email": emails[3], "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other_ip.status_code == 302


def test_old_failures_leave_the_window(client, make_user, db, app):
    from lms.auth.models import LoginFailure

    user = make_user("trainee")
    old = utcnow() - app.config["LOGIN_WINDOW"] - timedelta(minutes=1)
    db.session.add_all([LoginFailure(key=f"acct:{user.email}", created_at=old) for _ in range(10)])
    db.session.commit()
    assert client.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_logout_ends_the_session_server_side(client, make_user, login):
    user = make_user("trainee")
    login(user)
    with client.session_transaction() as s:
        stolen = dict(s)
    assert client.post("/auth/logout").status_code == 302
    with client.session_transaction() as s:  # replay the cookie captured before logout
        s.update(stolen)
    assert client.get("/dashboard").status_code == 302


def test_disabling_a_user_ends_their_sessions(app, make_user, login, db):
    admin, trainee = make_user("admin"), make_user("trainee")
    trainee_client = login(trainee, c=app.test_client())
    admin_client = login(admin, c=app.test_client())
    assert trainee_client.get("/dashboard").status_code == 200
    assert admin_client.post(f"/admin/users/{trainee.id}/disable").status_code == 302
    assert trainee_client.get("/dashboard").status_code == 302
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == trainee.id)) is None


def test_idle_session_expires(client, make_user, login, db, app):
    user = make_user("trainee")
    login(user)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    row.last_seen_at = utcnow() - app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/account", "/account"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ],
)
def test_login_redirect_stays_on_site(client, make_user, target, expected):
    user = make_user("trainee")
    r = client.post(f"/auth/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert r.headers["Location"].endswith(expected) and "evil" not in r.headers["Location"]


@pytest.mark.parametrize(
    "password, problems",
    [
        ("short7!", ["too_short"]),
        ("a" * 129, ["too_long"]),
        ("password123", ["common"]),
        ("iloveyou", ["common"]),
        ("Qwerty123!", ["common"]),
        ("nguyenthilan", ["personal"]),
        ("tiny fox river", []),
        ("x" * 64 + " long passphrase is fine", []),
        ("긴 한국어 비밀번호도 됩니다", []),
        ("ALLCAPSNOSYMBOLS", []),  # no composition rules
    ],
)
def test_password_policy(password, problems):
    assert (
        check_password(password, personal=("lan@example.org", "Nguyen Thi Lan", "nguyenthilan")) == problems
    )


def test_invitation_link_sets_password_once(client, make_user, db, outbox):
    from lms.jobs import commit
    from lms.users.services import send_invitation

    user = make_user("trainee", password=None)
    send_invitation(user)
    commit()
    mail = outbox()[0]
    assert mail["to"] == user.email
    path = link_from(mail["body"])
    raw = path.rsplit("/", 1)[1]
    assert len(raw) >= 43  # 32 random bytes, base64url
    stored = db.session.scalar(select(AuthToken).where(AuthToken.user_id == user.id))
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash

    weak = client.post(
        path, data={"password": "password1", "confirm": "password1"}, headers={"Accept-Language": "en"}
    )
    assert "attackers try first" in weak.get_data(as_text=True)  # rejected, link still usable
    good = client.post(path, data={"password": "blue kettle morning", "confirm": "blue kettle morning"})
    assert good.status_code == 302
    assert client.get(path).status_code == 410  # single use
    assert (
        client.post("/auth/login", data={"email": user.email, "password": "blue kettle morning"}).status_code
        == 302
    )


def test_expired_and_superseded_links_are_refused(client, make_user, db):
    user = make_user("trainee", password=None)
    first = issue_link_token(user, TokenPurpose.INVITE)
    second = issue_link_token(user, TokenPurpose.INVITE)
    db.session.commit()
    assert client.get(f"/auth/set-password/{first}").status_code == 410
    assert client.get(f"/auth/set-password/{second}").status_code == 200
    tok = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(second)))
    tok.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    r = client.post(
        f"/auth/set-password/{second}",
        data={"password": "blue kettle morning", "confirm": "blue kettle morning"},
    )
    assert r.status_code == 410
    db.session.refresh(user)
    assert user.password_hash is None


def test_reset_does_not_reveal_accounts(client, make_user, outbox):
    user = make_user("trainee")
    known = client.post("/auth/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/auth/forgot", data={"email": "ghost@example.org"}, follow_redirects=True)
    # The form token carries the second it was made: two requests a second apart differ there, and only there.
    token = re.compile(r"<input[^>]*csrf_token[^>]*>")

    def strip(response):
        text = response.get_data(as_text=True).replace(user.email, "").replace("ghost@example.org", "")
        return token.sub("csrf_token", text)

    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert [m["to"] for m in outbox()] == [user.email]


def test_reset_link_changes_password_and_ends_sessions(app, make_user, login, outbox):
    user = make_user("trainee")
    other_device = login(user, c=app.test_client())
    client = app.test_client()
    client.post("/auth/forgot", data={"email": user.email})
    path = link_from(outbox()[0]["body"])
    assert (
        client.post(path, data={"password": "green lamp sunday", "confirm": "green lamp sunday"}).status_code
        == 302
    )
    assert other_device.get("/dashboard").status_code == 302
    fresh = app.test_client()  # ``client`` is signed in now (the link signs in)
    assert fresh.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 200


def test_security_headers(client):
    r = client.get("/auth/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script>" not in r.get_data(as_text=True)  # no inline script anywhere


def test_cookies_are_secure_outside_debug(app_factory, make_user):
    app = app_factory()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        email = make_user("trainee").email
    r = app.test_client().post(
        "/auth/login", data={"email": email, "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert not app_factory(DEBUG=True).config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("purpose", [TokenPurpose.INVITE, TokenPurpose.RESET])
def test_setting_a_password_from_a_link_signs_in_with_a_fresh_session(app, make_user, login, db, purpose):
    """The link proves who this is: after the new password the person lands on their dashboard, signed in,
    in a new session (nothing planted before survives), the link is spent, and other sessions end."""
    user = make_user("trainee", password=None if purpose is TokenPurpose.INVITE else PASSWORD)
    other_device = login(user, c=app.test_client()) if purpose is TokenPurpose.RESET else None
    raw = issue_link_token(user, purpose)
    db.session.commit()
    client = app.test_client()
    path = f"/auth/set-password/{raw}"
    assert client.get(path).status_code == 200
    with client.session_transaction() as s:
        s["planted"] = "attacker"
        s["sid"] = "a-session-id-chosen-by-an-attacker"
    r = client.post(
        path,
        data={"password": "blue kettle morning", "confirm": "blue kettle morning"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    with client.session_transaction() as s:
        assert "planted" not in s
        sid = s["sid"]
        flashes = s.get("_flashes", [])
    assert sid != "a-session-id-chosen-by-an-attacker"
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert [row.token_hash for row in rows] == [hash_token(sid)]  # the other device's session is gone
    if other_device is not None:
        assert other_device.get("/dashboard").status_code == 302
    assert any("you are signed in" in message for _category, message in flashes)
    assert client.get("/dashboard").status_code == 200
    assert client.get(path).status_code == 410  # the link is spent
    db.session.expire_all()
    assert db.session.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(raw))).used_at


def test_a_refused_password_signs_nobody_in(client, make_user, db):
    user = make_user("trainee", password=None)
    raw = issue_link_token(user, TokenPurpose.INVITE)
    db.session.commit()
    r = client.post(f"/auth/set-password/{raw}", data={"password": "password1", "confirm": "password1"})
    assert r.status_code == 200
    assert client.get("/dashboard").status_code == 302  # still signed out
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
