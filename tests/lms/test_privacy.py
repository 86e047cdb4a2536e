"""Personal data: the download of everything about a user (core and plugins), and anonymising a
departed user.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from sqlalchemy import func, select

from lms.api.models import ApiToken
from lms.users.models import User
from media.models import MediaFile
from media.services import get_storage
from projects.completions import services as completions
from projects.completions.models import Completion
from projects.coursework.models import Attempt, AttemptItem
from projects.grading.models import Assessment
from projects.portfolios.models import Portfolio, PortfolioItem, ShareLink, Visibility
from tests.fixtures.users import PASSWORD
from tests.projects.test_portfolios import published_portfolio, work  # noqa: F401


def test_personal_data_download_holds_every_part_and_the_files(app, db, work, login, client, token_for):  # noqa: F811  (fixture)
    portfolio, item = published_portfolio(db, work, Visibility.LINK)
    from projects.portfolios import services as portfolios

    portfolios.create_link(portfolio, recipient="Hanbit HR", days=5)
    token_for(work["trainee"])
    db.session.commit()
    login(work["trainee"])
    response = client.get("/account/personal-data.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    data = json.loads(archive.read("personal-data.json"))
    assert data["core"]["account"]["email"] == work["trainee"].email
    assert "password_hash" not in data["core"]["account"]
    assert data["core"]["enrolments"] and data["core"]["api_tokens"][0]["name"] == "test"
    assert all("token_hash" not in t for t in data["core"]["api_tokens"])
    uploads = data["media"]["uploads"]
    assert [u["id"] for u in uploads] == [item.media_id]
    projects = data["projects"]
    assert {s["project"]["title_en"] for s in projects["submissions"]} == {"Shop promo", "Essay"}
    film = next(s for s in projects["submissions"] if s["project"]["title_en"] == "Shop promo")
    assert film["grade"]["grade"] == "100" and film["attempts"][0]["people"][0]["name"] == "Kim Minji"
    essay = next(s for s in projects["submissions"] if s["project"]["title_en"] == "Essay")
    assert "grade" not in essay  # not released: not theirs to see yet
    assert projects["portfolio"]["items"][0]["reflection_en"] == "Reflect-mark-31"
    assert projects["portfolio"]["links"][0]["recipient"] == "Hanbit HR"
    assert "token_hash" not in projects["portfolio"]["links"][0]
    files = [n for n in archive.namelist() if n.startswith("files/media/")]
    assert len(files) == 1
    original = get_storage().path(db.session.get(MediaFile, item.media_id).storage_key).read_bytes()
    assert archive.read(files[0]) == original
    assert app.test_client().get("/account/personal-data.zip").status_code == 302  # signed in only


def test_admin_anonymises_a_departed_trainee(app, db, work, login, make_user, token_for):  # noqa: F811  (fixture)
    trainee = work["trainee"]
    portfolio, item = published_portfolio(db, work, Visibility.LINK)
    from projects.portfolios import services as portfolios

    _link, token = portfolios.create_link(portfolio, recipient="Hanbit HR", days=5)
    completion = completions.mark_completion(
        trainee, work["attempt"].submission.project.cohort, date(2026, 11, 20), make_user("admin")
    )
    db.session.commit()
    headers = token_for(trainee)
    storage = get_storage()
    media_id = item.media_id
    media = db.session.get(MediaFile, media_id)
    original, renditions = (
        storage.path(media.storage_key),
        [storage.path(r.storage_key) for r in media.renditions],
    )
    assert original.is_file() and all(p.is_file() for p in renditions)
    grades_before = sorted(str(a.grade) for a in db.session.scalars(select(Assessment)))
    admin = make_user("admin", locale="en")
    staff = app.test_client()
    login(admin, c=staff)
    page = staff.get(f"/admin/users/{trainee.id}").get_data(as_text=True)
    assert "Anonymise account" in page
    # Only admins, never oneself.
    outsider = app.test_client()
    login(work["other"], c=outsider)
    assert outsider.post(f"/admin/users/{trainee.id}/anonymise").status_code == 403
    staff.post(f"/admin/users/{admin.id}/anonymise")
    assert db.session.get(User, admin.id).active
    response = staff.post(f"/admin/users/{trainee.id}/anonymise")
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, trainee.id)
    assert user.name == f"Anonymised {user.id}" and user.email.endswith("@anonymised.invalid")
    assert not user.active and user.password_hash is None and user.nationality is None
    assert (
        app.test_client().post("/auth/login", data={"email": trainee.email, "password": PASSWORD}).status_code
        != 302
    )
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert (
        db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_(None)))
        == 0
    )
    # Portfolio, links and the link's page are gone; files are deleted from storage.
    assert db.session.scalar(select(func.count()).select_from(Portfolio)) == 0
    assert db.session.scalar(select(func.count()).select_from(PortfolioItem)) == 0
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 0
    assert app.test_client().get(f"/portfolio/l/{token}").status_code == 404
    assert not original.exists() and not any(p.exists() for p in renditions)
    kept = db.session.get(MediaFile, media_id)  # a handed-in file's row stays for its attempt, nameless
    assert kept.original_name == "—" and not kept.renditions
    # Grades stay for statistics; names of people in the work and the texts go.
    assert sorted(str(a.grade) for a in db.session.scalars(select(Assessment))) == grades_before
    attempts = db.session.scalars(
        select(Attempt).join(Attempt.submission).where(Attempt.submission.has(user_id=trainee.id))
    ).all()
    assert attempts and all(a.people == [] for a in attempts)
    assert all(
        i.file_name == "" and i.text == ""
        for a in attempts
        for i in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == a.id))
    )
    assert all(
        a.feedback == ""
        for a in db.session.scalars(
            select(Assessment)
            .join(Assessment.submission)
            .where(Assessment.submission.has(user_id=trainee.id))
        )
    )
    record = db.session.get(Completion, completion.id)
    assert record.revoked_at is not None and "name" not in record.record
    verdict = app.test_client().get(f"/verify/{record.code}", headers={"Accept-Language": "en"})
    assert 'data-verdict="revoked"' in verdict.get_data(as_text=True)
    # Twice is harmless.
    assert staff.post(f"/admin/users/{trainee.id}/anonymise").status_code == 302


def test_anonymising_clears_the_outbox_and_cannot_be_undone(app, db, login, make_user, outbox):
    from lms.jobs import commit
    from lms.users import services
    from lms.users.models import Role

    admin = make_user("admin", locale="en")
    leaving = services.create_user(
        email="leaving@example.org", name="Leaving Person", role=Role.TRAINEE, created_by=admin, invite=True
    )
    staying = services.create_user(
        email="staying@example.org", name="Staying Person", role=Role.TRAINEE, created_by=admin, invite=True
    )
    commit()  # mail is queued after the commit
    assert sorted(m["to"] for m in outbox()) == ["leaving@example.org", "staying@example.org"]
    staff = app.test_client()
    login(admin, c=staff)
    assert staff.post(f"/admin/users/{leaving.id}/anonymise").status_code == 302
    # The invitation (name, address, set-password link) is gone; other people's mail stays.
    assert [m["to"] for m in outbox()] == ["staying@example.org"]
    page = staff.get(f"/admin/users/{leaving.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Enable account" not in page and "Send a new invitation" not in page
    for op in ("enable", "invite"):
        staff.post(f"/admin/users/{leaving.id}/{op}")
        db.session.expire_all()
        assert not db.session.get(User, leaving.id).active
    assert [m["to"] for m in outbox()] == ["staying@example.org"]
    assert staying.active
