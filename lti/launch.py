"""Checking an LTI 1.3 id_token: every rule of LTI 1.3 §5.1.3, OIDC Core §3.2.2.11 and ASVS V3.5/V6.

The order matters: nothing from the token is believed before its signature is checked, except the
header's ``kid``/``alg`` (to pick a key from the platform's JWKS, never a key the token offers) and the
``iss`` the caller already pinned through the login state. Each refusal is a :class:`LaunchError` whose
``code`` the view turns into a translated explanation and the log into a reason.
"""

from __future__ import annotations

import jwt

from lti import client
from lti.models import Platform

#: Asymmetric algorithms only: never ``none``, never an HMAC keyed with a public key.
ALLOWED_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
LEEWAY = 60  # seconds of clock skew tolerated between the platform and us

C = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE, VERSION, DEPLOYMENT = C + "message_type", C + "version", C + "deployment_id"
ROLES, CONTEXT, RESOURCE_LINK, CUSTOM = C + "roles", C + "context", C + "resource_link", C + "custom"
TARGET_LINK_URI, LAUNCH_PRESENTATION = C + "target_link_uri", C + "launch_presentation"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST = "LtiResourceLinkRequest", "LtiDeepLinkingRequest"


class LaunchError(Exception):
    """A refused launch. ``code`` names the rule; ``detail`` is for the log only."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def _platform_key(platform: Platform, kid: str, alg: str):
    for refresh in (False, True):  # a kid we do not know yet: the platform may have rotated
        try:
            jwks = client.platform_jwks(platform, refresh=refresh)
        except client.PlatformError as exc:
            raise LaunchError("jwks_unavailable", str(exc)) from exc
        for data in jwks["keys"]:
            if isinstance(data, dict) and data.get("kid") == kid:
                if data.get("alg") not in (None, alg):
                    raise LaunchError(
                        "bad_algorithm", f"key {kid} is for {data.get('alg')}, token says {alg}"
                    )
                try:
                    return jwt.PyJWK(data, algorithm=alg).key
                except jwt.PyJWTError as exc:
                    raise LaunchError("unknown_key", f"unusable JWK {kid}: {exc}") from exc
    raise LaunchError("unknown_key", f"kid {kid!r} is not in the platform's JWKS")


def decode_id_token(platform: Platform, id_token: str, *, nonce: str, target_link_uri: str) -> dict:  # noqa: C901
    """Verify ``id_token`` from ``platform`` and return its claims.

    :param nonce: the nonce this browser's login state issued (one-time; the caller has spent it).
    :param target_link_uri: the URI the login asked to end at.
    :raises LaunchError: naming the first rule the token breaks.
    """
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as exc:
        raise LaunchError("bad_token", str(exc)) from exc
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALLOWED_ALGS:
        raise LaunchError("bad_algorithm", f"alg {alg!r}")
    if not kid:
        raise LaunchError("unknown_key", "no kid in the header")
    key = _platform_key(platform, kid, alg)
    try:
        claims = jwt.decode(
            id_token,
            key,
            algorithms=[alg],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise LaunchError("expired", str(exc)) from exc
    except jwt.ImmatureSignatureError as exc:
        raise LaunchError("not_yet_valid", str(exc)) from exc
    except jwt.InvalidAudienceError as exc:
        raise LaunchError("wrong_audience", str(exc)) from exc
    except jwt.InvalidIssuerError as exc:
        raise LaunchError("wrong_issuer", str(exc)) from exc
    except jwt.InvalidSignatureError as exc:
        raise LaunchError("bad_signature", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise LaunchError("bad_token", str(exc)) from exc
    if claims["iat"] > _now() + LEEWAY:
        raise LaunchError("not_yet_valid", "iat in the future")
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OIDC: several audiences need an azp, and an azp must be our client id.
    if (len(aud) > 1 or "azp" in claims) and claims.get("azp") != platform.client_id:
        raise LaunchError("wrong_audience", f"azp {claims.get('azp')!r}")
    if not isinstance(claims["nonce"], str) or not _same(claims["nonce"], nonce):
        raise LaunchError("bad_nonce", "nonce does not match this browser's login")
    if claims.get(DEPLOYMENT) not in platform.deployment_ids:
        raise LaunchError("unknown_deployment", f"deployment {claims.get(DEPLOYMENT)!r}")
    if claims.get(VERSION) != "1.3.0":
        raise LaunchError("bad_message", f"version {claims.get(VERSION)!r}")
    kind = claims.get(MESSAGE_TYPE)
    if kind not in (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST):
        raise LaunchError("bad_message", f"message type {kind!r}")
    if not isinstance(claims.get(ROLES), list) or not claims.get("sub"):
        raise LaunchError("bad_message", "no roles or sub")
    if kind == RESOURCE_LINK_REQUEST and not (claims.get(RESOURCE_LINK) or {}).get("id"):
        raise LaunchError("bad_message", "no resource_link.id")
    if kind == DEEP_LINKING_REQUEST and not (claims.get(DL_SETTINGS) or {}).get("deep_link_return_url"):
        raise LaunchError("bad_message", "no deep_link_return_url")
    if claims.get(TARGET_LINK_URI) not in (None, target_link_uri):
        raise LaunchError("wrong_target", f"{claims.get(TARGET_LINK_URI)!r} != {target_link_uri!r}")
    return claims


def _now() -> int:
    import time

    return int(time.time())


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


#: LIS role URIs (and their short forms) that make an LMS user an instructor here.
_TEACHING = ("Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator", "Mentor")


def is_teacher(roles: list) -> bool:
    """Whether the launch's roles (context roles, or institution roles as a fallback) teach."""
    for role in roles:
        if not isinstance(role, str):
            continue
        name = role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if name in _TEACHING and "/system/" not in role:
            return True
    return False
