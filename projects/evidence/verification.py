"""Checking an evidence pack's credential, and the packs' revocation list.

:func:`check_document` checks a credential as a third party would: it must carry exactly the context a pack
is issued with (another context could drop a shown term and map a hidden one to its IRI: the same signed
statements under different words), its ``eddsa-rdfc-2022`` proof must hold against the centre's published
keys (``projects.credentials.services.verification_keys``), and its bit in the packs' own Bitstring Status
List must be clear.  The list (:func:`status_list_credential`) is signed like the Open Badges' one and
published at ``/evidence/status/revocation``, so any standard verifier reads a withdrawal too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from lms.extensions import db
from projects.credentials import proofs
from projects.credentials import services as credentials
from projects.evidence.models import EvidencePack
from projects.evidence.services import CREDENTIAL_TYPE, OBJECTS_MAX, VOCAB, status_list_id


def revoked_indices() -> set[int]:
    return set(
        db.session.scalars(
            select(EvidencePack.status_index).where(
                EvidencePack.revoked_at.is_not(None), EvidencePack.status_index.is_not(None)
            )
        )
    )


def status_list_credential() -> dict:
    """The signed ``BitstringStatusListCredential`` of revoked packs, as published."""
    return credentials.signed_status_list(status_list_id(), revoked_indices())


@dataclass
class PackVerdict:
    """What checking a pack's credential found: ``valid``, ``revoked``, ``altered`` (the proof does not match
    the content), ``unknown_key``, ``unknown`` (no pack by that code) or ``invalid`` (not one of our packs).
    ``facts`` (what it claims) only for ``valid`` and ``revoked``."""

    status: str
    facts: dict = field(default_factory=dict)
    issued: str = ""

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def _status_index(document: dict) -> int | None:
    status = document.get("credentialStatus")
    if not isinstance(status, dict) or status.get("statusListCredential") != status_list_id():
        return None
    index = status.get("statusListIndex")
    return int(index) if isinstance(index, str) and index.isdigit() and len(index) < 10 else None


def check_document(document: Any) -> PackVerdict:
    """Check a pack's credential as a third party would: its proof against the centre's published keys,
    then its bit in the packs' status list."""
    if not isinstance(document, dict) or CREDENTIAL_TYPE not in (document.get("type") or []):
        return PackVerdict("invalid")
    if proofs.count_objects(document) > OBJECTS_MAX:
        return PackVerdict("invalid")
    if not proofs.has_context(document, [proofs.VC_V2, VOCAB]):
        # What a page shows must be what was signed (see proofs.has_context).
        return PackVerdict("altered")
    result = proofs.check_proof(document, credentials.verification_keys())
    if not result.ok:
        status = {"unknown_key": "unknown_key", "bad_signature": "altered", "bad_document": "altered"}
        return PackVerdict(status.get(result.reason, "invalid"))
    index = _status_index(document)
    if index is None:
        return PackVerdict("invalid")
    subject = document.get("credentialSubject")
    facts = subject if isinstance(subject, dict) else {}
    state = "revoked" if index in revoked_indices() else "valid"
    return PackVerdict(state, facts, str(document.get("validFrom") or ""))


def check_text(text: str | bytes) -> PackVerdict:
    """Check a pasted or uploaded credential."""
    if len(text) > credentials.UPLOAD_MAX:
        return PackVerdict("invalid")
    try:
        return check_document(proofs.loads(text))
    except proofs.ProofError:
        return PackVerdict("invalid")


def by_code(code: str) -> EvidencePack | None:
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(EvidencePack).where(EvidencePack.code == code))


def check_code(code: str) -> PackVerdict:
    """Check the pack a printed QR code names (its stored credential, so an edited copy cannot pass)."""
    pack = by_code(code)
    if pack is None or pack.credential is None or pack.credential.get("anonymised"):
        return PackVerdict("unknown")
    verdict = check_document(pack.credential)
    if verdict.status == "revoked":
        verdict.facts = {}  # a withdrawn pack shows no more what it held
    return verdict
