"""Fixtures for the LTI plugin: a registered outside platform (lti1p3platform) reachable over `requests`."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from lms.db import utcnow
from tests.lti.platform import (
    CLIENT_ID,
    DEPLOYMENT,
    INSTRUCTOR,
    ISSUER,
    LEARNER,
    LMS,
    Person,
    WsgiRouter,
    build_platform,
    preflight_url,
)


@pytest.fixture
def lms():
    people = {"s-1": Person("s-1", "Nguyen Thi Lan", "lan@uni.example.edu", [LEARNER]),
              "s-2": Person("s-2", "Bui Van Minh", "minh@uni.example.edu", [LEARNER]),
              "t-1": Person("t-1", "Kim Seoyeon", "seoyeon@uni.example.edu", [INSTRUCTOR])}
    return LMS(people=people)


@pytest.fixture
def network(app, lms, monkeypatch):
    """Routes every `requests` call to the tool or the platform in-process; other hosts fail."""
    router = WsgiRouter({"localhost": app, "lms.example.edu": build_platform(lms)})
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: router)
    from lti import client

    client._jwks_cache.clear()
    client._token_cache.clear()
    return router


@pytest.fixture
def platform(db, network):
    """The outside LMS, registered in Gongbang as an admin would."""
    from lti import services

    p = services.save_platform(None, name="Uni Moodle", issuer=ISSUER, client_id=CLIENT_ID,
                               auth_login_url=f"{ISSUER}/auth", auth_token_url=f"{ISSUER}/token",
                               jwks_url=f"{ISSUER}/jwks", deployment_ids=[DEPLOYMENT])
    db.session.commit()
    return p


@pytest.fixture
def course(make_user, make_cohort):
    instructor = make_user("instructor", locale="en", email="seoyeon@uni.example.edu", name="Kim Seoyeon")
    cohort = make_cohort(instructors=[instructor])
    return {"cohort": cohort, "instructor": instructor}


@pytest.fixture
def project(db, course):
    from projects.coursework import services

    p = services.create_project(course["cohort"], course["instructor"], title_en="Brand film", title_ko="브랜드 영상",
                                brief_en="Make a **30 s** film.", due_at=utcnow() + timedelta(days=7))
    services.save_deliverable(p, name_en="Note", kind="text")
    services.publish_project(p)
    db.session.commit()
    return p


@pytest.fixture
def launch(app, lms):
    """``launch(sub, hint, client=None)``: the whole browser round trip; returns the tool's answer to the POST.

    The test client is the browser: it follows the platform's login initiation to the tool, the tool's
    redirect to the platform's authorization endpoint, and posts the platform's signed answer back.
    """

    def do(sub, hint, client=None, browser=None, platform_query=None, form_override=None):
        client = client or app.test_client()
        url = preflight_url(lms, sub, hint)
        parts = urlsplit(url)
        answer = client.get(parts.path, query_string=parts.query)
        if answer.status_code != 302:
            return answer
        auth = urlsplit(answer.location)
        assert f"{auth.scheme}://{auth.netloc}" == ISSUER, answer.location
        query = dict(parse_qsl(auth.query))
        query.update(platform_query or {})
        signed = build_platform(lms).test_client().get(auth.path, query_string=query).get_json()
        form = {"id_token": signed["id_token"], "state": signed["state"], **(form_override or {})}
        do.last = {"query": query, "signed": signed}
        return (browser or client).post(urlsplit(signed["launch_url"]).path, data=form)

    return do


def hint(resource_link=None, deep_link=False) -> dict:
    return {"deep_link": True} if deep_link else {"resource_link": resource_link}


def dumps(value) -> str:
    return json.dumps(value)
