"""Data Integrity proofs (``eddsa-rdfc-2022``), Multikey encoding and Bitstring Status Lists: the pure core.

No Flask and no database here: the services hand in keys and documents.  What is signed follows the W3C
"Data Integrity EdDSA Cryptosuites v1.0" (``eddsa-rdfc-2022``): the document without its proof and the proof
configuration (the proof without ``proofValue``, with the document's ``@context``) are each canonicalised
with RDF Dataset Canonicalization (RDFC-1.0, which is URDNA2015; ``pyld``) and hashed with SHA-256; Ed25519
signs ``sha256(config) + sha256(document)``; ``proofValue`` is the signature in multibase base58btc (``z…``).

JSON-LD contexts are bundled in ``contexts/`` and :func:`document_loader` serves only those: checking a
credential never fetches anything, so a pasted credential cannot make the server call out (SSRF) and a
context changed on the web cannot change what our signatures mean.  Sources: the VC 2.0 context
(``@digitalbazaar/credentials-context``), Open Badges 3.0.3 (1EdTech), Multikey v1 and DID v1 (npm
``@digitalbazaar/multikey-context``, ``did-context``).
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
CRYPTOSUITE = "eddsa-rdfc-2022"
#: The multicodec prefix of an Ed25519 public key (0xed, varint-encoded), so keys read ``z6Mk…``.
ED25519_PUB_PREFIX = b"\xed\x01"
#: The shortest status list the Bitstring Status List recommendation allows (16 KiB of bits): herd privacy.
STATUS_LIST_SIZE = 131_072

_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}


class ProofError(ValueError):
    """A document that cannot be checked: malformed, or naming a context we do not bundle."""


@cache
def contexts() -> dict[str, dict]:
    """URL -> the bundled context document."""
    folder = Path(__file__).with_name("contexts")
    return {url: json.loads((folder / name).read_text("utf-8")) for url, name in _FILES.items()}


def document_loader(url: str, _options: dict | None = None) -> dict:
    """pyld's loader: a bundled context, or a refusal (never a network fetch)."""
    document = contexts().get(url)
    if document is None:
        raise ProofError(f"context not bundled: {url[:200]}")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}


def canonize(document: dict) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of *document*."""
    try:
        return jsonld.normalize(
            document,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader},
        )
    except ProofError:
        raise
    except Exception as exc:  # pyld raises JsonLdError and plain errors for malformed input
        raise ProofError(f"not canonicalisable JSON-LD: {type(exc).__name__}") from exc


def multibase_b58(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def from_multibase_b58(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ProofError("not multibase base58btc")
    try:
        return base58.b58decode(text[1:])
    except ValueError as exc:
        raise ProofError("not multibase base58btc") from exc


def public_key_multibase(public: Ed25519PublicKey) -> str:
    """The Multikey ``publicKeyMultibase`` of an Ed25519 key (``z6Mk…``)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multibase_b58(ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    data = from_multibase_b58(text)
    if len(data) != 34 or not data.startswith(ED25519_PUB_PREFIX):
        raise ProofError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def _hash_data(unsecured: dict, proof_config: dict) -> bytes:
    config = {"@context": unsecured.get("@context"), **proof_config}
    return (
        hashlib.sha256(canonize(config).encode()).digest()
        + hashlib.sha256(canonize(unsecured).encode()).digest()
    )


def sign(document: dict, key: Ed25519PrivateKey, verification_method: str, created: str) -> dict:
    """*document* with an ``eddsa-rdfc-2022`` ``DataIntegrityProof`` for the assertion purpose."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    proof["proofValue"] = multibase_b58(key.sign(_hash_data(unsecured, proof)))
    return {**unsecured, "proof": proof}


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of :func:`check_proof`: ``ok``, or why not (``reason``) and the method it named."""

    ok: bool
    reason: str = ""
    verification_method: str = ""


def check_proof(document: dict, keys: dict[str, Ed25519PublicKey]) -> ProofCheck:
    """Check *document*'s ``eddsa-rdfc-2022`` proof against *keys* (verification method id -> key).

    Reasons: ``no_proof``, ``bad_proof`` (malformed, another suite or purpose), ``unknown_key``,
    ``bad_signature`` (altered), ``bad_document`` (not canonicalisable).
    """
    proof = document.get("proof") if isinstance(document, dict) else None
    if not isinstance(proof, dict):
        return ProofCheck(False, "no_proof")
    method = proof.get("verificationMethod")
    if (
        proof.get("type") != "DataIntegrityProof"
        or proof.get("cryptosuite") != CRYPTOSUITE
        or proof.get("proofPurpose") != "assertionMethod"
        or not isinstance(method, str)
    ):
        return ProofCheck(False, "bad_proof")
    if method not in keys:
        return ProofCheck(False, "unknown_key", method)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    try:
        signature = from_multibase_b58(proof.get("proofValue", ""))
        keys[method].verify(signature, _hash_data(unsecured, config))
    except InvalidSignature:
        return ProofCheck(False, "bad_signature", method)
    except ProofError:
        return ProofCheck(False, "bad_document", method)
    return ProofCheck(True, "", method)


def encode_status_list(revoked: set[int] | list[int], size: int = STATUS_LIST_SIZE) -> str:
    """``encodedList``: the bits (index 0 is the first, most significant bit), GZIP, multibase base64url."""
    bits = bytearray(size // 8)
    for index in revoked:
        if 0 <= index < size:
            bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same list always gives the same bytes.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def status_list_document(list_id: str, issuer: str, revoked: set[int], valid_from: str) -> dict:
    """The unsigned ``BitstringStatusListCredential`` at *list_id* with the bits of *revoked* set."""
    return {
        "@context": [VC_V2],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked),
        },
    }


def status_bit(encoded: str, index: int) -> bool:
    """Whether bit *index* of an ``encodedList`` is set."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ProofError("not multibase base64url")
    try:
        bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    except (ValueError, OSError) as exc:
        raise ProofError("not a GZIP bitstring") from exc
    if not 0 <= index < len(bits) * 8:
        raise ProofError("index outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0 ``identityHash``: ``sha256$`` and the hex SHA-256 of the e-mail address (lower case) + salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def loads(text: str | bytes) -> Any:
    """JSON as pasted or uploaded (a ``ProofError`` for anything else)."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProofError("not JSON") from exc


def claims(document: dict) -> dict:
    """What a credential says, as plain text (what /verify shows): recipient name, achievement, criteria,
    issuer, dates and id."""
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = document.get("issuer")
    names = [
        i.get("identityHash")
        for i in subject.get("identifier") or []
        if isinstance(i, dict) and i.get("identityType") == "name" and not i.get("hashed")
    ]
    return {
        "name": str(names[0]) if names else "",
        "achievement": str(achievement.get("name") or document.get("name") or ""),
        "criteria": str((achievement.get("criteria") or {}).get("narrative") or ""),
        "issuer": str(issuer.get("name") if isinstance(issuer, dict) else issuer or ""),
        "valid_from": str(document.get("validFrom") or ""),
        "valid_until": str(document.get("validUntil") or ""),
        "id": str(document.get("id") or ""),
    }


def has_context(document: dict, expected: list) -> bool:
    """Whether *document* carries exactly the context *expected* and no other anywhere inside it.

    The proof covers the RDF a document means, not its JSON: another context (at the top or scoped inside an
    object) could map a shown term to nothing (``"name": null``, dropped before signing) and a hidden one to
    its IRI, so a page reading the JSON would show words the issuer never signed.
    """

    def nested(value: Any) -> bool:
        if isinstance(value, dict):
            return "@context" in value or any(nested(v) for v in value.values())
        if isinstance(value, list):
            return any(nested(v) for v in value)
        return False

    body = {key: value for key, value in document.items() if key != "@context"}
    return document.get("@context") == expected and not nested(body)


def count_objects(value: Any) -> int:
    """The objects in a JSON value (a bound on what canonicalising it may cost)."""
    if isinstance(value, dict):
        return 1 + sum(count_objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_objects(v) for v in value)
    return 0
