"""Open Badges 3.0 credentials: issued on completion, signed eddsa-rdfc-2022, revocable through the status
list, checked on /verify, downloaded as JSON and baked badges, and their keys rotate without breaking them."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from lms.jobs import commit
from projects.completions import services as completions
from projects.credentials import baking, proofs
from projects.credentials import services as credentials
from projects.credentials.models import OpenBadge

ISSUER = "http://localhost/credentials/issuer"


@pytest.fixture
def issued(db, course, make_user):
    """Trainee 0's completion (recorded by an admin) and the credential it was issued."""
    admin = make_user("admin", locale="en")
    trainee = course["trainees"][0]
    completion = completions.mark_completion(trainee, course["cohort"], date.today(), admin)
    commit()  # the credential is issued by a job after the commit
    badge = db.session.scalar(select(OpenBadge).where(OpenBadge.completion_id == completion.id))
    return {"admin": admin, "trainee": trainee, "completion": completion, "badge": badge, "course": course}


def test_a_recorded_completion_is_issued_as_a_signed_open_badge(app, issued):
    badge, trainee = issued["badge"], issued["trainee"]
    assert badge is not None and badge.user_id == trainee.id
    vc = badge.credential
    assert vc["@context"] == [proofs.VC_V2, proofs.OB_V3]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == f"http://localhost/credentials/{badge.code}.json" and len(badge.code) >= 24
    assert vc["issuer"]["id"] == ISSUER and vc["issuer"]["type"] == ["Profile"]
    assert vc["issuer"]["name"] == app.config["CENTRE_NAME"]
    assert vc["validFrom"].endswith("Z") and len(vc["validFrom"]) == 20
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    email_id, name_id = subject["identifier"]
    assert email_id["type"] == "IdentityObject" and email_id["hashed"] is True
    assert email_id["identityHash"] == proofs.identity_hash(trainee.email, email_id["salt"])
    assert email_id["identityHash"].startswith("sha256$") and len(email_id["salt"]) == 32
    assert trainee.email not in json.dumps(vc)  # never in clear
    assert name_id == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": trainee.name,
    }
    achievement = subject["achievement"]
    programme = issued["course"]["cohort"].programme
    assert (
        achievement["type"] == ["Achievement"] and achievement["achievementType"] == "CertificateOfCompletion"
    )
    assert programme.name_ko in achievement["name"] and achievement["criteria"]["narrative"]
    assert achievement["alignment"] == [] and achievement["id"].endswith(
        f"/credentials/achievements/{programme.id}"
    )
    status = vc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(badge.status_index)
    assert status["statusListCredential"] == "http://localhost/credentials/status/revocation"
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    assert proof["verificationMethod"] == f"{ISSUER}#{badge.key_id}"
    assert len(proofs.from_multibase_b58(proof["proofValue"])) == 64
    assert credentials.check_document(vc).status == "valid"
    # The home-made completion record is still signed and verifies as before.
    assert completions.verify(issued["completion"]).valid


def test_the_proof_is_the_eddsa_rdfc_2022_construction(issued):
    """Recomputed from the specification with pyld directly: SHA-256 of the canonical proof configuration,
    then of the canonical document, Ed25519 over both."""
    import hashlib

    from pyld import jsonld

    vc = issued["badge"].credential
    proof = vc["proof"]
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": proofs.document_loader,
    }
    config = {"@context": vc["@context"], **{k: v for k, v in proof.items() if k != "proofValue"}}
    document = {k: v for k, v in vc.items() if k != "proof"}
    data = hashlib.sha256(jsonld.normalize(config, options).encode()).digest()
    data += hashlib.sha256(jsonld.normalize(document, options).encode()).digest()
    key = completions.signing_key().public_key()
    key.verify(proofs.from_multibase_b58(proof["proofValue"]), data)  # raises if not


def test_the_controller_document_publishes_the_key_as_a_multikey(client, issued):
    response = client.get("/credentials/issuer")
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    doc = response.get_json()
    assert doc["id"] == ISSUER and doc["@context"] == [proofs.DID_V1, proofs.MULTIKEY_V1]
    [method] = doc["verificationMethod"]
    assert method["type"] == "Multikey" and method["controller"] == ISSUER
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert method["id"] == issued["badge"].credential["proof"]["verificationMethod"]
    assert doc["assertionMethod"] == [method["id"]]
    key = proofs.public_key_from_multibase(method["publicKeyMultibase"])
    assert proofs.public_key_multibase(key) == method["publicKeyMultibase"]


@pytest.mark.parametrize(
    "change",
    [
        lambda vc: vc["credentialSubject"]["achievement"].__setitem__("name", "Film PhD"),
        lambda vc: vc["credentialSubject"]["identifier"][1].__setitem__("identityHash", "Someone Else"),
        lambda vc: vc.__setitem__("validFrom", "2020-01-01T00:00:00Z"),
        lambda vc: vc["credentialStatus"].__setitem__("statusListIndex", "7"),
        lambda vc: vc["proof"].__setitem__("created", "2020-01-01T00:00:00Z"),
        lambda vc: vc["proof"].__setitem__("proofValue", "z" + "1" * 86),
    ],
)
def test_any_change_makes_it_altered(issued, change):
    vc = json.loads(json.dumps(issued["badge"].credential))
    change(vc)
    assert credentials.check_document(vc).status == "altered"


@pytest.mark.parametrize(
    "change",
    [
        lambda vc: vc["@context"].append({"shown": None}),
        lambda vc: vc.__setitem__("@context", [proofs.VC_V2, proofs.OB_V3, {"name": None}]),
        lambda vc: vc["credentialSubject"]["achievement"].__setitem__("@context", {"note": None}),
    ],
)
def test_another_context_anywhere_makes_it_altered(issued, change):
    """The proof covers what the document means, not its words: another context could drop a term a page
    shows (``null``) while the signed statement moves under another word, so only the issued one passes."""
    vc = json.loads(json.dumps(issued["badge"].credential))
    change(vc)
    assert not proofs.has_context(vc, [proofs.VC_V2, proofs.OB_V3])
    assert credentials.check_document(vc).status == "altered"
    assert credentials.check_document(issued["badge"].credential).status == "valid"


def test_a_credential_signed_by_another_key_or_in_another_shape_is_refused(issued):
    vc = issued["badge"].credential
    stranger = Ed25519PrivateKey.generate()
    forged = proofs.sign(vc, stranger, f"{ISSUER}#0000000000000000", vc["validFrom"])
    assert credentials.check_document(forged).status == "unknown_key"
    assert credentials.check_document({**vc, "type": ["VerifiableCredential"]}).status == "invalid"
    assert credentials.check_document({k: v for k, v in vc.items() if k != "proof"}).status == "invalid"
    assert credentials.check_text("not json").status == "invalid"
    assert credentials.check_text("[1, 2]").status == "invalid"
    # Many blank nodes (what makes canonicalisation slow) are refused before any canonicalising.
    crowded = json.loads(json.dumps(vc))
    crowded["credentialSubject"]["achievement"]["alignment"] = [{"type": ["Alignment"]}] * 300
    assert credentials.check_document(crowded).status == "invalid"


def test_contexts_are_bundled_and_nothing_is_fetched(issued):
    with pytest.raises(proofs.ProofError):
        proofs.document_loader("https://attacker.example/context.json")
    vc = issued["badge"].credential
    hostile = {**vc, "@context": [*vc["@context"], "https://attacker.example/context.json"]}
    assert credentials.check_document(hostile).status == "altered"  # the refused context: not checkable
    assert set(proofs.contexts()) == {proofs.VC_V2, proofs.OB_V3, proofs.MULTIKEY_V1, proofs.DID_V1}


def test_the_contexts_ship_in_the_wheel():
    import configparser
    from pathlib import Path

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).resolve().parents[2] / "setup.cfg")
    assert "credentials/contexts/*" in cfg["options.package_data"]["projects"].split()
    assert "pyld" in cfg["options"]["install_requires"]


def test_identity_hash_matches_the_specification_example():
    """OB 3.0's IdentityHash example: SHA-256 of 'a@example.com' salted with 'Kosher'."""
    expected = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    assert proofs.identity_hash("a@example.com", "Kosher") == expected


def test_status_list_bits_round_trip():
    encoded = proofs.encode_status_list({0, 9, proofs.STATUS_LIST_SIZE - 1})
    assert encoded.startswith("u")
    assert [proofs.status_bit(encoded, i) for i in (0, 1, 8, 9, proofs.STATUS_LIST_SIZE - 1)] == [
        True,
        False,
        False,
        True,
        True,
    ]
    with pytest.raises(proofs.ProofError):
        proofs.status_bit(encoded, proofs.STATUS_LIST_SIZE)


def _status_bit(client, index: int) -> bool:
    doc = client.get("/credentials/status/revocation").get_json()
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["credentialSubject"]["statusPurpose"] == "revocation"
    assert proofs.check_proof(doc, credentials.verification_keys()).ok  # the list is signed too
    return proofs.status_bit(doc["credentialSubject"]["encodedList"], index)


def test_an_admin_revokes_and_the_list_and_verify_page_say_so(db, client, login, issued):
    badge, completion = issued["badge"], issued["completion"]
    assert _status_bit(client, badge.status_index) is False
    login(issued["admin"])
    assert issued["trainee"].name in client.get("/admin/credentials").get_data(as_text=True)
    response = client.post(f"/admin/credentials/{completion.id}/revoke", data={"reason": ""})
    assert response.status_code == 302 and db.session.get(OpenBadge, badge.id).revoked_at is None
    client.post(f"/admin/credentials/{completion.id}/revoke", data={"reason": "Issued by mistake"})
    db.session.expire_all()
    assert db.session.get(OpenBadge, badge.id).revoked_at is not None
    assert _status_bit(client, badge.status_index) is True
    page = client.post("/verify", data={"address": badge.credential["id"]})
    assert page.status_code == 200 and 'data-verdict="revoked"' in page.get_data(as_text=True)
    # The admin issues a fresh one for the record: a new code and a new bit.
    client.post(f"/admin/credentials/{completion.id}/issue")
    fresh = credentials.current_badge(completion)
    assert fresh is not None and fresh.id != badge.id and fresh.status_index != badge.status_index
    assert credentials.check_document(fresh.credential).valid


def test_revoking_the_completion_record_revokes_its_credential(db, client, issued):
    completions.revoke_completion(issued["completion"], "Recorded in error")
    db.session.commit()
    assert _status_bit(client, issued["badge"].status_index) is True
    assert credentials.check_document(issued["badge"].credential).status == "revoked"


def test_a_rotated_key_stays_published_and_old_credentials_verify(app, db, client, issued, course):
    old = issued["badge"]
    path = completions.key_path()
    retired = path.parent / "retired"
    retired.mkdir(exist_ok=True)
    shutil.move(path, retired / "2026-12.pem")
    completion = completions.mark_completion(course["trainees"][1], course["cohort"], date.today(), None)
    commit()
    new = credentials.current_badge(completion)
    assert new.key_id != old.key_id
    methods = [m["id"] for m in client.get("/credentials/issuer").get_json()["verificationMethod"]]
    assert sorted(methods) == sorted([f"{ISSUER}#{old.key_id}", f"{ISSUER}#{new.key_id}"])
    assert (
        credentials.check_document(old.credential).valid and credentials.check_document(new.credential).valid
    )


def test_the_trainee_downloads_json_and_baked_badges(db, client, login, issued, course):
    completion, badge = issued["completion"], issued["badge"]
    login(issued["trainee"])
    page = client.get("/my/credentials").get_data(as_text=True)
    assert badge.credential["id"] in page and "<svg" in page  # the QR code of its address
    as_json = client.get(f"/my/credentials/{completion.id}/badge.json")
    assert as_json.status_code == 200 and "attachment" in as_json.headers["Content-Disposition"]
    assert json.loads(as_json.data) == badge.credential
    png = client.get(f"/my/credentials/{completion.id}/badge.png")
    assert png.mimetype == "image/png" and json.loads(baking.unbake_png(png.data)) == badge.credential
    from PIL import Image

    Image.open(io.BytesIO(png.data)).verify()
    svg = client.get(f"/my/credentials/{completion.id}/badge.svg")
    assert b'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg.data
    assert json.loads(baking.unbake_svg(svg.data)) == badge.credential
    # The baked PNG, uploaded to /verify, checks as valid and shows what it claims.
    page = client.post("/verify", data={"upload": (io.BytesIO(png.data), "badge.png")})
    text = page.get_data(as_text=True)
    assert 'data-verdict="valid"' in text and issued["trainee"].name in text
    assert course["cohort"].programme.name_ko in text
    # Another trainee's credential is not theirs to download.
    other = completions.mark_completion(course["trainees"][1], course["cohort"], date.today(), None)
    commit()
    assert client.get(f"/my/credentials/{other.id}/badge.json").status_code == 404


def test_the_verify_page_checks_pasted_json_and_escapes_what_it_shows(db, client, issued):
    vc = json.loads(json.dumps(issued["badge"].credential))
    vc["credentialSubject"]["achievement"]["name"] = "<script>alert(1)</script>"
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    key = completions.signing_key()
    signed = proofs.sign(unsigned, key, vc["proof"]["verificationMethod"], vc["validFrom"])
    text = client.post("/verify", data={"document": json.dumps(signed)}).get_data(as_text=True)
    assert 'data-verdict="valid"' in text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text
    tampered = client.post("/verify", data={"document": json.dumps(vc)}).get_data(as_text=True)
    assert 'data-verdict="altered"' in tampered and "<dl>" not in tampered  # no claims shown
    unknown = client.post("/verify", data={"address": "http://localhost/credentials/nope.json"})
    assert 'data-verdict="unknown"' in unknown.get_data(as_text=True)
    assert client.get("/verify").status_code == 200


def test_the_public_json_and_the_api(client, token_for, issued, course):
    badge, completion = issued["badge"], issued["completion"]
    response = client.get(f"/credentials/{badge.code}.json")
    assert response.status_code == 200 and response.get_json() == badge.credential
    assert client.get("/credentials/not-a-code.json").status_code == 404
    own = client.get("/api/v1/credentials", headers=token_for(issued["trainee"])).get_json()
    assert [c["code"] for c in own] == [badge.code]
    other = token_for(course["trainees"][2])
    assert client.get("/api/v1/credentials", headers=other).get_json() == []
    assert client.get(f"/api/v1/completions/{completion.id}/credential", headers=other).status_code == 404
    one = client.get(f"/api/v1/completions/{completion.id}/credential", headers=token_for(issued["trainee"]))
    assert one.get_json()["credential"] == badge.credential


def test_personal_data_and_anonymising(db, client, issued):
    from lms.users.privacy import anonymise_user, personal_data

    parts, _files = personal_data(issued["trainee"])
    [entry] = parts["projects"]["open_badges"]
    assert entry["credential"] == issued["badge"].credential
    anonymise_user(issued["trainee"], issued["admin"])
    db.session.commit()
    badge = db.session.get(OpenBadge, issued["badge"].id)
    assert badge.credential == {"anonymised": True} and badge.revoked_at is not None
    assert client.get(f"/credentials/{badge.code}.json").status_code == 404
    assert _status_bit(client, badge.status_index) is True
