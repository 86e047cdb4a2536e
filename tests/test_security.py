"""Security requirements (OWASP ASVS 5.0, level 2) that no other test proves; SECURITY.md points here."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from lms.db import utcnow
from tests.fixtures.users import PASSWORD

#: What every CSP on a page or API answer must say (ASVS 3.4.3, 3.4.6).
CSP_MUST = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'")


def _assert_browser_headers(response, where):
    csp = response.headers.get("Content-Security-Policy", "")
    for directive in CSP_MUST:
        assert directive in csp, (where, directive, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), where
    assert "Access-Control-Allow-Origin" not in response.headers, where


# V3 Web frontend security ---------------------------------------------------------------------------------


def test_every_kind_of_response_carries_the_browser_security_headers(client, make_user, login, token_for):
    headers = token_for(make_user("trainee"))
    responses = {
        "page": client.get("/auth/login"),
        "HTML error": client.get("/no-such-page"),
        "static file": client.get("/static/css/app.css"),
        "OpenAPI document": client.get("/api/v1/openapi.json"),
        "API answer": client.get("/api/v1/me", headers=headers),
        "API error": client.get("/api/v1/me"),
        "API 404": client.get("/api/v1/cohorts/424242", headers=headers),
    }
    for response in responses.values():
        response.close()  # the static file stays open until then
    assert [r.status_code for r in responses.values()] == [200, 404, 200, 200, 200, 401, 404]
    for where, response in responses.items():
        _assert_browser_headers(response, where)
    login(make_user("admin"))
    _assert_browser_headers(client.get("/admin/users"), "signed-in page")


def test_hsts_on_https_for_a_year_and_subdomains(client):
    secure = client.get("/auth/login", base_url="https://localhost")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000 and "includeSubDomains" in hsts
    # Over plain HTTP the header means nothing to browsers; the proxy's HTTPS answer carries it.
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_session_cookie_is_host_only_secure_httponly_and_samesite(app_factory, make_user):
    app = app_factory()
    with app.app_context():
        email = make_user("trainee").email
    r = app.test_client().post(
        "/auth/login", data={"email": email, "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if "session=" in c)
    assert cookie.startswith("__Host-gongbang_session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attributes and "domain" not in attributes
    assert "SameSite=Lax" in cookie and "Path=/" in cookie
    # A cookie shared with subdomains cannot be __Host-, but still gets the __Secure- guarantee.
    assert (
        app_factory(SESSION_COOKIE_DOMAIN="gongbang.example").config["SESSION_COOKIE_NAME"]
        == "__Secure-gongbang_session"
    )
    # Plain-HTTP development (DEBUG) cannot set Secure cookies, so it keeps the bare name.
    debug = app_factory(DEBUG=True).config
    assert debug["SESSION_COOKIE_NAME"] == "gongbang_session" and not debug["SESSION_COOKIE_SECURE"]


def test_logout_needs_a_post_and_clears_what_the_browser_kept(client, make_user, login):
    login(make_user("trainee"))
    page = client.get("/dashboard")
    assert page.headers["Cache-Control"] == "no-store"  # the back button cannot show it after logout
    assert 'action="/auth/logout"' in page.get_data(as_text=True)  # logout is on every signed-in page
    assert client.get("/auth/logout").status_code == 405  # a link or an <img> cannot sign anyone out
    out = client.post("/auth/logout")
    assert out.status_code == 302 and "storage" in out.headers["Clear-Site-Data"]
    assert client.get("/dashboard").status_code == 302


def test_no_cross_origin_access_and_no_trace(client, make_user, token_for):
    headers = {**token_for(make_user("admin")), "Origin": "https://evil.example"}
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/me", headers=headers).headers
    preflight = client.options(
        "/api/v1/me", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert client.open("/auth/login", method="TRACE").status_code == 405


# V5 File handling ------------------------------------------------------------------------------------------


def test_uploads_are_served_as_named_attachments_never_as_pages(client, login, make_user, db):
    from PIL import Image

    from media.models import MediaFile

    login(make_user("trainee", locale="en"))
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(png, "PNG")
    hostile = 'a"b\r\nSet-Cookie: x=1;<script>.html'
    client.post(
        "/media/check",
        data={"preset": "any", "file": (io.BytesIO(png.getvalue()), hostile)},
        content_type="multipart/form-data",
    )
    media = db.session.scalar(select(MediaFile))
    response = client.get(f"/media/{media.id}/download")
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename" in disposition
    assert "\r" not in disposition and "\n" not in disposition
    assert "x=1" not in response.headers.get("Set-Cookie", "")
    assert response.mimetype == "application/octet-stream"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# V6 Authentication -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", [PASSWORD.upper(), PASSWORD + " ", " " + PASSWORD, PASSWORD[:-1], PASSWORD[:20]]
)
def test_password_is_checked_exactly_as_typed(client, make_user, typed):
    user = make_user("trainee")
    assert client.post("/auth/login", data={"email": user.email, "password": typed}).status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_password_fields_are_masked_and_work_with_password_managers(client, make_user, db):
    from lms.auth.models import TokenPurpose
    from lms.auth.services import issue_link_token

    raw = issue_link_token(make_user("trainee", password=None), TokenPurpose.INVITE)
    db.session.commit()
    pages = (("/auth/login", "current-password"), (f"/auth/set-password/{raw}", "new-password"))
    for url, autocomplete in pages:
        body = client.get(url).get_data(as_text=True)
        fields = re.findall(r"<input[^>]*type=\"password\"[^>]*>", body)
        assert fields, url
        for field in fields:
            assert f'autocomplete="{autocomplete}"' in field, (url, field)
        assert "onpaste" not in body and 'autocomplete="off"' not in body, url


@pytest.mark.parametrize("password", ["gongbang2026!", "Gongbang123", "KONGBANG!!"])
def test_words_of_this_service_are_refused_in_passwords(password):
    from lms.passwords import check_password

    assert check_password(password) == ["common"]


def test_passwords_are_stored_with_argon2id_at_owasp_parameters():
    from lms.passwords import Hasher

    stored = Hasher().hash("tiny fox river")
    assert stored.startswith("$argon2id$") and "m=65536,t=3,p=2" in stored  # OWASP: m>=19 MiB, t>=2


def test_failed_and_successful_sign_ins_are_logged_without_forged_lines(client, make_user, caplog):
    user = make_user("trainee")
    with caplog.at_level(logging.INFO, logger="lms.auth.services"):
        client.post(
            "/auth/login", data={"email": "x@example.org\nINFO forged entry", "password": "wrong-pass"}
        )
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    messages = [r.getMessage() for r in caplog.records]
    failed = [m for m in messages if m.startswith("login failed")]
    assert failed and all("\n" not in m for m in failed)
    assert any(m == f"user {user.id} signed in from 127.0.0.1" for m in messages)


# V7 Session management -------------------------------------------------------------------------------------


def test_session_ids_are_new_random_and_256_bits_on_every_sign_in(app, make_user, login, db):
    from lms.auth.models import UserSession
    from lms.auth.services import hash_token

    user = make_user("trainee")
    sids = []
    for _ in range(3):
        client = login(user, c=app.test_client())
        with client.session_transaction() as s:
            sids.append(s["sid"])
    assert len(set(sids)) == 3
    assert all(len(base64.urlsafe_b64decode(sid + "=" * (-len(sid) % 4))) == 32 for sid in sids)
    stored = {row.token_hash for row in db.session.scalars(select(UserSession))}
    assert stored == {hash_token(sid) for sid in sids}  # the database never holds a usable session id


def test_sessions_end_after_their_absolute_lifetime_even_when_active(client, make_user, login, db, app):
    from lms.auth.models import UserSession

    login(make_user("trainee"))
    row = db.session.scalar(select(UserSession))
    row.created_at = utcnow() - app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=1)
    row.last_seen_at = utcnow()
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert db.session.scalar(select(UserSession)) is None


# V8 Authorisation ------------------------------------------------------------------------------------------


def test_withdrawn_trainee_no_longer_sees_the_cohort(client, make_user, make_cohort, token_for, db):
    from lms.programmes import services
    from lms.programmes.models import Enrolment, EnrolmentStatus

    leaver, graduate = make_user("trainee"), make_user("trainee")
    cohort = make_cohort(trainees=[leaver, graduate])
    enrolments = {e.user_id: e for e in db.session.scalars(select(Enrolment))}
    services.withdraw_enrolment(enrolments[leaver.id])
    enrolments[graduate.id].status = EnrolmentStatus.COMPLETED
    db.session.commit()
    leaver_headers, graduate_headers = token_for(leaver), token_for(graduate)
    assert client.get("/api/v1/cohorts", headers=leaver_headers).get_json() == []
    assert client.get(f"/api/v1/cohorts/{cohort.id}", headers=leaver_headers).status_code == 404
    assert client.get(f"/api/v1/cohorts/{cohort.id}", headers=graduate_headers).status_code == 200


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_ids_beyond_what_a_row_can_have_are_404_not_a_crash(client, make_user, token_for, login, number):
    headers = token_for(make_user("admin"), "read write")
    assert client.get(f"/api/v1/users/{number}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/cohorts/{number}/enrolments", json={"user_id": 1}, headers=headers).status_code
        == 404
    )
    login(make_user("admin"))
    assert client.get(f"/cohorts/{number}").status_code == 404


# V1 Encoding and sanitisation ------------------------------------------------------------------------------


def test_user_text_is_escaped_in_pages(client, make_user, login):
    victim = make_user("trainee", name='<script>alert("x")</script>')
    login(make_user("admin"))
    body = client.get(f"/admin/users/{victim.id}").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in body and "&lt;script&gt;" in body


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<img src=x onerror="alert(1)">',
        '<a href="https://evil.example" onclick="x()">a</a>',
        "[ok](https://example.org) and **bold**",
    ],
)
def test_markdown_from_users_is_sanitised(text):
    from lms.markup import render_markdown

    parser = _Tags()
    parser.feed(str(render_markdown(text)))
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "iframe", "object", "style"), tag
        assert not [a for a in attrs if a.startswith("on")], attrs
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://", "mailto:")), attrs
            assert "noopener" in attrs["rel"] and "nofollow" in attrs["rel"]


# V11 Cryptography, V14 Data protection ---------------------------------------------------------------------


def test_api_tokens_are_random_hashed_and_accepted_only_in_the_header(client, make_user, db):
    from lms.api.models import ApiToken
    from lms.api.services import TOKEN_PREFIX, create_token

    user = make_user("trainee")
    raws = [create_token(user, f"t{i}")[1] for i in range(3)]
    db.session.commit()
    assert len(set(raws)) == 3
    for raw in raws:
        secret = raw[len(TOKEN_PREFIX) :]
        assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) == 32  # 256 random bits
    stored = {t.token_hash for t in db.session.scalars(select(ApiToken))}
    assert stored == {hashlib.sha256(raw.encode()).hexdigest() for raw in raws}
    # In a URL the token would end up in logs and Referer headers: it is refused there.
    assert client.get(f"/api/v1/me?access_token={raws[0]}").status_code == 401
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raws[0]}"})
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"


# V13 Configuration, V16 Errors -----------------------------------------------------------------------------


def test_no_directory_listing_and_no_api_console(client):
    for path in ("/static/", "/static/js/", "/api/v1/swagger-ui", "/api/v1/redoc", "/api/v1/rapidoc"):
        assert client.get(path).status_code == 404, path


def test_unexpected_errors_answer_a_generic_message_and_are_logged(app_factory, caplog):
    app = app_factory(TESTING=False)

    def boom():
        raise RuntimeError("secret detail: postgres://admin:hunter2@db")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="lms.errors"):
        page = client.get("/boom", headers={"Accept-Language": "en"})
        api = client.get("/api/v1/boom", headers={"Accept-Language": "en"})
    for response in (page, api):
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "hunter2" not in body and "Traceback" not in body and "RuntimeError" not in body
        _assert_browser_headers(response, response.request.path)
    assert "Something went wrong on our side" in page.get_data(as_text=True)
    assert api.get_json()["code"] == 500 and api.get_json()["status"] == "Internal Server Error"
    assert sum(r.exc_info is not None for r in caplog.records) == 2  # the details go to the log instead


def test_refused_access_is_logged(client, make_user, token_for, caplog):
    headers = token_for(make_user("trainee"))
    with caplog.at_level(logging.INFO, logger="lms.errors"):
        assert client.get("/api/v1/users", headers=headers).status_code == 403
        assert client.get("/api/v1/users").status_code == 401
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("access refused")]
    assert refused == [
        "access refused (403) on GET '/api/v1/users' from 127.0.0.1",
        "access refused (401) on GET '/api/v1/users' from 127.0.0.1",
    ]


def test_page_numbers_past_any_offset_answer_an_empty_page(client, make_user, token_for, login):
    headers = token_for(make_user("admin"))
    for url in ("/api/v1/users", "/api/v1/programmes", "/api/v1/cohorts", "/api/v1/projects"):
        response = client.get(f"{url}?page={10**30}", headers=headers)
        assert response.status_code == 200 and response.get_json() == [], url
    login(make_user("admin"))
    for url in ("/admin/users", "/programmes", "/projects/"):
        assert client.get(f"{url}?page={10**30}").status_code in (200, 404), url


@pytest.mark.parametrize("body", [{"user_id": 10**30}, {"user_id": 2**63}])
def test_numbers_the_database_cannot_hold_are_a_bad_request_not_a_crash(
    client, make_user, make_cohort, token_for, caplog, body
):
    cohort = make_cohort()
    with caplog.at_level(logging.WARNING, logger="lms.errors"):
        r = client.post(
            f"/api/v1/cohorts/{cohort.id}/enrolments",
            json=body,
            headers=token_for(make_user("admin"), "read write"),
        )
    # The schema bounds ids now (422 naming the field, before any query); before that SQLite could not bind
    # such an int (400) and PostgreSQL found no row (404). A crash (500) is what this test was written for.
    assert r.status_code == 422 and "user_id" in str(r.get_json()["errors"])
    assert client.get("/api/v1/me", headers=token_for(make_user("trainee"))).status_code == 200  # still up
