"""The tool's RSA signing keys: creation, encrypted storage, rotation and the published JWKS.

Rotation without downtime: there is always a *next* key, published in the JWKS before it ever signs, so
a platform that caches our key set already knows it when it is promoted. The key it replaces is kept in
the JWKS for ``LTI_KEY_RETENTION`` after it stops signing, longer than anything it signed stays valid
(client assertions and deep-linking responses live five minutes). Private keys are PKCS#8 PEM encrypted
with a key derived from ``SECRET_KEY`` (HKDF-SHA256), so neither the repository nor a database dump alone
holds a usable key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lti.models import KeyState, ToolKey

log = logging.getLogger(__name__)

#: What the tool signs with (LTI 1.3 requires RS256 support of both sides).
SIGNING_ALG = "RS256"


class KeyRotationRefused(RuntimeError):
    """The next key has not been published long enough to be promoted."""

    def __init__(self, wait: timedelta):
        super().__init__(wait)
        self.wait = wait


def _passphrase() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"gongbang-lti-keys", info=b"lti private key encryption"
    ).derive(secret)


def _thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint: a kid that is stable and derived from the key itself."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def _new_key(state: KeyState) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    kid = _thumbprint(jwk)
    jwk.update({"kid": kid, "alg": SIGNING_ALG, "use": "sig"})
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )
    key = ToolKey(
        kid=kid,
        state=state,
        public_jwk=jwk,
        private_pem=pem.decode(),
        created_at=utcnow(),
        activated_at=utcnow() if state is KeyState.CURRENT else None,
    )
    db.session.add(key)
    return key


def _one(state: KeyState) -> ToolKey | None:
    return db.session.scalar(select(ToolKey).where(ToolKey.state == state).order_by(ToolKey.id.desc()))


def ensure_keys() -> ToolKey:
    """Make sure a current and a next key exist; returns the current one (flushes when it creates)."""
    current, upcoming = _one(KeyState.CURRENT), _one(KeyState.NEXT)
    if current is None:
        current = _new_key(KeyState.CURRENT)
        log.info("lti: created the first signing key")
    if upcoming is None:
        _new_key(KeyState.NEXT)
    if db.session.new:
        db.session.flush()
    return current


def rotate_keys(force: bool = False) -> ToolKey:
    """Promote the next key to signing, retire the current one and publish a fresh next key.

    :param force: promote even if the next key was published less than ``LTI_KEY_MIN_PUBLISHED`` ago.
    :raises KeyRotationRefused: when the next key is too young and ``force`` is false.
    :returns: the new current key.
    """
    ensure_keys()
    now, cfg = utcnow(), current_app.config
    current, upcoming = _one(KeyState.CURRENT), _one(KeyState.NEXT)
    age = now - upcoming.created_at
    if not force and age < cfg["LTI_KEY_MIN_PUBLISHED"]:
        raise KeyRotationRefused(cfg["LTI_KEY_MIN_PUBLISHED"] - age)
    current.state, current.retired_at = KeyState.RETIRED, now
    upcoming.state, upcoming.activated_at = KeyState.CURRENT, now
    _new_key(KeyState.NEXT)
    for old in db.session.scalars(
        select(ToolKey).where(
            ToolKey.state == KeyState.RETIRED, ToolKey.retired_at < now - cfg["LTI_KEY_RETENTION"]
        )
    ):
        db.session.delete(old)
    db.session.flush()
    log.info("lti: key %s now signs; %s retired", upcoming.kid, current.kid)
    return upcoming


def published_keys() -> list[ToolKey]:
    """The keys of the JWKS: current, next and those retired within the retention period."""
    since = utcnow() - current_app.config["LTI_KEY_RETENTION"]
    return list(
        db.session.scalars(
            select(ToolKey)
            .where((ToolKey.state != KeyState.RETIRED) | (ToolKey.retired_at >= since))
            .order_by(ToolKey.id)
        )
    )


def jwks() -> dict:
    return {"keys": [k.public_jwk for k in published_keys()]}


def sign(payload: dict) -> str:
    """A JWT signed with the current key (its kid in the header)."""
    key = ensure_keys()
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=_passphrase())
    return jwt.encode(payload, private, algorithm=SIGNING_ALG, headers={"kid": key.kid})
