"""Deleting an evidence pack (issue 17): a trainee deletes their own pack that was never issued (a form with
its CSRF token, asked first), on the page and with ``DELETE`` on the API; an issued pack is kept (409 on the
API: it can be withdrawn), and nobody else deletes anyone's pack."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.users.models import User
from projects.common import ProjectError
from projects.evidence import links, services
from projects.evidence.models import EvidenceLink, EvidencePack
from tests.fixtures.users import PASSWORD
from tests.projects.test_evidence import issue, make_pack, world  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}
API = "/api/v1/evidence/packs"


def _exists(db, pack_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(EvidencePack, pack_id) is not None


def test_a_trainee_deletes_their_draft_after_a_question(app, db, client, login, world):  # noqa: F811
    pack = make_pack(db, world)
    pack_id = pack.id
    login(world["trainee"])
    page = client.get(f"/my/evidence/{pack_id}", headers=EN).get_data(as_text=True)
    # A form that posts (its CSRF token: test_the_delete_form_needs_its_csrf_token), asking first.
    form = re.search(rf'<form method="post" action="/my/evidence/{pack_id}/delete".*?</form>', page, re.S)
    assert form is not None
    assert 'data-confirm="Delete this draft pack? This cannot be undone."' in form.group(0)
    response = client.post(f"/my/evidence/{pack_id}/delete", headers=EN)
    assert response.status_code == 302 and response.location.endswith("/my/evidence")
    assert not _exists(db, pack_id)
    listed = client.get("/my/evidence", headers=EN).get_data(as_text=True)
    assert "The draft pack is deleted." in listed and f"/my/evidence/{pack_id}" not in listed
    assert client.get(f"/my/evidence/{pack_id}").status_code == 404


def test_a_draft_withdrawn_before_it_was_issued_can_be_deleted(app, db, world):  # noqa: F811
    pack = make_pack(db, world)
    pack_id = pack.id
    services.revoke_pack(pack, world["trainee"])
    services.delete_pack(pack, world["trainee"])
    db.session.commit()
    assert not _exists(db, pack_id)


def test_an_issued_pack_is_kept_and_can_still_be_withdrawn(app, db, client, login, world):  # noqa: F811
    pack = issue(db, world)
    link, _token = links.create_link(pack, world["trainee"], days=7)
    db.session.commit()
    login(world["trainee"])
    page = client.get(f"/my/evidence/{pack.id}", headers=EN).get_data(as_text=True)
    assert f"/my/evidence/{pack.id}/delete" not in page and f"/my/evidence/{pack.id}/revoke" in page
    response = client.post(f"/my/evidence/{pack.id}/delete", headers=EN)
    assert response.status_code == 302 and response.location.endswith(f"/my/evidence/{pack.id}")
    shown = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "An issued pack cannot be deleted. Withdraw it instead." in shown
    assert _exists(db, pack.id) and db.session.get(EvidenceLink, link.id) is not None
    assert db.session.get(EvidencePack, pack.id).revoked_at is None
    with pytest.raises(ProjectError) as refused:
        services.delete_pack(db.session.get(EvidencePack, pack.id), world["trainee"])
    assert refused.value.code == "issued_pack_kept" and refused.value.status == 409


def test_nobody_else_deletes_a_pack(app, db, client, login, world):  # noqa: F811
    pack = make_pack(db, world)
    for person, status in ((world["mate"], 404), (world["instructor"], 403), (world["admin"], 403)):
        login(person)
        assert client.post(f"/my/evidence/{pack.id}/delete").status_code == status
        client.post("/auth/logout")
    with pytest.raises(ProjectError, match="not_your_pack"):
        services.delete_pack(pack, world["mate"])
    with pytest.raises(ProjectError, match="packs_trainees_only"):
        services.delete_pack(pack, world["admin"])
    db.session.rollback()
    assert _exists(db, pack.id)


def test_the_api_deletes_a_draft_and_refuses_an_issued_pack_with_409(
    app,
    db,
    client,
    token_for,
    world,  # noqa: F811
):
    draft, issued = make_pack(db, world), issue(db, world)
    draft_id, issued_id = draft.id, issued.id
    mine = token_for(world["trainee"], "read write")
    for headers, status in (
        (token_for(world["mate"], "read write"), 404),
        (token_for(world["instructor"], "read write"), 403),
        (token_for(world["admin"], "read write"), 403),
    ):
        assert client.delete(f"{API}/{draft_id}", headers=headers).status_code == status
    assert _exists(db, draft_id)
    refused = client.delete(f"{API}/{issued_id}", headers={**mine, **EN})
    assert refused.status_code == 409
    assert refused.get_json()["message"] == "An issued pack cannot be deleted. Withdraw it instead."
    assert _exists(db, issued_id) and db.session.get(EvidencePack, issued_id).credential is not None
    assert client.delete(f"{API}/{draft_id}", headers=mine).status_code == 204
    assert not _exists(db, draft_id)
    assert client.delete(f"{API}/{draft_id}", headers=mine).status_code == 404
    assert [p["id"] for p in client.get(API, headers=mine).get_json()] == [issued_id]


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_delete_form_needs_its_csrf_token(db, csrf_app, world):  # noqa: F811
    pack_id = make_pack(db, world).id
    trainee = db.session.get(User, world["trainee"].id)
    c = csrf_app.test_client()
    login_page = c.get("/auth/login").get_data(as_text=True)
    signed_in = c.post(
        "/auth/login",
        data={"csrf_token": _token(login_page), "email": trainee.email, "password": PASSWORD},
    )
    assert signed_in.status_code == 302
    assert c.post(f"/my/evidence/{pack_id}/delete").status_code == 400
    assert _exists(db, pack_id)
    page = c.get(f"/my/evidence/{pack_id}").get_data(as_text=True)
    deleted = c.post(f"/my/evidence/{pack_id}/delete", data={"csrf_token": _token(page)})
    assert deleted.status_code == 302 and not _exists(db, pack_id)
    assert db.session.scalar(select(EvidencePack.id).where(EvidencePack.id == pack_id)) is None
