"""Every tampered or replayed launch is refused, says why, and signs nobody in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time

import jwt
import pytest
from sqlalchemy import func, select

from tests.fixtures.lti import hint
from tests.lti.platform import new_private_pem, public_pem


def refused(answer, code: str, text: str):
    assert answer.status_code == 400, answer.data[:300]
    html = answer.get_data(as_text=True)
    assert f"Reason code for the administrator: {code}" in html, html[:2000]
    assert text in html


def no_session(client):
    page = client.get("/dashboard")
    assert page.status_code == 302 and "/auth/login" in page.location


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def en_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_plain_launch_is_accepted(platform, launch, en_client, project):
    # The baseline the tampered variants below differ from.
    assert launch("s-1", hint("link-x"), client=en_client).status_code == 302


@pytest.mark.parametrize(
    "tamper, code, text",
    [
        (
            {"extra_claims": {"aud": "another-tool", "azp": "another-tool"}},
            "wrong_audience",
            "meant for another tool",
        ),
        ({"iss": "https://evil.example.org"}, "wrong_issuer", "not issued by the LMS that started"),
        ({"deployment_id": "deployment-99"}, "unknown_deployment", "deployment is not registered"),
    ],
)
def test_claims_that_do_not_match_the_registration(
    platform, launch, lms, en_client, tamper, code, text, caplog
):
    lms.tamper = tamper
    with caplog.at_level(logging.WARNING, logger="lti.views"):
        answer = launch("s-1", hint("link-x"), client=en_client)
    refused(answer, code, text)
    assert any(code in r.getMessage() for r in caplog.records)  # the reason is logged
    no_session(en_client)


def test_token_signed_by_a_key_the_platform_does_not_publish(platform, launch, lms, en_client):
    lms.tamper = {"private_pem": new_private_pem()}
    refused(launch("s-1", hint("link-x"), client=en_client), "unknown_key", "key it does not publish")
    no_session(en_client)


@pytest.mark.parametrize(
    "variant, code",
    [
        ("forged_signature", "bad_signature"),
        ("alg_none", "bad_algorithm"),
        ("hs256_with_public_key", "bad_algorithm"),
        ("expired", "expired"),
        ("future_iat", "not_yet_valid"),
        ("multiple_audiences_without_azp", "wrong_audience"),
        ("wrong_message_type", "bad_message"),
        ("no_kid", "unknown_key"),
    ],
)
def test_forged_tokens_with_a_valid_state(platform, lms, app, en_client, variant, code, monkeypatch):
    """The browser's state and nonce are genuine; only the token is forged."""
    from urllib.parse import parse_qsl, urlsplit

    from tests.lti.platform import build_platform, preflight_url

    url = urlsplit(preflight_url(lms, "s-1", hint("link-x")))
    auth = urlsplit(en_client.get(url.path, query_string=url.query).location)
    query = dict(parse_qsl(auth.query))
    signed = build_platform(lms).test_client().get(auth.path, query_string=query).get_json()
    claims = jwt.decode(signed["id_token"], options={"verify_signature": False})
    kid = jwt.get_unverified_header(signed["id_token"])["kid"]
    now = int(time.time())
    if variant == "forged_signature":
        token = jwt.encode(
            {**claims, "name": "Mallory"}, new_private_pem(), algorithm="RS256", headers={"kid": kid}
        )
    elif variant == "alg_none":
        head = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
        token = f"{head}.{_b64(json.dumps(claims).encode())}."
    elif variant == "hs256_with_public_key":
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
        body = _b64(json.dumps(claims).encode())
        mac = hmac.new(
            public_pem(lms.private_pem).encode(), f"{head}.{body}".encode(), hashlib.sha256
        ).digest()
        token = f"{head}.{body}.{_b64(mac)}"
    else:
        changed = {
            "expired": {"iat": now - 7200, "exp": now - 3600},
            "future_iat": {"iat": now + 3600, "exp": now + 7200},
            "multiple_audiences_without_azp": {"aud": [claims["aud"], "someone-else"]},
            "wrong_message_type": {
                "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiSubmissionReviewRequest"
            },
            "no_kid": {},
        }[variant]
        if variant == "multiple_audiences_without_azp":
            claims.pop("azp", None)
        headers = {} if variant == "no_kid" else {"kid": kid}
        token = jwt.encode({**claims, **changed}, lms.private_pem, algorithm="RS256", headers=headers)
    answer = en_client.post("/lti/launch", data={"id_token": token, "state": signed["state"]})
    refused(answer, code, "")
    no_session(en_client)


def test_replayed_state_and_replayed_nonce(platform, launch, app, en_client, db):
    from lms.users.models import User

    assert launch("s-1", hint("link-x"), client=en_client).status_code == 302
    signed = launch.last["signed"]
    users = db.session.scalar(select(func.count(User.id)))
    # The same state again, even with its cookie: already spent.
    cookie = "lti_state_" + hashlib.sha256(signed["state"].encode()).hexdigest()[:16]
    en_client.set_cookie(cookie, signed["state"], path="/lti/launch")
    refused(
        en_client.post("/lti/launch", data={"id_token": signed["id_token"], "state": signed["state"]}),
        "state_unknown",
        "already used or has expired",
    )
    # A fresh login (new state and nonce) carrying the old token: its nonce belongs to the first login.
    attacker = app.test_client()
    attacker.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    answer = launch("s-1", hint("link-x"), client=attacker, form_override={"id_token": signed["id_token"]})
    refused(answer, "bad_nonce", "replayed")
    no_session(attacker)
    assert db.session.scalar(select(func.count(User.id))) == users


def test_state_without_this_browsers_cookie(platform, launch, app, en_client):
    other_browser = app.test_client()
    other_browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    answer = launch("s-1", hint("link-x"), client=en_client, browser=other_browser)
    refused(answer, "state_cookie", "did not keep the sign-in cookie")
    no_session(other_browser)


def test_expired_token_from_the_platform(platform, launch, lms, en_client):
    lms.expiration = -3600  # the library signs with exp in the past
    refused(launch("s-1", hint("link-x"), client=en_client), "expired", "has expired")


@pytest.mark.parametrize(
    "query, code",
    [
        ({"iss": "https://unknown.example.org"}, "unknown_platform"),
        ({"target_link_uri": "https://evil.example.org/phish"}, "wrong_target"),
        ({"lti_deployment_id": "deployment-99"}, "unknown_deployment"),
        ({"login_hint": ""}, "missing_params"),
    ],
)
def test_login_initiation_refusals(platform, lms, en_client, query, code):
    from urllib.parse import parse_qsl, urlsplit

    from tests.lti.platform import preflight_url

    params = dict(parse_qsl(urlsplit(preflight_url(lms, "s-1", hint("link-x"))).query))
    params.update(query)
    refused(en_client.get("/lti/login", query_string=params), code, "")


def test_switched_off_platform(platform, launch, db, en_client):
    platform.active = False
    db.session.commit()
    refused(launch("s-1", hint("link-x"), client=en_client), "platform_inactive", "does not accept")


def test_admin_accounts_are_never_reached_from_an_lms(platform, launch, make_user, en_client):
    make_user("admin", email="lan@uni.example.edu")
    refused(
        launch("s-1", hint("link-x"), client=en_client), "account_not_allowed", "cannot be used from an LMS"
    )


def test_custom_project_of_another_cohort_is_not_linked(
    platform, launch, lms, project, make_cohort, make_user, db
):
    """A placement naming a project by hand (custom parameter) only works inside the linked cohort."""
    from lti.models import Context, ResourceLink

    other = make_cohort()
    db.session.add(
        Context(
            platform_id=platform.id, context_id="course-101", deployment_id="deployment-1", cohort_id=other.id
        )
    )
    db.session.commit()
    lms.custom = {"gongbang_project": str(project.id)}
    answer = launch("s-1", hint("link-x"))
    assert (
        answer.status_code == 302 and "/lti/launches/" in answer.location
    )  # "not set up yet", not the project
    assert db.session.scalar(select(ResourceLink)) is None
