"""Residency evidence packs: a trainee assembles the facts a recipient needs, consents, and the centre signs.

A pack names its recipient (an immigration office, an employer, a local government's regional-visa
recommendation) and holds only the parts the trainee ticked: completion records, the NCS units shown, a
cohort's hours and attendance rate, verified Korean results (KIIP, TOPIK) and portfolio items.  Nothing is in
by default, and every id chosen must be one of the trainee's own :func:`options`.

Issuing (:func:`issue_pack`) needs the trainee's explicit consent to share those parts with that recipient.
It records the time, freezes the facts as they are (``snapshot``) and signs them as a W3C Verifiable
Credential 2.0 of type ``EvidencePackCredential`` with an ``eddsa-rdfc-2022`` proof, by the same key and
issuer as the Open Badges (``projects.credentials``): a grade, an attendance mark or a portfolio title changed
later never alters an issued pack.  The credential's own terms need a vocabulary: the bundled VC 2.0 context
(Digital Bazaar's) has no ``@vocab``, and RDF canonicalisation silently drops undefined terms, which would
leave every fact unsigned.  So the credential's ``@context`` adds, inline (nothing to fetch), the ``@vocab``
the final VC 2.0 context declares, ``issuer-dependent#``.  Every value in it is a string (a JSON number
such as ``320.0`` reads as an integer in JavaScript and as a double in Python, and would canonicalise
differently in another verifier).  It never holds the trainee's e-mail address.

A trainee may delete a pack never issued (:func:`delete_pack`); an issued one is only withdrawn.  Revoking a
pack ends its links and sets its bit in the packs' own Bitstring Status List (published at
``/evidence/status/revocation``, signed like the credentials' one): :mod:`projects.evidence.verification`
and any standard verifier read it.  Only the trainee acts on a pack; staff are refused
(``packs_trainees_only``, ``not_your_pack``).

Services take plain arguments, flush and log; the request commits.  Refusals are ``ProjectError`` codes
worded in :mod:`projects.evidence.messages`.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.config import public_url
from lms.db import utcnow
from lms.extensions import db
from lms.programmes.models import Cohort, Enrolment
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.completions import services as completions
from projects.completions.models import Completion
from projects.credentials import proofs
from projects.credentials import services as credentials
from projects.evidence.models import EvidencePack, RecipientKind

log = logging.getLogger(__name__)

#: The type of our credential (:data:`VOCAB` gives it an IRI).
CREDENTIAL_TYPE = "EvidencePackCredential"
#: The vocabulary of our own terms: the one VC 2.0 gives issuer-defined terms (see the module docstring).
VOCAB = {"@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#"}
#: The parts of a pack, in the order pages and the PDF show them.
PARTS = ("completions", "units", "attendance", "korean", "items")
#: The most of each part one pack holds (a pack is a few pages; its PDF and its proof stay quick).
PART_MAX = 30
RECIPIENT_MAX = 160
#: The most objects a checked document may hold (a full pack has about 160): see ``credentials.OBJECTS_MAX``.
OBJECTS_MAX = 400


class PackIssued(ProjectError):
    """An issued pack is kept (it can be withdrawn): its signature and status list bit stand for it."""

    status = 409


def _url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return public_url(current_app.config) + adapter.build(endpoint, values)


def status_list_id() -> str:
    return _url("evidence.status_list")


def verification_url(pack: EvidencePack) -> str:
    """Where a printed pack's QR code leads: its verification page (the state and the facts it claims)."""
    return _url("evidence.verify_code", code=pack.code)


def timestamp() -> str:
    return utcnow().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- what a trainee may put in ---------------------------------------------------------------------------


@dataclass
class Options:
    """What *user* may choose from, part by part (ids, or codes for NCS units), with what each shows."""

    completions: list[Completion] = field(default_factory=list)
    units: list[Any] = field(default_factory=list)  # ncs.models.NcsUnit
    cohorts: list[Cohort] = field(default_factory=list)
    korean: list[Any] = field(default_factory=list)  # korean.models.KoreanEvidence
    items: list[Any] = field(default_factory=list)  # portfolios.models.PortfolioItem

    def keys(self) -> dict[str, set]:
        return {
            "completions": {c.id for c in self.completions},
            "units": {u.code for u in self.units},
            "attendance": {c.id for c in self.cohorts},
            "korean": {e.id for e in self.korean},
            "items": {i.id for i in self.items},
        }


def options(user: User) -> Options:
    """The trainee's own facts that can go in a pack: completion records not revoked, the NCS units their
    released grades showed, the cohorts they are enrolled in, their verified Korean results still valid, and
    their published portfolio items."""
    from projects.korean import services as korean
    from projects.korean.models import EvidenceStatus
    from projects.ncs import services as ncs
    from projects.portfolios import services as portfolios

    found = Options()
    found.completions = [c for c in completions.completions_of(user) if c.revoked_at is None]
    found.units = [entry["unit"] for entry in ncs.coverage(user)]
    found.cohorts = list(
        db.session.scalars(
            select(Cohort)
            .join(Enrolment, Enrolment.cohort_id == Cohort.id)
            .where(Enrolment.user_id == user.id)
            .order_by(Cohort.start_date.desc(), Cohort.id)
        )
    )
    found.korean = [
        e for e in korean.history(user.id) if e.status is EvidenceStatus.VERIFIED and not korean.is_expired(e)
    ]
    portfolio = portfolios.portfolio_of(user)
    if portfolio is not None:
        found.items = [i for i in portfolios.items_for(portfolio, owner=True) if portfolios.item_shown(i)]
    return found


def clean_choices(user: User, chosen: dict[str, Any]) -> dict[str, list]:
    """*chosen* (part -> ids or codes) checked against :func:`options`: each one the trainee's own.

    :raises ProjectError: ``not_your_pack`` (an id that is not among the trainee's options),
        ``pack_too_many``, ``nothing_chosen``.
    """
    allowed = options(user).keys()
    result: dict[str, list] = {}
    for part in PARTS:
        values = list(dict.fromkeys(chosen.get(part) or []))
        if len(values) > PART_MAX:
            raise ProjectError("pack_too_many", limit=PART_MAX)
        if any(v not in allowed[part] for v in values):
            raise ProjectError("not_your_pack")
        result[part] = values
    if not any(result.values()):
        raise ProjectError("nothing_chosen")
    return result


def _trainee(user: User) -> None:
    if user.role is not Role.TRAINEE:
        raise ProjectError("packs_trainees_only")


def check_owner(pack: EvidencePack, user: User) -> None:
    _trainee(user)
    if pack.user_id != user.id:
        raise ProjectError("not_your_pack")


# -- making and issuing a pack ---------------------------------------------------------------------------


def create_pack(user: User, kind: str, name: str, chosen: dict[str, Any]) -> EvidencePack:
    """A draft pack for one recipient with the parts *user* chose (nothing is shared before it is issued).

    :raises ProjectError: ``packs_trainees_only``, ``pack_recipient_missing``, ``pack_recipient_too_long``,
        ``bad_recipient_kind``, and :func:`clean_choices`' refusals.
    """
    _trainee(user)
    name = (name or "").strip()
    if not name:
        raise ProjectError("pack_recipient_missing")
    if len(name) > RECIPIENT_MAX:
        raise ProjectError("pack_recipient_too_long", limit=RECIPIENT_MAX)
    try:
        recipient_kind = RecipientKind(kind)
    except ValueError as exc:
        raise ProjectError("bad_recipient_kind") from exc
    pack = EvidencePack(
        user_id=user.id,
        recipient_kind=recipient_kind,
        recipient_name=name,
        choices=clean_choices(user, chosen),
        key_id="",
    )
    db.session.add(pack)
    db.session.flush()
    log.info("evidence pack %s drafted by user %s", pack.id, user.id)
    return pack


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def attendance_figures(user: User, cohort: Cohort, now: datetime | None = None) -> dict:
    """The trainee's whole course in *cohort*: planned and completed hours (as the completion record counts
    them, :func:`projects.attendance.reports.hours_completed`) and the attendance rate under the programme's
    rules (attended held sessions over held ones, as the monthly sheet counts them)."""
    from projects.attendance import reports, sheets
    from projects.attendance.models import AttendanceRecord, TrainingSession
    from projects.attendance.services import rules_for

    now = now or utcnow()
    sessions = list(db.session.scalars(select(TrainingSession).where(TrainingSession.cohort_id == cohort.id)))
    ids = [s.id for s in sessions]
    marks: dict[tuple[int, int], str] = {}
    if ids:
        rows = db.session.execute(
            select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.mark).where(
                AttendanceRecord.session_id.in_(ids)
            )
        )
        marks = {(sid, uid): mark.value for sid, uid, mark in rows}
    marked = {sid for sid, _uid in marks}
    columns = [
        sheets.Column(s.id, s.day, s.hours, held=s.ends_at <= now and s.id in marked) for s in sessions
    ]
    sheet = sheets.build(columns, [(user.id, user.name)], marks, rules_for(cohort.programme_id))
    hours = reports.hours_completed(user, cohort, now=now)
    return {"planned": hours["planned"], "completed": hours["completed"], "rate": sheet.rows[0].rate}


def _hours(value: float) -> str:
    return f"{value:g}"


def snapshot(pack: EvidencePack) -> dict:
    """The facts of the parts chosen, as they are now, in both languages; every value a string."""
    from projects.korean.models import KoreanEvidence
    from projects.ncs import services as ncs
    from projects.portfolios.models import PortfolioItem

    user, chosen = pack.user, pack.choices
    facts: dict[str, list] = {part: [] for part in PARTS}
    for completion in db.session.scalars(
        select(Completion).where(Completion.id.in_(chosen.get("completions") or [])).order_by(Completion.id)
    ):
        cohort, programme = completion.cohort, completion.cohort.programme
        facts["completions"].append(
            {
                "programmeCode": programme.code,
                "programmeKo": programme.name_ko,
                "programmeEn": programme.name_en,
                "startDate": cohort.start_date.isoformat(),
                "endDate": cohort.end_date.isoformat(),
                "completedOn": completion.completed_on.isoformat(),
                "record": _url("completions.verify", code=completion.code),
            }
        )
    for code in chosen.get("units") or []:
        unit = ncs.unit_for(code)
        if unit is not None:
            facts["units"].append(
                {"code": unit.code, "nameKo": unit.name_ko, "nameEn": unit.name_en, "level": str(unit.level)}
            )
    for cohort in db.session.scalars(
        select(Cohort).where(Cohort.id.in_(chosen.get("attendance") or [])).order_by(Cohort.start_date)
    ):
        figures = attendance_figures(user, cohort)
        facts["attendance"].append(
            {
                "programmeKo": cohort.programme.name_ko,
                "programmeEn": cohort.programme.name_en,
                "startDate": cohort.start_date.isoformat(),
                "endDate": cohort.end_date.isoformat(),
                "plannedHours": _hours(figures["planned"]),
                "completedHours": _hours(figures["completed"]),
                "attendanceRate": _percent(figures["rate"]),
            }
        )
    for evidence in db.session.scalars(
        select(KoreanEvidence)
        .where(KoreanEvidence.id.in_(chosen.get("korean") or []))
        .order_by(KoreanEvidence.id)
    ):
        facts["korean"].append(
            {
                "scale": evidence.scale.value.upper(),
                "level": str(evidence.level),
                "testDate": evidence.test_date.isoformat() if evidence.test_date else "",
                "verifiedOn": evidence.decided_at.date().isoformat() if evidence.decided_at else "",
            }
        )
    for item in db.session.scalars(
        select(PortfolioItem)
        .where(PortfolioItem.id.in_(chosen.get("items") or []))
        .order_by(PortfolioItem.id)
    ):
        facts["items"].append(
            {"titleKo": item.title_ko, "titleEn": item.title_en, "project": _item_project(item)}
        )
    return {
        "trainee": user.name,
        "recipientKind": pack.recipient_kind.value,
        "recipientName": pack.recipient_name,
        **facts,
    }


def _item_project(item) -> str:
    project = item.attempt.submission.project if item.attempt is not None else None
    return credentials.both_languages(project.title_ko, project.title_en) if project is not None else ""


def _free_index() -> int:
    """A random index of the packs' status list that no pack holds."""
    used = set(
        db.session.scalars(select(EvidencePack.status_index).where(EvidencePack.status_index.is_not(None)))
    )
    if len(used) >= proofs.STATUS_LIST_SIZE // 2:
        raise ProjectError("status_list_full")
    while True:
        index = secrets.randbelow(proofs.STATUS_LIST_SIZE)
        if index not in used:
            return index


def build_credential(pack: EvidencePack, facts: dict, code: str, index: int, valid_from: str) -> dict:
    """The unsigned ``EvidencePackCredential`` of *facts* (the trainee by name only, never by e-mail)."""
    subject = {k: v for k, v in facts.items() if not (isinstance(v, list) and not v)}
    return {
        "@context": [proofs.VC_V2, VOCAB],
        "id": f"urn:uuid:{code}",
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": f"증빙 자료 / Evidence pack: {pack.recipient_name}",
        "issuer": credentials.issuer_profile(),
        "validFrom": valid_from,
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_id()}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list_id(),
        },
    }


def issue_pack(pack: EvidencePack, user: User, *, consent: bool) -> EvidencePack:
    """Issue a draft pack: record the consent, freeze the facts and sign them (see the module docstring).

    :raises ProjectError: ``packs_trainees_only``, ``not_your_pack``, ``pack_consent_missing``,
        ``already_issued``, ``pack_revoked``, ``status_list_full``.
    """
    check_owner(pack, user)
    if pack.revoked_at is not None:
        raise ProjectError("pack_revoked")
    if pack.issued:
        raise ProjectError("already_issued")
    if not consent:
        raise ProjectError("pack_consent_missing")
    # The choices were the trainee's own when made; one may have gone since (a record revoked).
    pack.choices = clean_choices(user, pack.choices)
    key = completions.signing_key()
    kid = completions.key_id(key.public_key())
    code, index, now = str(uuid.uuid4()), _free_index(), timestamp()
    facts = snapshot(pack)
    unsigned = build_credential(pack, facts, code, index, now)
    pack.snapshot = facts
    pack.code, pack.status_index, pack.key_id = code, index, kid
    pack.credential = proofs.sign(unsigned, key, f"{credentials.issuer_id()}#{kid}", now)
    pack.consented_at = utcnow()
    db.session.flush()
    log.info("evidence pack %s issued by user %s with key %s", pack.id, user.id, kid)
    return pack


def revoke_pack(pack: EvidencePack, user: User | None) -> EvidencePack:
    """Withdraw a pack: every link stops and its credential reads revoked (``user`` None: anonymising).

    :raises ProjectError: ``packs_trainees_only``, ``not_your_pack``.
    """
    from projects.evidence import links

    if user is not None:
        check_owner(pack, user)
    now = utcnow()
    if pack.revoked_at is None:
        pack.revoked_at = now
    links.stop_links(pack, now)
    db.session.flush()
    log.info("evidence pack %s revoked", pack.id)
    return pack


def delete_pack(pack: EvidencePack, user: User) -> None:
    """Delete a pack that was never issued (a draft, withdrawn or not): nothing of it was signed or shared,
    so nothing needs keeping.  An issued pack stays; withdrawing it is what stops it.

    :raises ProjectError: ``packs_trainees_only``, ``not_your_pack``; :class:`PackIssued`
        ``issued_pack_kept`` (409 on the API).
    """
    check_owner(pack, user)
    if pack.issued:
        raise PackIssued("issued_pack_kept")
    pack_id = pack.id
    db.session.delete(pack)
    db.session.flush()
    log.info("evidence pack %s (a draft) deleted by user %s", pack_id, user.id)


def packs_of(user: User) -> list[EvidencePack]:
    return list(
        db.session.scalars(
            select(EvidencePack).where(EvidencePack.user_id == user.id).order_by(EvidencePack.id.desc())
        )
    )


def pack_state(pack: EvidencePack) -> str:
    """``draft``, ``issued`` or ``revoked``."""
    if pack.revoked_at is not None:
        return "revoked"
    return "issued" if pack.issued else "draft"
