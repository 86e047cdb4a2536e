"""An LMS for the tests, built on the third-party platform library ``lti1p3platform`` (not our code).

It runs as a small Flask app at ``https://lms.example.edu``: OIDC authorization endpoint, JWKS, OAuth 2
token endpoint, AGS line items and scores, NRPS memberships and the deep-linking return URL. The library
signs the launches, checks our client assertions and deep-linking responses against *our* published JWKS
(fetched over HTTP through :class:`WsgiRouter`), and checks the bearer tokens of AGS/NRPS calls.
"""

from __future__ import annotations

import io
import json
import typing as t
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, request
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context as NrpsContext
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from lti1p3platform.score import UpdateScoreStatus
from lti1p3platform.service_connector import AssignmentsGradesService, NamesRoleProvisioningService
from werkzeug.test import Client as WerkzeugClient

ISSUER = "https://lms.example.edu"
CLIENT_ID = "gongbang-tool-1"
DEPLOYMENT = "deployment-1"
TOOL = "http://localhost"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class Person:
    sub: str
    name: str
    email: str | None
    roles: list[str]
    status: str = "Active"


@dataclass
class LMS:
    """The platform's state: people, one course, its line items, received scores and deep-link answers."""

    private_pem: str = field(default_factory=new_private_pem)
    people: dict[str, Person] = field(default_factory=dict)
    course: dict = field(
        default_factory=lambda: {"id": "course-101", "title": "Video Production 101", "label": "VP101"}
    )
    lineitems: dict[str, dict] = field(default_factory=dict)
    scores: list[dict] = field(default_factory=list)
    deep_link_items: list[dict] = field(default_factory=list)
    #: Per launch, overrides of what the platform signs (tampering tests): {"client_id", "iss", ...}.
    tamper: dict = field(default_factory=dict)
    expiration: int = 300
    fail_scores: int = 0  # the next N score posts answer 503
    custom: dict = field(default_factory=dict)

    def registration(self, tampered: bool = False) -> Registration:
        t = self.tamper if tampered else {}
        return (
            Registration()
            .set_iss(t.get("iss", ISSUER))
            .set_client_id(t.get("client_id", CLIENT_ID))
            .set_deployment_id(t.get("deployment_id", DEPLOYMENT))
            .set_launch_url(f"{TOOL}/lti/launch")
            .set_deeplink_launch_url(f"{TOOL}/lti/launch")
            .set_oidc_login_url(f"{TOOL}/lti/login")
            .set_tool_key_set_url(f"{TOOL}/lti/jwks.json")
            .set_platform_public_key(public_pem(t.get("private_pem", self.private_pem)))
            .set_platform_private_key(t.get("private_pem", self.private_pem))
        )


class PlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, lms: LMS, tampered: bool = False) -> None:
        self._registration = lms.registration(tampered)

    def get_registration_by_params(self, **kwargs):
        return self._registration


class FlaskRequest(Request):
    def build_metadata(self, req) -> dict:
        return {
            "method": req.method,
            "form_data": req.form.to_dict(),
            "get_data": req.args.to_dict(),
            "headers": req.headers,
            "content_type": req.content_type,
            "path": req.path,
            "json": req.get_json(silent=True),
        }


class Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs):
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url):
        return url


class Launch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data, **kwargs):
        return launch_data  # the browser (the test) posts it to the tool


def build_platform(lms: LMS) -> Flask:  # noqa: C901  (one flow read top to bottom; splitting would scatter it)
    app = Flask("test_lms")

    @app.get("/jwks")
    def jwks():
        return jsonify(PlatformConf(lms=lms).get_jwks())

    @app.get("/auth")
    def auth():
        """OIDC authorization endpoint: the signed-in LMS user (login_hint) is launched."""
        conf = PlatformConf(lms=lms, tampered=True)  # only what is signed for the tool is ever tampered with
        launch = Launch(FlaskRequest(request), conf)
        person = lms.people[request.args["login_hint"]]
        hint = json.loads(request.args["lti_message_hint"])
        launch.set_id_token_expiration(lms.expiration)
        launch.set_user_data(person.sub, person.roles, person.name, person.email)
        launch.set_launch_context_claim(
            lms.course["id"], context_title=lms.course["title"], context_label=lms.course["label"]
        )
        base = f"{ISSUER}/courses/{lms.course['id']}"
        launch.set_nrps(f"{base}/memberships")
        if hint.get("deep_link"):
            launch.set_dl(
                f"{ISSUER}/deep_link_return",
                title="Add an activity",
                extra_data={"opaque": "x1"},
                accept_types={"ltiResourceLink"},
            )
        else:
            link_id = hint["resource_link"]
            launch.set_resource_link_claim(link_id, title="Gongbang activity")
            item = lms.lineitems.get(link_id)
            launch.set_ags(f"{base}/lineitems", f"{base}/lineitems/{link_id}" if item else None)
            custom = {**(item or {}).get("custom", {}), **lms.custom}
            if custom:
                launch.set_custom_parameters_claim(custom)
        if lms.tamper.get("extra_claims"):
            launch.set_extra_claims(lms.tamper["extra_claims"])
        return jsonify(launch.lti_launch())

    @app.post("/token")
    def token():
        try:
            return jsonify(PlatformConf(lms=lms).get_access_token(request.form.to_dict()))
        except Exception as exc:  # noqa: BLE001  (the library raises assorted errors for bad assertions)
            return jsonify({"error": "invalid_client", "error_description": str(exc)}), 401

    @app.post("/deep_link_return")
    def deep_link_return():
        items = PlatformConf(lms=lms).validate_deeplinking_resp({"JWT": request.form["JWT"]})
        for item in items:
            lms.lineitems[f"link-{len(lms.lineitems) + 1}"] = item
        lms.deep_link_items.extend(items)
        return "added"

    class Grades(AssignmentsGradesService):
        def update_score(self, line_item_id, score):
            if lms.fail_scores:
                lms.fail_scores -= 1
                from lti1p3platform.exceptions import LtiServiceException

                raise LtiServiceException("maintenance", 503)
            lms.scores.append({"lineitem": line_item_id, **score})
            return UpdateScoreStatus.SUCCESS

        def find_lineitems(self, *a, **k):
            raise NotImplementedError

        def find_lineitem(self, line_item_id):
            raise NotImplementedError

        def create_lineitem(self, creation_data):
            raise NotImplementedError

        def update_lineitem(self, update_data):
            raise NotImplementedError

        def delete_lineitem(self, line_item_id):
            raise NotImplementedError

        def get_results(self, *a, **k):
            raise NotImplementedError

    @app.post("/courses/<course>/lineitems/<item>/scores")
    def scores(course, item):
        service = Grades(
            FlaskRequest(request),
            PlatformConf(lms=lms),
            f"{ISSUER}/courses/{course}/lineitems",
            f"{ISSUER}/courses/{course}/lineitems/{item}",
        )
        resp = service.handle_resp(service.handle_update_score, line_item_id=item)
        return Response(json.dumps(resp.result), status=resp.code, content_type=resp.media_type)

    class Roster(NamesRoleProvisioningService):
        def get_context_by_id(self):
            return NrpsContext(id=lms.course["id"], label=lms.course["label"], title=lms.course["title"])

        def get_member_data_page(self, page=1, limit=None, role=None, since=None):
            members = [
                {"user_id": p.sub, "roles": p.roles, "name": p.name, "email": p.email, "status": p.status}
                for p in lms.people.values()
            ]
            return {"content": members, "has_next": False, "next": None}

    @app.get("/courses/<course>/memberships")
    def memberships(course):
        service = Roster(
            FlaskRequest(request), PlatformConf(lms=lms), f"{ISSUER}/courses/{course}/memberships"
        )
        resp = service.handle_resp(service.handle_get_members)
        return Response(json.dumps(resp.result), status=resp.code, content_type=resp.media_type)

    return app


def preflight_url(lms: LMS, sub: str, hint: dict) -> str:
    """The LMS's third-party login initiation URL for ``sub`` (built by the library)."""
    login = Login(None, PlatformConf(lms=lms))
    login.set_lti_message_hint(hint=json.dumps(hint))
    return login.prepare_preflight_url(sub)


class WsgiRouter(requests.adapters.BaseAdapter):
    """Serves ``requests`` calls from in-process WSGI apps by host; anything else fails (no real network)."""

    def __init__(self, apps: dict[str, t.Any]):
        super().__init__()
        self.apps = apps
        self.calls: list[tuple[str, str]] = []

    def send(self, prepared, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        import contextvars

        parts = urlsplit(prepared.url)
        app = self.apps.get(parts.netloc)
        if app is None:
            raise requests.ConnectionError(f"no network in tests: {prepared.url}")
        self.calls.append((prepared.method, prepared.url))
        body = prepared.body.encode() if isinstance(prepared.body, str) else (prepared.body or b"")
        client = WerkzeugClient(app)
        # A fresh context, as a separate server process would have (the caller may be inside a request).
        wz = contextvars.Context().run(
            client.open,
            parts.path,
            method=prepared.method,
            query_string=parts.query,
            data=body,
            headers=dict(prepared.headers),
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        response = requests.Response()
        response.status_code = wz.status_code
        response.headers = requests.structures.CaseInsensitiveDict(wz.headers.items())
        response.raw = io.BytesIO(wz.get_data())
        response._content = wz.get_data()
        response.url, response.request, response.encoding = prepared.url, prepared, "utf-8"
        wz.close()
        return response

    def close(self):
        pass
