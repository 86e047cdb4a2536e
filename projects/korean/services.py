"""Korean evidence services: report a result, verify or reject it, share it, read a trainee's history and
their levels as employers may see them, and count the hours of the centre's Korean classes.

Services take plain arguments, flush and log; the request commits.  Refusals are ``ProjectError`` codes
worded in :mod:`projects.korean.messages`.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from lms.db import utcnow
from lms.extensions import db
from lms.notifications.kinds import register_kind
from lms.notifications.services import notify
from lms.programmes.models import CohortInstructor, Enrolment
from lms.users.models import Role, User
from media.models import MediaFile
from projects.attendance.models import AttendanceRecord, Mark, TrainingSession
from projects.common import ProjectError
from projects.korean import rules
from projects.korean.models import EvidenceStatus, KoreanEvidence, Scale

log = logging.getLogger(__name__)

register_kind("korean_result", _l("My Korean result is verified or rejected"), group=_l("Korean level"))

#: The longest decision note kept.
MAX_NOTE = 2000
#: Marks that mean the trainee was in the class (a late arrival or early leave still attended).
ATTENDED = (Mark.PRESENT, Mark.LATE, Mark.LEFT_EARLY)


def may_review(user: User, trainee_id: int) -> bool:
    """Admins, and instructors of a cohort the trainee is (or was) enrolled in, check the trainee's
    records."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.INSTRUCTOR:
        return False
    stmt = (
        select(Enrolment.id)
        .join(CohortInstructor, CohortInstructor.cohort_id == Enrolment.cohort_id)
        .where(Enrolment.user_id == trainee_id, CohortInstructor.user_id == user.id)
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def document_ok(head: bytes) -> bool:
    """Whether a file's first bytes are a PDF or an image (its name and the browser's type are not
    trusted)."""
    from media.sniff import sniff_bytes

    sniffed = sniff_bytes(head)
    return sniffed.kind == "image" or (sniffed.kind == "document" and sniffed.format == "pdf")


def add_evidence(
    user: User, scale: str, level: int | None, test_date: date | None, document: MediaFile | None
) -> KoreanEvidence:
    """Record a result *user* reports, waiting for staff to check it.

    :raises ProjectError: ``trainees_only``, ``bad_level`` (not on the scale), ``test_date_missing`` (TOPIK),
        ``test_date_future``, ``document_missing``, ``not_yours`` (someone else's file).
    """
    if user.role is not Role.TRAINEE:
        raise ProjectError("trainees_only")
    if not rules.level_ok(scale, level):
        raise ProjectError("bad_level")
    if scale == rules.TOPIK and test_date is None:
        raise ProjectError("test_date_missing")
    if test_date is not None and test_date > date.today():
        raise ProjectError("test_date_future")
    if document is None:
        raise ProjectError("document_missing")
    if document.owner_id != user.id:
        raise ProjectError("not_yours")
    evidence = KoreanEvidence(
        user_id=user.id, scale=Scale(scale), level=level, test_date=test_date, media_id=document.id
    )
    db.session.add(evidence)
    db.session.flush()
    log.info("korean evidence %s reported by user %s", evidence.id, user.id)
    return evidence


def decide_evidence(evidence: KoreanEvidence, by: User, *, verify: bool, note: str = "") -> KoreanEvidence:
    """Verify or reject a waiting record; a rejection needs a reason the trainee reads.  The trainee is told
    either way, in their language, with the reason on a rejection (their preferences apply).

    :raises ProjectError: ``managers_only``, ``already_decided``, ``reason_missing``, ``too_long``.
    """
    if not may_review(by, evidence.user_id):
        raise ProjectError("managers_only")
    if evidence.status is not EvidenceStatus.PENDING:
        raise ProjectError("already_decided")
    note = (note or "").strip()
    if not verify and not note:
        raise ProjectError("reason_missing")
    if len(note) > MAX_NOTE:
        raise ProjectError("too_long", limit=MAX_NOTE)
    evidence.status = EvidenceStatus.VERIFIED if verify else EvidenceStatus.REJECTED
    evidence.decided_by_id, evidence.decided_at, evidence.decision_note = by.id, utcnow(), note
    db.session.flush()
    _tell_trainee(evidence)
    log.info("korean evidence %s %s by user %s", evidence.id, evidence.status.value, by.id)
    if verify:
        from projects.credentials.signals import korean_result_verified

        # The centre's Korean-stage achievements this result reaches are awarded (credentials listens).
        korean_result_verified.send(evidence.user, scale=evidence.scale.value, level=evidence.level)
    return evidence


def _result_text(evidence: KoreanEvidence) -> str:
    if evidence.scale is Scale.TOPIK:
        return _("TOPIK level %(level)s", level=evidence.level)
    return _("KIIP stage %(level)s", level=evidence.level)


def _tell_trainee(evidence: KoreanEvidence) -> None:
    """The notice of a decision (the sentences are built under each reader's language by ``notify``)."""
    if evidence.status is EvidenceStatus.VERIFIED:
        message = lambda: _("Your Korean result is verified: %(result)s.", result=_result_text(evidence))
    else:
        message = lambda: _(
            "Your Korean result is rejected: %(result)s. Reason: %(reason)s",
            result=_result_text(evidence),
            reason=evidence.decision_note,
        )
    notify(evidence.user, message, _path("korean.index"), kind="korean_result")


def _path(endpoint: str, **values) -> str:
    """A site path for a notice, also without a request (the demo, the command line)."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def set_shared(evidence: KoreanEvidence, user: User, shared: bool) -> KoreanEvidence:
    """The trainee's choice to show a record to employers (shown only while verified and valid).

    :raises ProjectError: ``not_yours``.
    """
    if evidence.user_id != user.id:
        raise ProjectError("not_yours")
    evidence.shared = bool(shared)
    db.session.flush()
    return evidence


def history(user_id: int) -> list[KoreanEvidence]:
    """A trainee's records, newest first."""
    stmt = (
        select(KoreanEvidence)
        .where(KoreanEvidence.user_id == user_id)
        .order_by(KoreanEvidence.created_at.desc(), KoreanEvidence.id.desc())
    )
    return list(db.session.scalars(stmt))


def waiting_for(user: User) -> list[KoreanEvidence]:
    """Records waiting for *user* to check: an admin's all, an instructor's those of their cohorts."""
    stmt = select(KoreanEvidence).where(KoreanEvidence.status == EvidenceStatus.PENDING)
    if user.role is Role.INSTRUCTOR:
        mine = (
            select(Enrolment.user_id)
            .join(CohortInstructor, CohortInstructor.cohort_id == Enrolment.cohort_id)
            .where(CohortInstructor.user_id == user.id)
        )
        stmt = stmt.where(KoreanEvidence.user_id.in_(mine))
    elif user.role is not Role.ADMIN:
        return []
    return list(db.session.scalars(stmt.order_by(KoreanEvidence.created_at, KoreanEvidence.id)))


def is_expired(evidence: KoreanEvidence, today: date | None = None) -> bool:
    return rules.is_expired(evidence.scale.value, evidence.test_date, today or date.today())


def shared_levels(user_id: int, today: date | None = None) -> list[KoreanEvidence]:
    """What employers may see: per scale, the highest verified, shared and still valid record."""
    today = today or date.today()
    stmt = select(KoreanEvidence).where(
        KoreanEvidence.user_id == user_id,
        KoreanEvidence.status == EvidenceStatus.VERIFIED,
        KoreanEvidence.shared.is_(True),
    )
    best: dict[Scale, KoreanEvidence] = {}
    for evidence in db.session.scalars(stmt):
        if is_expired(evidence, today):
            continue
        if evidence.scale not in best or evidence.level > best[evidence.scale].level:
            best[evidence.scale] = evidence
    return [best[s] for s in Scale if s in best]


def matching_trainees(scale: str, min_level: int, today: date | None = None) -> Select:
    """The ids of trainees with a verified, shared, valid record of at least *min_level* on *scale* alone."""
    today = today or date.today()
    stmt = select(KoreanEvidence.user_id).where(
        KoreanEvidence.scale == Scale(scale),
        KoreanEvidence.level >= min_level,
        KoreanEvidence.status == EvidenceStatus.VERIFIED,
        KoreanEvidence.shared.is_(True),
    )
    if scale == rules.TOPIK:
        stmt = stmt.where(KoreanEvidence.test_date > rules.last_expired_test_date(today))
    return stmt


def korean_hours(user_id: int) -> float:
    """Hours the trainee attended the centre's Korean classes: the sessions staff flagged as Korean classes,
    whatever their topic or programme says."""
    stmt = (
        select(TrainingSession.starts_at, TrainingSession.ends_at)
        .join(AttendanceRecord, AttendanceRecord.session_id == TrainingSession.id)
        .where(
            AttendanceRecord.user_id == user_id,
            AttendanceRecord.mark.in_(ATTENDED),
            TrainingSession.korean.is_(True),
        )
    )
    seconds = sum((end - start).total_seconds() for start, end in db.session.execute(stmt))
    return round(seconds / 3600, 1)
