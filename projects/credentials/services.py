"""Open Badges 3.0 credentials: issued for completions, signed ``eddsa-rdfc-2022``, revoked by status list.

A completion recorded (``completion_recorded``) is issued by a background job after the commit
(:mod:`projects.credentials.tasks`) as an ``OpenBadgeCredential`` (VC 2.0 data model, OB 3.0 context): the
centre's issuer ``Profile``, ``validFrom``, an ``AchievementSubject`` whose recipient is identified by the
SHA-256 of their e-mail address with a salt (never the address itself) and by name, and the programme as its
``Achievement``; the achievements the centre defines are issued the same way (:mod:`.achievements`).  The
proof is made by :mod:`projects.credentials.proofs`
with the same Ed25519 key as completion records (``projects.completions.services.signing_key``): its
verification method is ``<issuer>#<key id>``, a Multikey listed with every retired key in the controller
document at the issuer's address, so a key change leaves earlier credentials verifiable.

Revocation is a bit in the centre's one ``BitstringStatusListCredential`` (131,072 entries, each credential
at a random index): set when an administrator revokes the credential or when its completion record is
revoked (for instance when the account is anonymised).

Addresses in a credential are built on ``PUBLIC_URL`` (``lms.config.public_url``), never on the request's
host: a credential must name the same issuer whoever's request issued it.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from sqlalchemy import or_, select

from lms.config import public_url
from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.completions import services as completions
from projects.completions.models import Completion
from projects.credentials import proofs
from projects.credentials.models import OpenBadge

log = logging.getLogger(__name__)

#: The longest reason for revoking a credential (the form's limit).
REASON_MAX = 2000
#: An Ed25519 credential is about 3 KB; a pasted or uploaded one larger than this is refused unread.
UPLOAD_MAX = 256 * 1024
#: Objects a checked document may hold (ours hold about 15): canonicalising hostile JSON-LD can take time
#: exponential in its blank nodes, and pyld has no work limit of its own.
OBJECTS_MAX = 200


def _url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return public_url(current_app.config) + adapter.build(endpoint, values)


def issuer_id() -> str:
    """The issuer's id: the address of its controller document, which lists its keys."""
    return _url("credentials.issuer")


def status_list_id() -> str:
    return _url("credentials.status_list")


def credential_id(code: str) -> str:
    return _url("credentials.credential_json", code=code)


def achievement_definition_id(definition_id: int) -> str:
    """The stable address of an achievement the centre defines (its public JSON)."""
    return _url("credentials.defined_achievement", definition_id=definition_id)


def verification_keys() -> dict[str, Ed25519PublicKey]:
    """Verification method id -> public key: the current key and every retired one."""
    issuer = issuer_id()
    return {f"{issuer}#{kid}": key for kid, key in completions.public_keys().items()}


def controller_document() -> dict:
    """The issuer's keys as Multikey verification methods, all usable for assertions (what a verifier reads
    to check a proof; an old key stays listed so that what it signed still verifies)."""
    issuer = issuer_id()
    methods = [
        {
            "id": method,
            "type": "Multikey",
            "controller": issuer,
            "publicKeyMultibase": proofs.public_key_multibase(key),
        }
        for method, key in verification_keys().items()
    ]
    return {
        "@context": [proofs.DID_V1, proofs.MULTIKEY_V1],
        "id": issuer,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def issuer_profile() -> dict:
    return {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": completions.centre_name(),
        "url": public_url(current_app.config),
    }


def both_languages(ko: str, en: str) -> str:
    """One text for both languages (OB 3.0 names are single strings): "한국어 (English)"."""
    ko, en = (ko or "").strip(), (en or "").strip()
    return f"{ko} ({en})" if ko and en and ko != en else ko or en


def _now() -> str:
    return utcnow().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def completion_achievement(completion: Completion, alignment: list[dict] | None = None) -> dict:
    """The programme completed, as an OB 3.0 ``Achievement``.

    *alignment*: ``Alignment`` objects (``targetName``, ``targetUrl``, ``targetCode``, ``targetFramework``,
    ``targetType``), where NCS units mapped to the programme go.
    """
    cohort = completion.cohort
    programme = cohort.programme
    narrative = (
        f"수료: {programme.name_ko}, {cohort.start_date.isoformat()}–{cohort.end_date.isoformat()}. "
        f"Completed {programme.name_en}, {cohort.start_date.isoformat()} to {cohort.end_date.isoformat()}."
    )
    hours = _planned_hours(cohort.id)
    if hours:
        narrative += f" 훈련 시간 / Training hours: {hours:g}."
    return {
        "id": _url("credentials.achievement", programme_id=programme.id),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": both_languages(programme.name_ko, programme.name_en),
        "description": both_languages(programme.description_ko, programme.description_en)
        or both_languages(programme.name_ko, programme.name_en),
        "criteria": {"narrative": narrative},
        "humanCode": programme.code,
        "alignment": list(alignment or []),
    }


def _planned_hours(cohort_id: int) -> float:
    """The cohort's scheduled training hours (the attendance timetable), 0 when it has none."""
    from projects.attendance import services as attendance

    return round(attendance.planned_hours(attendance.cohort_sessions(cohort_id)), 1)


def _free_index() -> int:
    """A random status list index no credential holds."""
    used = set(db.session.scalars(select(OpenBadge.status_index)))
    if len(used) >= proofs.STATUS_LIST_SIZE // 2:
        raise ProjectError("status_list_full")
    while True:
        index = secrets.randbelow(proofs.STATUS_LIST_SIZE)
        if index not in used:
            return index


def build_credential(user: User, achievement: dict, code: str, index: int, valid_from: str) -> dict:
    """The unsigned ``OpenBadgeCredential`` for *user* (see the module docstring)."""
    salt = secrets.token_hex(16)
    return {
        "@context": [proofs.VC_V2, proofs.OB_V3],
        "id": credential_id(code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "issuer": issuer_profile(),
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": proofs.identity_hash(user.email, salt),
                    "salt": salt,
                },
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": user.name,
                },
            ],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_list_id()}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_id(),
        },
    }


def current_badge(completion: Completion) -> OpenBadge | None:
    """The newest credential of *completion* that is not revoked."""
    return db.session.scalar(
        select(OpenBadge)
        .where(OpenBadge.completion_id == completion.id, OpenBadge.revoked_at.is_(None))
        .order_by(OpenBadge.id.desc())
        .limit(1)
    )


def request_issue(completion: Completion) -> None:
    """Have the record's credential issued by a background job once this transaction commits (the request
    only records the completion; the job finds it and signs, and a job run twice issues once).

    :raises ProjectError: ``completion_revoked``.
    """
    if completion.revoked_at is not None:
        raise ProjectError("completion_revoked")
    from lms.jobs import enqueue
    from projects.credentials import tasks

    enqueue(tasks.issue_completion_credential, completion.id)


def issue_for_completion(completion: Completion, by: User | None = None) -> OpenBadge:
    """Issue and sign the OB 3.0 credential of a completion record; its current one if it has one (what the
    job :func:`projects.credentials.tasks.issue_completion_credential` runs).

    :raises ProjectError: ``completion_revoked`` (a revoked record gets no credential), ``status_list_full``.
    """
    if completion.revoked_at is not None:
        raise ProjectError("completion_revoked")
    existing = current_badge(completion)
    if existing is not None:
        return existing
    from projects.ncs import services as ncs

    # The NCS units the trainee showed in the cohort's projects (empty where nothing is mapped).
    alignment = ncs.ob_alignment(ncs.alignments_for(completion.user, cohort_id=completion.cohort_id))
    badge = sign_badge(
        completion.user,
        completion_achievement(completion, alignment),
        completion_id=completion.id,
        issued_by_id=by.id if by else completion.issued_by_id,
    )
    log.info("open badge %s issued for completion %s with key %s", badge.id, completion.id, badge.key_id)
    return badge


def sign_badge(
    user: User, achievement: dict, *, completion_id: int | None = None, issued_by_id: int | None = None
) -> OpenBadge:
    """Sign and store the credential of *achievement* for *user*: a fresh code and status list bit, the
    current key (about 6 ms: canonicalising the JSON-LD; the background jobs of
    :mod:`projects.credentials.tasks` call it, never a request)."""
    key = completions.signing_key()
    kid = completions.key_id(key.public_key())
    code, index, now = secrets.token_urlsafe(18), _free_index(), _now()  # code: 144 bits
    unsigned = build_credential(user, achievement, code, index, now)
    badge = OpenBadge(
        user_id=user.id,
        completion_id=completion_id,
        code=code,
        status_index=index,
        credential=proofs.sign(unsigned, key, f"{issuer_id()}#{kid}", now),
        key_id=kid,
        issued_by_id=issued_by_id,
    )
    db.session.add(badge)
    db.session.flush()
    return badge


def revoke_badge(badge: OpenBadge, reason: str, by: User | None = None) -> None:
    """Revoke a credential: its status list bit is set and /verify says so.

    :raises ProjectError: ``reason_missing``, ``too_long``.
    """
    reason = reason.strip()
    if not reason:
        raise ProjectError("reason_missing")
    if len(reason) > REASON_MAX:
        raise ProjectError("too_long", limit=REASON_MAX)
    if badge.revoked_at is None:
        badge.revoked_at = utcnow()
    badge.revoked_reason = reason
    db.session.flush()
    log.info("open badge %s revoked by %s", badge.id, by.id if by else "system")


def revoked_indices() -> set[int]:
    """The status list bits that are set: revoked credentials, and credentials of revoked records."""
    query = (
        select(OpenBadge.status_index)
        .outerjoin(Completion, Completion.id == OpenBadge.completion_id)
        .where(or_(OpenBadge.revoked_at.is_not(None), Completion.revoked_at.is_not(None)))
    )
    return set(db.session.scalars(query))


def status_list_credential() -> dict:
    """The signed ``BitstringStatusListCredential`` of revocations, as published."""
    return signed_status_list(status_list_id(), revoked_indices())


def signed_status_list(list_id: str, revoked: set[int]) -> dict:
    """A ``BitstringStatusListCredential`` at *list_id* with the bits of *revoked* set, signed now with the
    issuer's key (the Open Badges' list and the evidence packs' list)."""
    key = completions.signing_key()
    issuer, now = issuer_id(), _now()
    unsigned = proofs.status_list_document(list_id, issuer, revoked, now)
    return proofs.sign(unsigned, key, f"{issuer}#{completions.key_id(key.public_key())}", now)


@dataclass
class BadgeVerdict:
    """What checking a credential found.

    ``status``: ``valid``, ``revoked``, ``altered`` (the proof does not match the content), ``unknown_key``
    (signed by a key this centre never published), ``unknown`` (no credential by that id) or ``invalid``
    (not an Open Badges credential with our kind of proof).  ``claims`` (what it says) only for ``valid``
    and ``revoked``.
    """

    status: str
    claims: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def _status_index(document: dict) -> int | None:
    status = document.get("credentialStatus")
    if not isinstance(status, dict) or status.get("statusListCredential") != status_list_id():
        return None
    index = status.get("statusListIndex")
    return int(index) if isinstance(index, str) and index.isdigit() and len(index) < 10 else None


def check_document(document: Any) -> BadgeVerdict:
    """Check a credential as a third party would: its proof against the published keys, then its status."""
    if not isinstance(document, dict) or "OpenBadgeCredential" not in (document.get("type") or []):
        return BadgeVerdict("invalid")
    if proofs.count_objects(document) > OBJECTS_MAX:
        return BadgeVerdict("invalid")
    if not proofs.has_context(document, [proofs.VC_V2, proofs.OB_V3]):
        return BadgeVerdict("altered")
    result = proofs.check_proof(document, verification_keys())
    if not result.ok:
        status = {"unknown_key": "unknown_key", "bad_signature": "altered", "bad_document": "altered"}
        return BadgeVerdict(status.get(result.reason, "invalid"))
    index = _status_index(document)
    if index is None:
        return BadgeVerdict("invalid")
    revoked = index in revoked_indices()
    return BadgeVerdict("revoked" if revoked else "valid", proofs.claims(document))


def check_text(text: str | bytes) -> BadgeVerdict:
    """Check a pasted or uploaded credential: JSON, or a baked PNG or SVG badge."""
    from projects.credentials import baking

    if len(text) > UPLOAD_MAX:
        return BadgeVerdict("invalid")
    try:
        raw = baking.extract(text) if isinstance(text, bytes) else text
        return check_document(proofs.loads(raw))
    except (proofs.ProofError, baking.BakingError):
        return BadgeVerdict("invalid")


def by_code(code: str) -> OpenBadge | None:
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(OpenBadge).where(OpenBadge.code == code))


def lookup(text: str) -> OpenBadge | None:
    """A credential by its id (the address of its JSON) or its code."""
    text = (text or "").strip()
    code = text.rsplit("/", 1)[-1].removesuffix(".json")
    return by_code(code)


def badges_of(user: User) -> list[OpenBadge]:
    return list(
        db.session.scalars(
            select(OpenBadge).where(OpenBadge.user_id == user.id).order_by(OpenBadge.id.desc())
        )
    )


def all_badges(limit: int = 200) -> list[OpenBadge]:
    return list(db.session.scalars(select(OpenBadge).order_by(OpenBadge.id.desc()).limit(limit)))


def completions_without_badge(limit: int = 200) -> list[Completion]:
    """Records not revoked that have no current credential (recorded before OB 3.0, or revoked by mistake)."""
    current = select(OpenBadge.completion_id).where(
        OpenBadge.revoked_at.is_(None), OpenBadge.completion_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Completion)
            .where(Completion.revoked_at.is_(None), Completion.id.not_in(current))
            .order_by(Completion.issued_at.desc())
            .limit(limit)
        )
    )


def anonymise(user: User) -> None:
    """The departed person's credentials: revoked, and their stored copies emptied of who they were."""
    for badge in badges_of(user):
        if badge.revoked_at is None:
            badge.revoked_at = utcnow()
            badge.revoked_reason = "account anonymised"
        badge.credential = {"anonymised": True}
    from projects.credentials import achievements

    achievements.anonymise(user)
    db.session.flush()


def personal_data(user: User) -> list[dict]:
    return [
        {
            "id": b.id,
            "code": b.code,
            "credential": b.credential,
            "issued_at": b.issued_at.isoformat(),
            "revoked_at": b.revoked_at.isoformat() if b.revoked_at else None,
            "revoked_reason": b.revoked_reason,
        }
        for b in badges_of(user)
    ]
