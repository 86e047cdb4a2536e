"""Completion records: an admin marks a trainee's programme completion; the centre signs it (Ed25519).

The signed record is canonical JSON (keys sorted, no spaces, UTF-8) holding the
name, programme, cohort, dates and completed projects, the issuing centre
(``CENTRE_NAME``), the public ``code`` and the signing key's id.  Grades are not
in it: the record is public to anyone with its address, and trainees never chose
to publish their grades (version 1 records held them; they still verify, and
:func:`public_record` leaves the grades out wherever a record is shown publicly).  The public keys are
published at ``/.well-known/gongbang-signing-keys.json`` (JWK), so anyone can
check a record offline: ``Ed25519.verify(base64url(signature), canonical(record))``.
Changing one character of the stored record or signature makes verification fail.

The private key lives in the instance folder (``keys/completion-ed25519.pem``,
0600) or at ``COMPLETION_SIGNING_KEY_FILE``; it is made on first use and never
stored in the repository.  Earlier keys put in ``keys/retired/`` stay published
so that records they signed still verify after a key change.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.completions.models import Completion
from projects.completions.signals import completion_recorded
from projects.coursework.models import Project, ProjectStatus
from projects.grading import services as marking

log = logging.getLogger(__name__)

RECORD_VERSION = 2
#: What version 1 records held per project and public pages leave out.
GRADE_FIELDS = ("grade", "max_grade")


def canonical(record: dict) -> bytes:
    """The bytes that are signed: JSON with sorted keys, no insignificant spaces, UTF-8."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_path() -> Path:
    configured = current_app.config.get("COMPLETION_SIGNING_KEY_FILE")
    return (
        Path(configured)
        if configured
        else Path(current_app.instance_path) / "keys" / "completion-ed25519.pem"
    )


def key_id(public: Ed25519PublicKey) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey:
    """The centre's private key, created (0600, never overwritten) on first use."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            # O_EXCL: two workers starting at once must not each make a key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            log.warning("created the completion signing key %s", path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return key


def public_keys() -> dict[str, Ed25519PublicKey]:
    """key id -> public key: the current key and any retired ones (``keys/retired/*.pem``)."""
    keys = {}
    current = signing_key().public_key()
    keys[key_id(current)] = current
    retired = key_path().parent / "retired"
    for pem in sorted(retired.glob("*.pem")) if retired.is_dir() else []:
        loaded = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        if isinstance(loaded, Ed25519PrivateKey):
            keys[key_id(loaded.public_key())] = loaded.public_key()
    return keys


def jwks() -> dict:
    """The published keys as a JWK set (RFC 8037 ``OKP``/``Ed25519``) with how records are signed."""
    return {
        "issuer": centre_name(),
        "signed": "Ed25519 over the record as JSON with sorted keys, separators ',' and ':', UTF-8; "
        "the signature is base64url without padding",
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "use": "sig",
                "kid": kid,
                "x": _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)),
            }
            for kid, key in public_keys().items()
        ],
    }


def centre_name() -> str:
    return current_app.config.get("CENTRE_NAME") or current_app.config.get("SITE_NAME", "Gongbang")


def completed_projects(user: User, cohort: Cohort) -> list[dict]:
    """The cohort's projects with a released grade for *user*, by due date (without the grade)."""
    projects = db.session.scalars(
        select(Project)
        .where(Project.cohort_id == cohort.id, Project.status == ProjectStatus.PUBLISHED)
        .order_by(Project.due_at, Project.id)
    )
    out = []
    for project in projects:
        assessment = marking.released_for(project, user)
        if assessment is None:
            continue
        out.append(
            {
                "title_ko": project.title_ko,
                "title_en": project.title_en,
                "released_on": assessment.released_at.date().isoformat() if assessment.released_at else None,
            }
        )
    return out


def build_record(user: User, cohort: Cohort, completed_on: date, code: str, kid: str) -> dict:
    programme = cohort.programme
    return {
        "v": RECORD_VERSION,
        "code": code,
        "key_id": kid,
        "issuer": centre_name(),
        "name": user.name,
        "programme": {"code": programme.code, "name_ko": programme.name_ko, "name_en": programme.name_en},
        "cohort": {
            "code": cohort.code,
            "name": cohort.name,
            "start_date": cohort.start_date.isoformat(),
            "end_date": cohort.end_date.isoformat(),
        },
        "completed_on": completed_on.isoformat(),
        "projects": completed_projects(user, cohort),
        "issued_at": utcnow().replace(microsecond=0).isoformat(),
        **training_hours(user, cohort),
    }


def training_hours(user: User, cohort: Cohort) -> dict:
    """``{"training_hours": {"planned": …, "completed": …}}`` from the cohort's timetable and the trainee's
    attendance (:func:`projects.attendance.reports.hours_completed`); nothing for a cohort without one."""
    from projects.attendance import reports

    hours = reports.hours_completed(user, cohort)
    return {"training_hours": hours} if hours["planned"] else {}


def cohort_roster(cohort: Cohort) -> tuple[list[Enrolment], dict[int, Completion]]:
    """The cohort's enrolments not withdrawn, by name, and the completion records its trainees already
    have (by user id)."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .join(User)
        .order_by(User.name)
    ).all()
    done = {
        c.user_id: c for c in db.session.scalars(select(Completion).where(Completion.cohort_id == cohort.id))
    }
    return list(enrolments), done


def check_completion_date(cohort: Cohort, completed_on: date) -> None:
    """:raises ProjectError: ``bad_date`` when *completed_on* is before the cohort began or in the future
    (the future of the centre's own day: just after midnight in Seoul, the UTC date is still yesterday)."""
    from zoneinfo import ZoneInfo

    today = utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
    if completed_on < cohort.start_date or completed_on > today:
        raise ProjectError("bad_date")


def mark_completion(user: User, cohort: Cohort, completed_on: date, by: User) -> Completion:
    """Record and sign that *user* completed *cohort*'s programme.

    The enrolment stays as it is: an enrolment marked "completed" drops out of the cohort's gradebook and
    of the trainee's own access to their projects and feedback (``projects.services.is_enrolled``).

    :raises ProjectError: ``not_trainee``, ``not_enrolled`` (or withdrawn), ``already_completed``,
        ``bad_date`` (before the cohort started or in the future).
    """
    if user.role is not Role.TRAINEE:
        raise ProjectError("not_trainee")
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    if enrolment is None or enrolment.status is EnrolmentStatus.WITHDRAWN:
        raise ProjectError("not_enrolled", name=user.name)
    if (
        db.session.scalar(
            select(Completion.id).where(Completion.user_id == user.id, Completion.cohort_id == cohort.id)
        )
        is not None
    ):
        raise ProjectError("already_completed", name=user.name)
    check_completion_date(cohort, completed_on)
    key = signing_key()
    kid = key_id(key.public_key())
    code = secrets.token_urlsafe(18)  # 144 bits
    record = build_record(user, cohort, completed_on, code, kid)
    completion = Completion(
        user_id=user.id,
        cohort_id=cohort.id,
        completed_on=completed_on,
        code=code,
        record=record,
        signature=_b64(key.sign(canonical(record))),
        key_id=kid,
        issued_by_id=by.id if by else None,
    )
    db.session.add(completion)
    db.session.flush()
    log.info(
        "completion %s of user %s in cohort %s signed with key %s", completion.id, user.id, cohort.id, kid
    )
    completion_recorded.send(completion)  # the trainee is told (receivers.announce_completion)
    return completion


@dataclass
class CohortCompletions:
    """What :func:`mark_completions` did: the new records, and the trainees who already had one."""

    recorded: list[Completion]
    already: list[User]


def mark_completions(users: list[User], cohort: Cohort, completed_on: date, by: User) -> CohortCompletions:
    """Record and sign the completion of several trainees of *cohort* in one step (one date for all).

    Idempotent per trainee: one who already has a record for the cohort keeps it and is listed in
    ``already``; a second submission of the same selection records nothing twice. Every other refusal
    (the date, a trainee not or no longer enrolled) refuses the whole step, and the caller's transaction
    edge undoes the records made before it: all the selected trainees or none.

    :raises ProjectError: as :func:`mark_completion`, and ``nobody_selected``.
    """
    if not users:
        raise ProjectError("nobody_selected")
    check_completion_date(cohort, completed_on)
    done = set(
        db.session.scalars(
            select(Completion.user_id).where(
                Completion.cohort_id == cohort.id, Completion.user_id.in_([u.id for u in users])
            )
        )
    )
    result = CohortCompletions(recorded=[], already=[])
    for user in sorted({u.id: u for u in users}.values(), key=lambda u: (u.name, u.id)):
        if user.id in done:
            result.already.append(user)
        else:
            result.recorded.append(mark_completion(user, cohort, completed_on, by))
    log.info(
        "cohort %s: %d completions recorded, %d already there, by user %s",
        cohort.id,
        len(result.recorded),
        len(result.already),
        by.id if by else "system",
    )
    return result


#: The longest reason for revoking a record (the form's limit).
REASON_MAX = 2000


def revoke_completion(completion: Completion, reason: str, by: User | None = None) -> None:
    """Withdraw a record (issued in error, for instance); verification then says it is revoked.

    :raises ProjectError: ``reason_missing``, ``too_long`` (past :data:`REASON_MAX`).
    """
    reason = reason.strip()
    if not reason:
        raise ProjectError("reason_missing")
    if len(reason) > REASON_MAX:
        raise ProjectError("too_long", limit=REASON_MAX)
    if completion.revoked_at is None:
        completion.revoked_at = utcnow()
    completion.revoked_reason = reason
    db.session.flush()
    log.info("completion %s revoked by %s", completion.id, by.id if by else "system")


@dataclass(frozen=True)
class Verdict:
    """What verification found: ``status`` is ``valid``, ``revoked`` or ``invalid`` (with ``reason``)."""

    status: str
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def verify_record(record: dict, signature: str, kid: str, code: str | None = None) -> Verdict:
    """Check a record and its signature against the published keys (what a third party does offline)."""
    keys = public_keys()
    if kid not in keys or record.get("key_id") != kid:
        return Verdict("invalid", "unknown_key")
    if code is not None and record.get("code") != code:
        return Verdict("invalid", "wrong_code")
    try:
        keys[kid].verify(_unb64(signature), canonical(record))
    except (InvalidSignature, ValueError):
        return Verdict("invalid", "bad_signature")
    return Verdict("valid")


def verify(completion: Completion) -> Verdict:
    """Verify a stored completion: a revoked one is never valid, whatever its signature; otherwise the
    signature over the stored record decides (pages show a record's details only when it is valid)."""
    if completion.revoked_at is not None:
        return Verdict("revoked", completion.revoked_reason)
    return verify_record(completion.record or {}, completion.signature, completion.key_id, completion.code)


def public_record(record: dict | None) -> dict | None:
    """*record* as shown publicly: the grades of version 1 records left out (the stored, signed record keeps
    them, so its signature still verifies)."""
    if record is None:
        return None
    projects = [{k: v for k, v in p.items() if k not in GRADE_FIELDS} for p in record.get("projects") or []]
    return {**record, "projects": projects}


def has_grades(record: dict | None) -> bool:
    return any(k in p for p in (record or {}).get("projects") or [] for k in GRADE_FIELDS)


def by_code(code: str) -> Completion | None:
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Completion).where(Completion.code == code))


def completions_of(user: User) -> list[Completion]:
    return list(
        db.session.scalars(
            select(Completion).where(Completion.user_id == user.id).order_by(Completion.completed_on.desc())
        )
    )


def current_completion(user: User) -> Completion | None:
    """The user's newest completion that is not revoked and whose signature holds (for a "verified" badge)."""
    return next((c for c in completions_of(user) if c.revoked_at is None and verify(c).valid), None)


def all_completions(limit: int = 200) -> list[Completion]:
    return list(db.session.scalars(select(Completion).order_by(Completion.issued_at.desc()).limit(limit)))


def qr_svg(url: str, title: str = "") -> str:
    """The URL as a QR code, inline SVG (segno; no inline styles, so the page's CSP holds)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#111", title=title or None)
