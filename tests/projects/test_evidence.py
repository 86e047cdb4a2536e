"""Residency evidence packs (issue 17, item 3): only the parts a trainee ticks go in, consent before issue,
a frozen and signed snapshot, a bilingual PDF with a QR code, expiring and revocable links with a view log,
staff refused everywhere, and the personal-data download and anonymising."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms import pdf
from lms.db import utcnow
from projects.attendance import marks
from projects.attendance import services as attendance
from projects.attendance.models import TrainingSession
from projects.common import ProjectError
from projects.completions import services as completions
from projects.credentials import proofs
from projects.evidence import links, services, verification
from projects.evidence.models import EvidenceLink, EvidencePack, EvidenceView
from projects.korean import services as korean
from tests.projects import test_credentials_verifier as node
from tests.projects import test_ncs

EN = {"Accept-Language": "en"}
#: The independent verifier (Node), installed and called as the Open Badges tests do.
verifier = node.verifier
#: A released grade that showed two NCS units (the NCS tests' fixture).
graded = test_ncs.graded
EDITING, CONTENT = test_ncs.EDITING, test_ncs.CONTENT


@pytest.fixture
def world(db, course, make_user, media):
    """Trainee 0 with a completion record, two hours attended of a four-hour timetable, and a verified
    TOPIK level 4; an admin and the cohort's instructor."""
    from media import services as media_services

    admin = make_user("admin", locale="en")
    trainee, cohort = course["trainees"][0], course["cohort"]
    start = utcnow() - timedelta(days=3)
    for offset, mark in ((0, "present"), (1, "absent")):
        session = TrainingSession(
            cohort_id=cohort.id,
            day=attendance.local_day(start + timedelta(days=offset)),
            starts_at=start + timedelta(days=offset),
            ends_at=start + timedelta(days=offset, hours=2),
            topic="Editing",
            secret="ab" * 32,
        )
        db.session.add(session)
        db.session.flush()
        marks.mark_trainee(session, trainee, mark, by=course["instructor"], reason="Test")
    completion = completions.mark_completion(trainee, cohort, date.today(), admin)
    document = media_services.register_upload(
        trainee, io.BytesIO(media["image.png"].read_bytes()), filename="topik.png", declared_type="image/png"
    )
    topik = korean.add_evidence(trainee, "topik", 4, date.today() - timedelta(days=30), document)
    korean.decide_evidence(topik, admin, verify=True)
    db.session.commit()
    return {
        "trainee": trainee,
        "cohort": cohort,
        "completion": completion,
        "topik": topik,
        "admin": admin,
        "instructor": course["instructor"],
        "mate": course["trainees"][1],
    }


def make_pack(db, w, **chosen) -> EvidencePack:
    chosen = chosen or {"completions": [w["completion"].id]}
    pack = services.create_pack(w["trainee"], "immigration", "Seoul Southern Immigration Office", chosen)
    db.session.commit()
    return pack


def issue(db, w, **chosen) -> EvidencePack:
    pack = services.issue_pack(make_pack(db, w, **chosen), w["trainee"], consent=True)
    db.session.commit()
    return pack


def pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_form_offers_the_trainees_own_records_with_nothing_ticked(app, client, login, world):
    login(world["trainee"])
    page = client.get("/my/evidence", headers=EN).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*type="checkbox"[^>]*>', page)
    assert len(boxes) == 3, boxes  # the completion, the cohort's hours, the TOPIK result
    assert not any("checked" in box for box in boxes)
    assert f'value="{world["completion"].id}"' in page and f'value="{world["topik"].id}"' in page


def test_only_ticked_parts_go_in_the_credential_the_pdf_and_the_page(app, db, client, login, world):
    login(world["trainee"])
    made = client.post(
        "/my/evidence",
        data={
            "recipient_kind": "immigration",
            "recipient_name": "Seoul Southern Immigration Office",
            "completions": str(world["completion"].id),
            "attendance": str(world["cohort"].id),
        },
        headers=EN,
    )
    assert made.status_code == 302
    pack = db.session.scalar(select(EvidencePack))
    assert pack.choices == {
        "completions": [world["completion"].id],
        "units": [],
        "attendance": [world["cohort"].id],
        "korean": [],
        "items": [],
    }
    assert not pack.issued and pack.credential is None  # a draft shares nothing
    draft = client.get(made.location, headers=EN).get_data(as_text=True)
    assert "TOPIK" not in draft and "Seoul Southern Immigration Office" in draft

    issued = client.post(made.location, data={"consent": "y"}, headers=EN)
    assert issued.status_code == 302
    db.session.expire_all()
    pack = db.session.get(EvidencePack, pack.id)
    vc = pack.credential
    subject = vc["credentialSubject"]
    assert vc["type"] == ["VerifiableCredential", "EvidencePackCredential"]
    assert set(subject) == {"trainee", "recipientKind", "recipientName", "completions", "attendance"}
    assert subject["recipientKind"] == "immigration"
    assert (
        subject["attendance"][0]["plannedHours"] == "4" and subject["attendance"][0]["completedHours"] == "2"
    )
    assert subject["attendance"][0]["attendanceRate"] == "50.0"
    assert "TOPIK" not in json.dumps(vc) and world["trainee"].email not in json.dumps(vc)
    assert all(isinstance(v, str) for c in subject["completions"] for v in c.values())

    response = client.post(f"/my/evidence/{pack.id}/links", data={"days": "7"}, headers=EN)
    token_url = re.search(r'value="(http://[^"]+/evidence/l/[^"]+)"', response.get_data(as_text=True)).group(
        1
    )
    client.post("/auth/logout")
    anonymous = app.test_client()
    shown = anonymous.get(token_url, headers=EN).get_data(as_text=True)
    assert "Seoul Southern Immigration Office" in shown and "TOPIK" not in shown
    assert 'data-verdict="valid"' in shown and "수료" in shown and "Completion" in shown
    if pdf.available():
        text = pdf_text(anonymous.get(token_url + "/pack.pdf").data)
        assert "TOPIK" not in text and "출석률" in text and "attendance 50.0%" in text


def test_consent_is_required_and_recorded(app, db, client, login, world):
    pack = make_pack(db, world)
    with pytest.raises(ProjectError, match="pack_consent_missing"):
        services.issue_pack(pack, world["trainee"], consent=False)
    login(world["trainee"])
    refused = client.post(f"/my/evidence/{pack.id}", data={}, headers=EN)
    assert refused.status_code == 400
    assert "Tick the box to agree" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EvidencePack, pack.id).consented_at is None
    page = client.get(f"/my/evidence/{pack.id}", headers=EN).get_data(as_text=True)
    assert "These facts will be shared with Seoul Southern Immigration Office" in page
    assert not re.search(r'<input[^>]*name="consent"[^>]*checked', page)
    before = utcnow()
    client.post(f"/my/evidence/{pack.id}", data={"consent": "y"}, headers=EN)
    db.session.expire_all()
    assert db.session.get(EvidencePack, pack.id).consented_at >= before - timedelta(seconds=1)


def test_nothing_chosen_or_someone_elses_records_are_refused(app, db, world):
    with pytest.raises(ProjectError, match="nothing_chosen"):
        services.create_pack(world["trainee"], "employer", "Hanbit Media", {})
    with pytest.raises(ProjectError, match="not_your_pack"):
        services.create_pack(
            world["mate"], "employer", "Hanbit Media", {"completions": [world["completion"].id]}
        )
    with pytest.raises(ProjectError, match="bad_recipient_kind"):
        services.create_pack(world["trainee"], "embassy", "X", {"completions": [world["completion"].id]})


def test_an_issued_pack_is_frozen(app, db, world):
    pack = issue(db, world, completions=[world["completion"].id], korean=[world["topik"].id])
    frozen = json.dumps(pack.credential, sort_keys=True)
    programme = world["cohort"].programme
    programme.name_en = "Something else entirely"
    world["topik"].level = 6
    db.session.commit()
    db.session.expire_all()
    pack = db.session.get(EvidencePack, pack.id)
    assert json.dumps(pack.credential, sort_keys=True) == frozen
    assert pack.snapshot["korean"][0]["level"] == "4"
    assert "Something else entirely" not in json.dumps(pack.snapshot)
    with pytest.raises(ProjectError, match="already_issued"):
        services.issue_pack(pack, world["trainee"], consent=True)


def test_the_signature_verifies_and_an_altered_copy_fails(app, db, client, world):
    pack = issue(db, world, completions=[world["completion"].id], korean=[world["topik"].id])
    vc = pack.credential
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert proofs.check_proof(vc, services.credentials.verification_keys()).ok
    assert verification.check_document(vc).status == "valid"
    tampered = json.loads(json.dumps(vc))
    tampered["credentialSubject"]["korean"][0]["level"] = "6"
    assert verification.check_document(tampered).status == "altered"
    # Every fact is signed: canonicalisation keeps each value (an undefined term would be dropped unsigned).
    quads = proofs.canonize({k: v for k, v in vc.items() if k != "proof"})
    for part in ("completions", "korean"):
        for fact in vc["credentialSubject"][part]:
            assert all(f'"{value}"' in quads for value in fact.values() if value), fact
    # The same statements under other words (a context that drops "level" and maps "lvl" to its IRI).
    renamed = json.loads(json.dumps(vc))
    renamed["@context"] = [
        proofs.VC_V2,
        {**services.VOCAB, "level": None, "lvl": services.VOCAB["@vocab"] + "level"},
    ]
    renamed["credentialSubject"]["korean"][0]["lvl"] = "4"
    renamed["credentialSubject"]["korean"][0]["level"] = "6"
    assert verification.check_document(renamed).status == "altered"
    page = client.post("/evidence/verify", data={"document": json.dumps(tampered)}, headers=EN)
    assert 'data-verdict="altered"' in page.get_data(as_text=True)
    page = client.post("/evidence/verify", data={"document": json.dumps(vc)}, headers=EN)
    assert 'data-verdict="valid"' in page.get_data(as_text=True)
    by_qr = client.get(f"/evidence/verify/{pack.code}", headers=EN).get_data(as_text=True)
    assert 'data-verdict="valid"' in by_qr and "TOPIK" in by_qr


def test_withdrawing_stops_links_and_sets_the_status_bit(app, db, client, world):
    pack = issue(db, world)
    _link, token = links.create_link(pack, world["trainee"], days=30)
    db.session.commit()
    assert client.get(f"/evidence/l/{token}").status_code == 200
    services.revoke_pack(pack, world["trainee"])
    db.session.commit()
    assert client.get(f"/evidence/l/{token}").status_code == 410
    assert verification.check_document(pack.credential).status == "revoked"
    status_list = client.get("/evidence/status/revocation").get_json()
    assert proofs.check_proof(status_list, services.credentials.verification_keys()).ok
    assert proofs.status_bit(status_list["credentialSubject"]["encodedList"], pack.status_index)
    by_qr = client.get(f"/evidence/verify/{pack.code}", headers=EN).get_data(as_text=True)
    assert 'data-verdict="revoked"' in by_qr and "TOPIK" not in by_qr


def test_links_expire_are_revoked_and_every_opening_is_logged(app, db, client, login, world):
    pack = issue(db, world)
    live, token = links.create_link(pack, world["trainee"], days=7)
    _old, old_token = links.create_link(pack, world["trainee"], days=1, now=utcnow() - timedelta(days=2))
    db.session.commit()
    assert (
        len(token) >= 43
        and live.token_hash != token
        and token not in json.dumps(services.packs_of(world["trainee"])[0].choices)
    )
    assert client.get(f"/evidence/l/{old_token}").status_code == 410  # expired
    assert client.get("/evidence/l/not-a-token").status_code == 404
    assert client.get(f"/evidence/l/{token}").status_code == 200
    json_answer = client.get(f"/evidence/l/{token}/pack.json")
    assert json_answer.status_code == 200 and "attachment" in json_answer.headers["Content-Disposition"]
    assert json.loads(json_answer.data) == pack.credential
    seen = [v.what for v in db.session.scalars(select(EvidenceView).order_by(EvidenceView.id))]
    assert seen == ["page", "json"]
    login(world["trainee"])
    page = client.get(f"/my/evidence/{pack.id}", headers=EN).get_data(as_text=True)
    assert "Page opened" in page and "Credential downloaded" in page
    client.post(f"/my/evidence/{pack.id}/links/{live.id}/revoke", headers=EN)
    db.session.expire_all()
    assert db.session.get(EvidenceLink, live.id).revoked_at is not None
    assert app.test_client().get(f"/evidence/l/{token}").status_code == 410


@pytest.mark.skipif(not pdf.available(), reason="WeasyPrint or Pango is not installed")
def test_the_pdf_has_korean_and_english_and_a_qr_code(app, db, client, login, world):
    pypdf = pytest.importorskip("pypdf")
    pack = issue(db, world, completions=[world["completion"].id], korean=[world["topik"].id])
    login(world["trainee"])
    response = client.get(f"/my/evidence/{pack.id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    programme = world["cohort"].programme
    for words in (
        "훈련 증빙 자료",
        "Training evidence pack",
        "받는 곳",
        "Recipient",
        "TOPIK",
        "급",
        "level 4",
    ):
        assert words in text, words
    assert programme.code in text and "/evidence/verify/" in text
    page = pypdf.PdfReader(io.BytesIO(response.data)).pages[0]
    images = [x for x in page["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"]
    assert images, "no QR image"


def test_staff_are_refused_on_every_route_and_api(app, db, client, login, token_for, world):
    pack = issue(db, world)
    link, _token = links.create_link(pack, world["trainee"], days=7)
    db.session.commit()
    body = {
        "recipient_kind": "immigration",
        "recipient_name": "Office",
        "completions": str(world["completion"].id),
    }
    for person in (world["admin"], world["instructor"]):
        login(person)
        assert client.get("/my/evidence").status_code == 403
        assert client.post("/my/evidence", data=body).status_code == 403
        for path in (f"/my/evidence/{pack.id}", f"/my/evidence/{pack.id}/pack.json"):
            assert client.get(path).status_code == 403
        for path in (
            f"/my/evidence/{pack.id}",
            f"/my/evidence/{pack.id}/links",
            f"/my/evidence/{pack.id}/revoke",
            f"/my/evidence/{pack.id}/links/{link.id}/revoke",
        ):
            assert client.post(path, data={"consent": "y", "days": "3"}).status_code == 403
        client.post("/auth/logout")
        headers = token_for(person, "read write")
        api = "/api/v1/evidence/packs"
        json_body = {
            "recipient_kind": "immigration",
            "recipient_name": "Office",
            "choices": {"completions": [world["completion"].id]},
            "consent": True,
        }
        assert client.get(api, headers=headers).status_code == 403
        assert client.post(api, json=json_body, headers=headers).status_code == 403
        assert client.post(f"{api}/{pack.id}/links", json={"days": 3}, headers=headers).status_code == 403
        assert client.post(f"{api}/{pack.id}/revocation", headers=headers).status_code == 403
        assert client.delete(f"{api}/{pack.id}/links/{link.id}", headers=headers).status_code == 403
    with pytest.raises(ProjectError, match="packs_trainees_only"):
        services.create_pack(
            world["admin"], "immigration", "Office", {"completions": [world["completion"].id]}
        )
    db.session.expire_all()
    assert db.session.scalar(select(EvidencePack.id).where(EvidencePack.id != pack.id)) is None
    assert db.session.get(EvidencePack, pack.id).revoked_at is None
    # Another trainee does not find the pack either.
    login(world["mate"])
    assert client.get(f"/my/evidence/{pack.id}").status_code == 404


def test_the_api_lists_makes_issues_and_revokes_links(app, db, client, token_for, world):
    headers = token_for(world["trainee"], "read write")
    made = client.post(
        "/api/v1/evidence/packs",
        json={
            "recipient_kind": "region",
            "recipient_name": "Gyeongbuk regional visa desk",
            "choices": {"korean": [world["topik"].id]},
            "consent": True,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    pack = made.get_json()
    assert pack["state"] == "issued" and set(pack["snapshot"]["korean"][0]) >= {"scale", "level"}
    assert "completions" not in pack["credential"]["credentialSubject"]
    link = client.post(f"/api/v1/evidence/packs/{pack['id']}/links", json={"days": 5}, headers=headers)
    assert link.status_code == 201 and "/evidence/l/" in link.get_json()["url"]
    link_id = link.get_json()["id"]
    assert (
        client.delete(f"/api/v1/evidence/packs/{pack['id']}/links/{link_id}", headers=headers).status_code
        == 204
    )
    listed = client.get(f"/api/v1/evidence/packs/{pack['id']}/links", headers=headers).get_json()
    assert listed[0]["state"] == "revoked" and "url" not in listed[0]
    assert [p["id"] for p in client.get("/api/v1/evidence/packs", headers=headers).get_json()] == [pack["id"]]
    draft = client.post(
        "/api/v1/evidence/packs",
        json={
            "recipient_kind": "employer",
            "recipient_name": "Hanbit",
            "choices": {"korean": [world["topik"].id]},
        },
        headers=headers,
    )
    assert draft.get_json()["state"] == "draft" and draft.get_json()["credential"] is None
    refused = client.post(
        f"/api/v1/evidence/packs/{draft.get_json()['id']}/issue", json={"consent": False}, headers=headers
    )
    assert refused.status_code == 422
    mate = token_for(world["mate"], "read write")
    assert client.get(f"/api/v1/evidence/packs/{pack['id']}", headers=mate).status_code == 404


def test_personal_data_and_anonymising(app, db, world):
    from lms.users.privacy import anonymise_user

    pack = issue(db, world)
    _link, token = links.create_link(pack, world["trainee"], days=30)
    db.session.commit()
    from projects.evidence import privacy

    exported = privacy.personal_data(world["trainee"])[0]
    data = json.loads(json.dumps(exported.data))
    assert data["packs"][0]["recipient_name"] == "Seoul Southern Immigration Office"
    assert "token_hash" not in data["packs"][0]["links"][0]
    anonymise_user(world["trainee"], world["admin"])
    db.session.commit()
    db.session.expire_all()
    pack = db.session.get(EvidencePack, pack.id)
    assert pack.revoked_at is not None and pack.credential == {"anonymised": True} and pack.snapshot is None
    assert all(link.revoked_at is not None for link in pack.links)
    assert links.live_link(token) is None
    assert pack.status_index in verification.revoked_indices()


def test_digital_bazaar_verifies_a_pack_and_rejects_an_altered_or_withdrawn_one(app, db, world, verifier):
    """An independent implementation (``@digitalbazaar/vc``, Node) reads our terms, proof and status list."""
    from projects.credentials import services as credentials

    pack = issue(db, world, completions=[world["completion"].id], korean=[world["topik"].id])
    controller = credentials.controller_document()
    ok = node._node_verify(verifier, pack.credential, verification.status_list_credential(), controller)
    assert ok == {"verified": True, "revoked": False, "errors": []}
    tampered = json.loads(json.dumps(pack.credential))
    tampered["credentialSubject"]["korean"][0]["level"] = "6"
    bad = node._node_verify(verifier, tampered, verification.status_list_credential(), controller)
    assert bad["verified"] is False, bad
    services.revoke_pack(pack, world["trainee"])
    db.session.commit()
    gone = node._node_verify(verifier, pack.credential, verification.status_list_credential(), controller)
    assert gone["verified"] is False and gone["revoked"] is True, gone


def test_the_demo_has_one_issued_pack(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    packs = list(db.session.scalars(select(EvidencePack)))
    assert len(packs) == 1 and packs[0].issued and packs[0].choices["korean"]
    assert verification.check_document(packs[0].credential).status == "valid"
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert len(list(db.session.scalars(select(EvidencePack)))) == 1


def test_ncs_units_and_portfolio_items_go_in_only_as_ticked(app, db, graded):
    """The units the trainee's released grade showed, and their published portfolio item, each one by one."""
    from projects.portfolios import services as portfolios

    trainee, mate = graded["trainees"][0], graded["trainees"][1]
    portfolio = portfolios.portfolio_of(trainee, create=True)
    item = portfolios.add_item(portfolio, portfolios.eligible_work(trainee)[0].attempt.id)
    portfolios.update_item(item, title_en="Night market film", title_ko="야시장 영상", reflection_en="Cut.")
    portfolios.set_published(item, True)
    theirs = portfolios.portfolio_of(mate, create=True)
    unpublished = portfolios.add_item(theirs, portfolios.eligible_work(mate)[0].attempt.id)
    db.session.commit()
    found = services.options(trainee)
    assert {u.code for u in found.units} == {EDITING, CONTENT} and [i.id for i in found.items] == [item.id]
    with pytest.raises(ProjectError, match="not_your_pack"):
        services.create_pack(trainee, "employer", "Hanbit Media", {"items": [unpublished.id]})
    with pytest.raises(ProjectError, match="not_your_pack"):  # their own, but not published
        services.create_pack(mate, "employer", "Hanbit Media", {"items": [unpublished.id]})

    pack = services.create_pack(trainee, "employer", "Hanbit Media", {"units": [EDITING], "items": [item.id]})
    pack = services.issue_pack(pack, trainee, consent=True)
    db.session.commit()
    subject = pack.credential["credentialSubject"]
    assert [u["code"] for u in subject["units"]] == [EDITING] and CONTENT not in json.dumps(subject)
    assert subject["items"][0]["titleEn"] == "Night market film" and "completions" not in subject
    assert verification.check_document(pack.credential).status == "valid"
    only_units = services.issue_pack(
        services.create_pack(trainee, "employer", "Hanbit Media", {"units": [CONTENT]}), trainee, consent=True
    )
    assert "items" not in only_units.credential["credentialSubject"]
    assert "Night market film" not in json.dumps(only_units.credential)
