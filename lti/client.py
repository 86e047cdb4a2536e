"""HTTP calls from the tool to a platform: its JWKS, OAuth 2 client-credentials tokens, AGS and NRPS.

``requests`` with explicit timeouts; platform answers are never trusted beyond their documented shape.
Errors are :class:`PlatformError` with ``transient`` set when a retry may help (network, 5xx, 429).
"""

from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import current_app

from lti import keys
from lti.models import Platform

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
TIMEOUT = (5, 20)  # connect, read (seconds)

#: (platform id, jwks url) -> (fetched at, key set); (platform id, scopes) -> (expires at, token).
_jwks_cache: dict[tuple, tuple[float, dict]] = {}
_token_cache: dict[tuple, tuple[float, str]] = {}
_lock = threading.Lock()


class PlatformError(RuntimeError):
    def __init__(self, message: str, transient: bool = False, status: int | None = None):
        super().__init__(message)
        self.transient, self.status = transient, status


def _check(response: requests.Response, what: str) -> requests.Response:
    if response.status_code >= 400:
        transient = response.status_code >= 500 or response.status_code == 429
        raise PlatformError(
            f"{what}: HTTP {response.status_code} {response.text[:200]}", transient, response.status_code
        )
    return response


def _call(method: str, url: str, what: str, **kwargs) -> requests.Response:
    try:
        response = requests.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.RequestException as exc:
        raise PlatformError(f"{what}: {type(exc).__name__}: {exc}", transient=True) from exc
    return _check(response, what)


def platform_jwks(platform: Platform, refresh: bool = False) -> dict:
    """The platform's key set, cached for ``LTI_JWKS_CACHE_SECONDS`` (refetched on an unknown kid)."""
    key = (platform.id, platform.jwks_url)
    now = time.monotonic()
    with _lock:
        cached = _jwks_cache.get(key)
    if cached and not refresh and now - cached[0] < current_app.config["LTI_JWKS_CACHE_SECONDS"]:
        return cached[1]
    try:
        data = _call("GET", platform.jwks_url, "platform JWKS").json()
    except ValueError as exc:
        raise PlatformError("platform JWKS: not JSON") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise PlatformError("platform JWKS: no 'keys' list")
    with _lock:
        _jwks_cache[key] = (now, data)
    return data


def forget_cached(platform_id: int) -> None:
    """Drop cached keys and tokens of a platform (after its registration changed)."""
    with _lock:
        for cache in (_jwks_cache, _token_cache):
            for key in [k for k in cache if k[0] == platform_id]:
                del cache[key]


def access_token(platform: Platform, scopes: list[str]) -> str:
    """An OAuth 2 bearer token for ``scopes`` (client credentials with a signed JWT assertion)."""
    scope = " ".join(sorted(scopes))
    key = (platform.id, scope)
    with _lock:
        cached = _token_cache.get(key)
    if cached and cached[0] > time.time() + 30:
        return cached[1]
    now = int(time.time())
    assertion = keys.sign(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.token_audience or platform.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
    )
    response = _call(
        "POST",
        platform.auth_token_url,
        "token endpoint",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": scope,
        },
        headers={"Accept": "application/json"},
    )
    try:
        body = response.json()
        token, expires_in = body["access_token"], int(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError("token endpoint: no access_token in the answer") from exc
    with _lock:
        _token_cache[key] = (time.time() + expires_in, token)
    return token


def scores_url(lineitem_url: str) -> str:
    """``<lineitem>/scores``, keeping the line item URL's query string (AGS 2.0 §3.4)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def post_score(platform: Platform, lineitem_url: str, score: dict) -> int:
    token = access_token(platform, [SCORE_SCOPE])
    response = _call(
        "POST",
        scores_url(lineitem_url),
        "score",
        json=score,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.ims.lis.v1.score+json"},
    )
    return response.status_code


def memberships(platform: Platform, url: str, max_pages: int = 50) -> tuple[dict, list[dict]]:
    """The course's context and every member, following ``Link: rel="next"`` pages."""
    token = access_token(platform, [NRPS_SCOPE])
    members: list[dict] = []
    context: dict = {}
    for _page in range(max_pages):
        response = _call(
            "GET",
            url,
            "memberships",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            },
        )
        try:
            body = response.json()
        except ValueError as exc:
            raise PlatformError("memberships: not JSON") from exc
        context = body.get("context") or context
        members.extend(m for m in body.get("members", []) if isinstance(m, dict))
        url = response.links.get("next", {}).get("url")
        if not url:
            break
    return context, members
