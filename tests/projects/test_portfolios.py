"""Portfolios: eligible work, consent before publishing, who reads what, share links, the view log, export."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.db import utcnow
from projects.careers.models import Employer, EmployerStatus
from projects.common import ProjectError
from projects.coursework import submissions
from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.models import MarkingStatus
from projects.portfolios import services as portfolios
from projects.portfolios.models import Portfolio, PortfolioItem, PortfolioView, ShareLink, Visibility

RUBRIC = {
    "criteria": [
        {
            "id": "story",
            "title_en": "Shot planning",
            "title_ko": "촬영 구성",
            "levels": [
                {"id": "weak", "name_en": "Weak", "points": 1},
                {"id": "good", "name_en": "Good", "points": 5},
            ],
        },
        {
            "id": "tech",
            "title_en": "Technical quality",
            "title_ko": "기술 품질",
            "technical": True,
            "levels": [
                {"id": "fail", "name_en": "Fail", "points": 0},
                {"id": "pass", "name_en": "Pass", "points": 10},
            ],
        },
    ]
}
VIDEO = {"name_en": "Final cut", "name_ko": "최종본", "kind": "video", "spec": {"require_audio": True}}
NOTE = {"name_en": "Director's note", "name_ko": "연출 노트", "kind": "text"}
PEOPLE = [{"name": "Kim Minji", "consent": "given"}]


def get(client, url, **kwargs):
    """GET and close (file answers hold their file open until closed)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def hand_in(db, client, login, project, trainee, media_path=None, people=(), ai_used=True):
    """The trainee hands in (a real video through the upload form when *media_path* is given)."""
    submission = submissions.submission_for(project, trainee, create=True)
    db.session.commit()  # the requests below write too (SQLite: one writer)
    for deliverable in project.deliverables:
        if deliverable.kind.is_file:
            login(trainee, c=client)
            response = client.post(
                f"/projects/{project.id}/work/{deliverable.id}/upload",
                data={"file": (io.BytesIO(media_path.read_bytes()), "cut.mp4")},
                content_type="multipart/form-data",
            )
            assert response.status_code == 302
            db.session.refresh(submission)
        else:
            submissions.save_answer(submission, deliverable, text="My note")
    submissions.save_declarations(
        submission,
        ai_used=ai_used,
        ai_tools="Suno (music)" if ai_used else "",
        ai_generated="the soundtrack" if ai_used else "",
        people=list(people),
    )
    attempt = submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    return submission, attempt


def grade(db, submission, instructor, *, story="good", release=True):
    assessment = marking.start_assessment(submission, instructor)
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={"story": {"level_id": story}, "tech": {"level_id": "pass"}},
        feedback="Well done",
        status=MarkingStatus.READY,
        by=instructor,
    )
    if release:
        marking.release([assessment], instructor)
    db.session.commit()
    return assessment


@pytest.fixture
def work(app, db, course, make_project, make_user, media, login):
    """Trainee 0 has a released, graded video (with one person in it) and an unreleased, graded note."""
    rubric = rubrics.create_rubric(
        programme_id=course["cohort"].programme_id,
        title_ko="영상 평가",
        title_en="Film rubric",
        data=RUBRIC,
        by=course["instructor"],
    )
    film = make_project(deliverables=[VIDEO], title_en="Shop promo", title_ko="가게 홍보 영상")
    note = make_project(deliverables=[NOTE], title_en="Essay", title_ko="에세이")
    rubrics.attach(film, rubric.latest)
    rubrics.attach(note, rubric.latest)
    db.session.commit()
    trainee, other = course["trainees"][0], course["trainees"][1]
    client = app.test_client()
    submission, attempt = hand_in(db, client, login, film, trainee, media["h264_aac.mp4"], people=PEOPLE)
    grade(db, submission, course["instructor"])
    note_submission, note_attempt = hand_in(db, client, login, note, trainee, ai_used=False)
    grade(db, note_submission, course["instructor"], release=False)
    other_submission, other_attempt = hand_in(db, client, login, note, other, ai_used=False)
    grade(db, other_submission, course["instructor"])
    employer = make_user("employer", locale="en")
    db.session.add(Employer(user_id=employer.id, company="Hanbit Media", status=EmployerStatus.APPROVED))
    pending = make_user("employer", locale="en")
    db.session.add(Employer(user_id=pending.id, company="Not Yet Ltd", status=EmployerStatus.PENDING))
    db.session.commit()
    return {
        "trainee": trainee,
        "other": other,
        "attempt": attempt,
        "unreleased": note_attempt,
        "others_attempt": other_attempt,
        "employer": employer,
        "pending": pending,
        "instructor": course["instructor"],
    }


def published_portfolio(db, work, visibility=Visibility.EMPLOYERS):
    """The trainee's portfolio with the video item published (consent given) and visibility set."""
    portfolio = portfolios.portfolio_of(work["trainee"], create=True)
    item = portfolios.add_item(portfolio, work["attempt"].id)
    portfolios.record_consent(item, [("given", "signed form")])
    portfolios.update_item(
        item,
        title_ko="가게 홍보 영상",
        title_en="Shop promo",
        reflection_en="Reflect-mark-31",
        reflection_ko="성찰",
    )
    portfolios.set_published(item, True)
    portfolios.update_portfolio(
        portfolio,
        headline_en="Video editor",
        skills="Premiere Pro, Runway",
        region="gyeongbuk",
        visibility=visibility,
    )
    db.session.commit()
    return portfolio, item


# Building ---------------------------------------------------------------------------------------------


def test_only_released_own_work_can_be_added(client, login, db, work):
    login(work["trainee"])
    page = get(client, "/portfolio")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Shop promo" in text and "Essay" not in text  # the essay's grade is not released
    for attempt_id in (work["unreleased"].id, work["others_attempt"].id, 999999):
        response = client.post("/portfolio/items", data={"attempt_id": attempt_id}, follow_redirects=True)
        assert "Only your own work with a released grade" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PortfolioItem)) == 0
    response = client.post("/portfolio/items", data={"attempt_id": work["attempt"].id})
    assert response.status_code == 302
    item = db.session.scalar(select(PortfolioItem))
    assert item.attempt_id == work["attempt"].id and not item.published
    assert item.media is not None and item.media.kind == "video"
    # People are copied with their consent to publication still to be recorded.
    assert [(p["name"], p["consent"]) for p in item.people] == [("Kim Minji", "pending")]


def test_an_item_with_people_is_published_only_after_their_consent(client, login, db, work):
    login(work["trainee"])
    client.post("/portfolio/items", data={"attempt_id": work["attempt"].id})
    item = db.session.scalar(select(PortfolioItem))
    response = client.post(f"/portfolio/items/{item.id}/publish", follow_redirects=True)
    assert "cannot be published until everyone in it has consented: Kim Minji" in response.get_data(
        as_text=True
    )
    db.session.refresh(item)
    assert not item.published
    # In Korean too.
    work["trainee"].locale = "ko"
    db.session.commit()
    text = client.post(f"/portfolio/items/{item.id}/publish", follow_redirects=True).get_data(as_text=True)
    assert "Kim Minji" in text and "모두 동의해야" in text
    work["trainee"].locale = "en"
    db.session.commit()
    client.post(
        f"/portfolio/items/{item.id}/consent",
        data={"people-0-consent": "given", "people-0-note": "signed form, 3 Nov"},
    )
    db.session.refresh(item)
    assert item.people[0]["consent"] == "given" and item.people[0]["recorded_at"]
    # Not without a reflection: the refusal says so, and the item stays hidden.
    refused = client.post(f"/portfolio/items/{item.id}/publish", follow_redirects=True)
    assert "Write a reflection in at least one language" in refused.get_data(as_text=True)
    db.session.refresh(item)
    assert not item.published
    # Publish saves the reflection typed on the same form, then publishes.
    typed = {"title_ko": "홍보", "title_en": "", "reflection_ko": "배운 점", "reflection_en": ""}
    assert client.post(f"/portfolio/items/{item.id}/publish", data=typed).status_code == 302
    db.session.refresh(item)
    assert item.published and item.reflection_ko == "배운 점"
    portfolio = item.portfolio
    assert {c.key for c in portfolio.competencies} == {"shot planning", "technical quality"}
    # Withdrawn consent hides the item again at once.
    client.post(
        f"/portfolio/items/{item.id}/consent", data={"people-0-consent": "refused", "people-0-note": ""}
    )
    db.session.refresh(item)
    assert not item.published and not item.portfolio.competencies


def test_every_button_of_the_item_page_keeps_the_typed_text(client, login, db, work):
    """Consent, poster and publish post the whole item form: the reflections typed there are saved too, even
    when the action itself is refused."""
    login(work["trainee"])
    client.post("/portfolio/items", data={"attempt_id": work["attempt"].id})
    item = db.session.scalar(select(PortfolioItem))
    typed = {"title_ko": "가게 홍보", "title_en": "Promo", "reflection_ko": "성찰 1", "reflection_en": ""}
    consent = {"people-0-consent": "given", "people-0-note": "signed"}
    assert client.post(f"/portfolio/items/{item.id}/consent", data=typed | consent).status_code == 302
    db.session.refresh(item)
    assert (item.reflection_ko, item.people[0]["consent"]) == ("성찰 1", "given")
    # A refused action (a poster moment past the end of the video) still keeps the text.
    poster = client.post(
        f"/portfolio/items/{item.id}/poster",
        data=typed | {"reflection_en": "Reflection 2", "seconds": "99999"},
        follow_redirects=True,
    )
    assert "No picture could be taken at that moment" in poster.get_data(as_text=True)
    db.session.refresh(item)
    assert (item.reflection_ko, item.reflection_en) == ("성찰 1", "Reflection 2")
    # Text the form refuses stays on the page, and the action is not taken.
    too_long = client.post(f"/portfolio/items/{item.id}/publish", data=typed | {"reflection_ko": "가" * 5001})
    assert too_long.status_code == 400 and "가" * 5001 in too_long.get_data(as_text=True)
    db.session.refresh(item)
    assert not item.published and item.reflection_ko == "성찰 1"
    # An invalid consent answer keeps both the typed text and the answers on the page.
    bad = client.post(
        f"/portfolio/items/{item.id}/consent",
        data=typed | {"reflection_ko": "새 성찰", "people-0-consent": "maybe"},
    )
    assert bad.status_code == 400 and "새 성찰" in bad.get_data(as_text=True)


def test_reflection_order_and_details_are_saved(client, login, db, work):
    portfolio, item = published_portfolio(db, work)
    login(work["trainee"])
    response = client.post(
        f"/portfolio/items/{item.id}",
        data={
            "title_ko": "홍보",
            "title_en": "Promo",
            "reflection_ko": "배운 점",
            "reflection_en": "What I learnt",
            "media_id": item.media_id,
        },
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.title_en, item.reflection_ko) == ("Promo", "배운 점")
    bad = client.post(
        f"/portfolio/items/{item.id}", data={"title_ko": "", "title_en": "", "media_id": item.media_id}
    )
    assert "at least one language" in bad.get_data(as_text=True)
    form = get(client, "/portfolio").get_data(as_text=True)
    assert 'value="Premiere Pro, Runway"' in form  # skills come back as typed, and save unchanged
    bad = client.post("/portfolio", data={"visibility": "everyone", "region": ""})
    assert bad.status_code == 400
    db.session.refresh(portfolio)
    assert portfolio.visibility is Visibility.EMPLOYERS and portfolio.skills == ["Premiere Pro", "Runway"]


# Who reads what ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "visibility,readers",
    [
        (Visibility.PRIVATE, {"owner"}),
        (Visibility.STAFF, {"owner", "admin", "liaison", "instructor"}),
        (Visibility.EMPLOYERS, {"owner", "admin", "liaison", "instructor", "employer"}),
        (Visibility.LINK, {"owner", "admin", "liaison", "instructor", "employer"}),
    ],
)
def test_each_visibility_lets_in_exactly_its_readers(
    app, db, work, make_user, make_cohort, login, visibility, readers
):
    portfolio, item = published_portfolio(db, work, visibility)
    others = {
        "other": work["other"],
        "instr2": make_user("instructor"),
        "liaison": make_user("liaison"),
        "admin": make_user("admin"),
        "instructor": work["instructor"],
        "employer": work["employer"],
        "pending": work["pending"],
        "owner": work["trainee"],
    }
    make_cohort(instructors=[others["instr2"]])
    for name, user in others.items():
        client = app.test_client()
        login(user, c=client)
        for url in (
            f"/portfolio/{portfolio.id}",
            f"/portfolio/{portfolio.id}/items/{item.id}/poster.jpg",
            f"/api/v1/portfolios/{portfolio.id}",
        ):
            if url.startswith("/api/"):
                from lms.api.services import create_token

                raw = create_token(user, "t", "read")[1]
                db.session.commit()
                response = get(app.test_client(), url, headers={"Authorization": f"Bearer {raw}"})
            else:
                response = get(client, url)
            allowed = response.status_code == 200
            assert allowed == (name in readers) and response.status_code in (200, 403, 404), (
                name,
                url,
                response.status_code,
            )
    assert get(app.test_client(), f"/portfolio/{portfolio.id}").status_code == 302  # visitors sign in


def with_hidden_item(db, work):
    """A published portfolio with a second, unpublished item (the other project's grade released now)."""
    portfolio, item = published_portfolio(db, work)
    marking.release([marking.get_assessment(work["unreleased"].submission)], work["instructor"])
    db.session.commit()
    hidden = portfolios.add_item(portfolio, work["unreleased"].id)
    portfolios.update_item(hidden, title_en="Hidden-mark-88", title_ko="숨김")
    db.session.commit()
    return portfolio, item, hidden


def test_readers_never_see_unpublished_items_or_uploads(app, db, work, login, client):
    portfolio, item, hidden = with_hidden_item(db, work)
    login(work["employer"])
    page = get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert "Shop promo" in page and "Hidden-mark-88" not in page
    assert "Suno (music)" in page  # the AI-use disclosure travels with the item
    assert "Reflect-mark-31" in page
    assert get(client, f"/portfolio/{portfolio.id}/items/{hidden.id}/poster.jpg").status_code == 404
    media_id = item.media_id
    for url in (f"/media/{media_id}", f"/media/{media_id}/download", f"/media/{media_id}/poster.jpg"):
        assert get(client, url).status_code == 404, url  # never the upload, nor media's own pages
    response = get(client, f"/portfolio/{portfolio.id}/items/{item.id}/poster.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    preview = item.media.rendition("preview").storage_key.rsplit(".", 1)[1]
    assert get(client, f"/portfolio/{portfolio.id}/items/{item.id}/preview.{preview}").status_code == 200
    # An item id of this portfolio under another portfolio's id is not found.
    other_portfolio = portfolios.portfolio_of(work["other"], create=True)
    other_portfolio.visibility = Visibility.EMPLOYERS
    db.session.commit()
    assert get(client, f"/portfolio/{other_portfolio.id}/items/{item.id}/poster.jpg").status_code == 404
    # Employers see a first name and initial; the owner's editor is not theirs.
    assert work["trainee"].name not in page and portfolios.public_name(work["trainee"]) in page
    assert get(client, "/portfolio").status_code == 403


def test_employer_views_are_logged_and_the_trainee_sees_them(app, db, work, login):
    portfolio, _item = published_portfolio(db, work)
    for user in (work["employer"], work["instructor"]):
        reader = app.test_client()
        login(user, c=reader)
        assert get(reader, f"/portfolio/{portfolio.id}").status_code == 200
    views = db.session.scalars(select(PortfolioView)).all()
    assert [(v.viewer_id, v.via) for v in views] == [
        (work["employer"].id, "employer")
    ]  # staff are not logged
    owner = app.test_client()
    login(work["trainee"], c=owner)
    log = get(owner, "/portfolio/log").get_data(as_text=True)
    assert "Hanbit Media" in log
    _speaks(db, work["trainee"], "ko")
    ko = get(owner, "/portfolio/log").get_data(as_text=True)
    assert "열람한 사람" in ko and "변경한 사람" not in ko  # not the grade history's "changed by"


def test_korean_level_only_when_the_trainee_shares_it(app, db, work, login, client):
    trainee = work["trainee"]
    from lms.users.models import KoreanTest

    trainee.korean_test, trainee.korean_level, trainee.share_korean = KoreanTest.TOPIK, 4, False
    portfolio, _item = published_portfolio(db, work)
    login(work["employer"])
    assert "TOPIK level 4" not in get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    trainee.share_korean = True
    db.session.commit()
    assert "TOPIK level 4" in get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)


def test_employer_sees_full_name_and_verification_once_contact_is_accepted(
    app, db, work, course, make_user, login, client
):
    from projects.careers.models import Interest, InterestStatus
    from projects.completions import services as completions

    portfolio, _item = published_portfolio(db, work)
    trainee = work["trainee"]
    completion = completions.mark_completion(
        trainee, course["cohort"], min(course["cohort"].end_date, utcnow().date()), make_user("admin")
    )
    db.session.commit()
    login(work["employer"])
    page = get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert trainee.name not in page and portfolios.public_name(trainee) in page
    assert f'href="/careers/trainees/{trainee.id}/interest"' in page  # "Express interest"
    assert "data-verified-completion" in page and f"/verify/{completion.code}" not in page  # it names her
    interest = Interest(
        employer_id=db.session.scalar(select(Employer.id).where(Employer.user_id == work["employer"].id)),
        trainee_id=trainee.id,
        role_title="Editor",
        status=InterestStatus.SUBMITTED,
    )
    db.session.add(interest)
    db.session.commit()
    assert trainee.name not in get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)  # not yet
    interest.status = InterestStatus.ACCEPTED
    db.session.commit()
    page = get(client, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert trainee.name in page and f'href="/verify/{completion.code}"' in page
    # Another approved employer still sees the short name; a revoked record earns no badge.
    other = make_user("employer")
    db.session.add(Employer(user_id=other.id, company="Daehan", status=EmployerStatus.APPROVED))
    completions.revoke_completion(completion, "issued in error")
    db.session.commit()
    reader = app.test_client()
    login(other, c=reader)
    page = get(reader, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert trainee.name not in page and "data-verified-completion" not in page
    # Staff read it but are not offered the employers' interest form.
    staff = app.test_client()
    login(work["instructor"], c=staff)
    page = get(staff, f"/portfolio/{portfolio.id}").get_data(as_text=True)
    assert trainee.name in page and "/interest" not in page


# Share links ------------------------------------------------------------------------------------------


def test_link_lifecycle_token_view_log_and_revocation(app, db, work, login):
    portfolio, item = published_portfolio(db, work, Visibility.LINK)
    owner = app.test_client()
    login(work["trainee"], c=owner)
    created = owner.post("/portfolio/links", data={"recipient": "Hanbit HR", "days": "7"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    url = re.search(r'value="(http[^"]+/portfolio/l/([^"]+))"', created.get_data(as_text=True))
    token = url.group(2)
    assert len(token) >= 43  # 32 random bytes
    link = db.session.scalar(select(ShareLink))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in link.token_hash
    assert link.expires_at - utcnow() > timedelta(days=6, hours=23)
    visitor = app.test_client()
    page = get(visitor, f"/portfolio/l/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Robots-Tag"] == "noindex, nofollow" and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert '<meta name="robots" content="noindex' in text and "가게 홍보 영상" in text  # visitors read Korean
    assert token in text  # the players load renditions through the link
    video = get(visitor, f"/portfolio/l/{token}/items/{item.id}/poster.jpg")
    assert video.status_code == 200 and video.headers["Cache-Control"] == "no-store"
    assert get(visitor, f"/media/{item.media_id}/download").status_code == 302  # the upload needs signing in
    log = get(owner, "/portfolio/log").get_data(as_text=True)
    assert "Link for Hanbit HR" in log
    assert db.session.scalar(select(PortfolioView.via)) == "link"
    # The one-time link can be copied whole on a phone (the field shows only its start).
    assert re.search(
        r'<code id="share-url-text"[^>]*>http[^<]+/portfolio/l/' + re.escape(token) + "</code>",
        created.get_data(as_text=True),
    )
    assert 'data-copy="#share-url-text"' in created.get_data(as_text=True)
    # Stopped: the page and the video stop at the next request; the page says why and shows nothing else.
    owner.post(f"/portfolio/links/{link.id}/revoke")
    stopped = get(visitor, f"/portfolio/l/{token}")
    assert stopped.status_code == 410
    assert stopped.headers["Referrer-Policy"] == "no-referrer"
    assert (
        stopped.headers["X-Robots-Tag"] == "noindex, nofollow"
        and stopped.headers["Cache-Control"] == "no-store"
    )
    text = stopped.get_data(as_text=True)
    assert "data-link-stopped" in text and '<meta name="robots" content="noindex' in text
    assert "가게 홍보 영상" not in text and "Reflect-mark-31" not in text and work["trainee"].name not in text
    assert get(visitor, f"/portfolio/l/{token}/items/{item.id}/poster.jpg").status_code == 404
    assert 'data-link-state="revoked"' in get(owner, "/portfolio").get_data(as_text=True)


def test_expired_wrong_or_narrowed_links_do_not_work(app, db, work, login):
    portfolio, item = published_portfolio(db, work, Visibility.LINK)
    link, token = portfolios.create_link(portfolio, recipient="A", days=1)
    expired, old_token = portfolios.create_link(portfolio, recipient="B", days=1)
    expired.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    visitor = app.test_client()
    assert get(visitor, f"/portfolio/l/{token}").status_code == 200
    expired_page = get(visitor, f"/portfolio/l/{old_token}")
    assert expired_page.status_code == 410 and "data-link-stopped" in expired_page.get_data(as_text=True)
    assert get(visitor, f"/portfolio/l/{token[:-1]}x").status_code == 404
    assert get(visitor, "/portfolio/l/" + "A" * 200).status_code == 404
    # Another portfolio's item through this link.
    other = portfolios.portfolio_of(work["other"], create=True)
    db.session.commit()
    assert get(visitor, f"/portfolio/l/{token}/items/{item.id + 1000}/poster.jpg").status_code == 404
    assert other.id != portfolio.id
    # Narrowing the visibility stops every link (here set directly, as before links were stopped on saving:
    # the link is "paused", and says so to the trainee).
    portfolio.visibility = Visibility.EMPLOYERS
    db.session.commit()
    assert get(visitor, f"/portfolio/l/{token}").status_code == 404
    assert portfolios.link_state(link) == "paused"
    with pytest.raises(ProjectError):
        portfolios.create_link(portfolio, recipient="C", days=1)


def _save_visibility(client, portfolio, visibility):
    return client.post(
        "/portfolio",
        data={
            "headline_ko": "",
            "headline_en": portfolio.headline_en,
            "about_ko": "",
            "about_en": "",
            "skills": "",
            "region": "",
            "visibility": visibility,
        },
        follow_redirects=True,
    )


def _speaks(db, user, locale):
    user.locale = locale
    db.session.commit()


def test_narrowing_the_visibility_stops_links_for_good(app, db, work, login):
    portfolio, _item = published_portfolio(db, work, Visibility.LINK)
    _a, token_a = portfolios.create_link(portfolio, recipient="Hanbit HR", days=7)
    _b, token_b = portfolios.create_link(portfolio, recipient="Daehan HR", days=7)
    gone, _token = portfolios.create_link(portfolio, recipient="Old", days=1)
    gone.expires_at = utcnow() - timedelta(seconds=1)
    _speaks(db, work["trainee"], "en")
    owner, visitor = app.test_client(), app.test_client()
    login(work["trainee"], c=owner)
    page = _save_visibility(owner, portfolio, "employers").get_data(as_text=True)
    assert "2 share links were stopped." in page  # the expired one was not live
    assert get(visitor, f"/portfolio/l/{token_a}").status_code == 410
    # Setting it back to "link" does not reopen them: they stay stopped, and new links work.
    page = _save_visibility(owner, portfolio, "link").get_data(as_text=True)
    assert "share link" not in page.split("<main", 1)[1].split("</h1>", 1)[0]
    assert get(visitor, f"/portfolio/l/{token_a}").status_code == 410
    assert get(visitor, f"/portfolio/l/{token_b}").status_code == 410
    states = re.findall(r'data-link-state="(\w+)"', page)
    assert sorted(states) == ["expired", "revoked", "revoked"]
    assert "Paused" not in page
    _c, token_c = portfolios.create_link(portfolio, recipient="New", days=7)
    db.session.commit()
    assert get(visitor, f"/portfolio/l/{token_c}").status_code == 200
    # Saving other details while it stays "link" keeps the links working.
    assert "were stopped" not in _save_visibility(owner, portfolio, "link").get_data(as_text=True)
    assert get(visitor, f"/portfolio/l/{token_c}").status_code == 200


def test_a_link_paused_by_an_earlier_narrowing_is_shown_and_not_reopened(app, db, work, login):
    """Links narrowed before saving stopped them (data from then): shown as paused,
    stopped on the next save."""
    portfolio, _item = published_portfolio(db, work, Visibility.LINK)
    _link, token = portfolios.create_link(portfolio, recipient="Hanbit HR", days=7)
    portfolio.visibility = Visibility.STAFF
    _speaks(db, work["trainee"], "en")
    owner, visitor = app.test_client(), app.test_client()
    login(work["trainee"], c=owner)
    page = get(owner, "/portfolio").get_data(as_text=True)
    assert 'data-link-state="paused"' in page and "Paused — your portfolio is not shared by link" in page
    assert 'data-link-state="live"' not in page and "Stop link" in page
    _speaks(db, work["trainee"], "ko")
    ko = get(owner, "/portfolio").get_data(as_text=True)
    assert "일시 중지됨" in ko and "작동 중" not in ko and "링크 중지" in ko
    _speaks(db, work["trainee"], "en")
    assert "1 share link was stopped." in _save_visibility(owner, portfolio, "link").get_data(as_text=True)
    assert get(visitor, f"/portfolio/l/{token}").status_code == 410


def test_someone_elses_link_and_item_ids_are_refused(app, db, work, login):
    portfolio, item = published_portfolio(db, work, Visibility.LINK)
    link, _token = portfolios.create_link(portfolio, recipient="A", days=3)
    db.session.commit()
    intruder = app.test_client()
    login(work["other"], c=intruder)
    assert intruder.post(f"/portfolio/links/{link.id}/revoke").status_code == 404
    for op in ("publish", "unpublish", "remove", "up"):
        assert intruder.post(f"/portfolio/items/{item.id}/{op}").status_code == 404
    assert get(intruder, f"/portfolio/items/{item.id}").status_code == 404
    assert (
        intruder.post(f"/portfolio/items/{item.id}/consent", data={"people-0-consent": "given"}).status_code
        == 404
    )
    db.session.refresh(link)
    db.session.refresh(item)
    assert link.revoked_at is None and item.published


# Export -----------------------------------------------------------------------------------------------


def test_export_is_a_self_contained_offline_bundle(app, db, work, login, client):
    portfolio, item, hidden = with_hidden_item(db, work)
    login(work["trainee"])
    response = get(client, "/portfolio/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    assert {"index.html", "style.css", f"media/item-{item.id}-poster.jpg"} <= names
    assert any(n.startswith(f"media/item-{item.id}-preview.") for n in names)
    html = archive.read("index.html").decode()
    assert "Shop promo" in html and "Hidden-mark-88" not in html and "Suno (music)" in html
    for ref in re.findall(r'(?:src|href|poster)="([^"]+)"', html):
        assert ref in names, ref  # every reference is a file in the bundle: it works offline
    assert archive.read(f"media/item-{item.id}-poster.jpg")[:3] == b"\xff\xd8\xff"


# API --------------------------------------------------------------------------------------------------


def test_api_builds_publishes_and_shares(app, db, work, token_for):
    headers = token_for(work["trainee"], "read write")
    api = app.test_client()
    created = api.post(
        "/api/v1/portfolios/me/items", json={"attempt_id": work["attempt"].id}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    item_id = created.get_json()["id"]
    refused = api.patch(f"/api/v1/portfolios/me/items/{item_id}", json={"published": True}, headers=headers)
    assert refused.status_code == 422 and "Kim Minji" in refused.get_json()["message"]
    # The API, like the item's page, publishes nothing without a reflection.
    silent = api.patch(
        f"/api/v1/portfolios/me/items/{item_id}",
        json={"consent": ["given"], "published": True},
        headers=headers,
    )
    assert silent.status_code == 422 and "reflection" in silent.get_json()["message"].lower()
    assert api.get(f"/api/v1/portfolios/me/items/{item_id}", headers=headers).get_json()["published"] is False
    done = api.patch(
        f"/api/v1/portfolios/me/items/{item_id}",
        json={"consent": ["given"], "reflection_en": "I shot it at dawn.", "published": True},
        headers=headers,
    )
    assert done.status_code == 200 and done.get_json()["published"] is True
    assert done.get_json()["ai_tools"] == "Suno (music)"
    assert (
        api.post(
            "/api/v1/portfolios/me/items", json={"attempt_id": work["others_attempt"].id}, headers=headers
        ).status_code
        == 422
    )
    saved = api.patch(
        "/api/v1/portfolios/me",
        json={"visibility": "link", "skills": ["Runway"], "region": "seoul"},
        headers=headers,
    )
    assert saved.status_code == 200 and saved.get_json()["visibility"] == "link"
    link = api.post("/api/v1/portfolios/me/links", json={"recipient": "HR", "days": 3}, headers=headers)
    assert link.status_code == 201
    url = link.get_json()["url"]
    assert get(app.test_client(), url.split("localhost", 1)[1]).status_code == 200
    listed = get(api, "/api/v1/portfolios/me/links", headers=headers).get_json()
    assert "url" not in listed[0] and listed[0]["state"] == "live"
    assert api.delete(f"/api/v1/portfolios/me/links/{listed[0]['id']}", headers=headers).status_code == 204
    assert get(app.test_client(), url.split("localhost", 1)[1]).status_code == 410  # stopped
    views = get(api, "/api/v1/portfolios/me/views", headers=headers).get_json()
    assert [v["via"] for v in views] == ["link"]
    other = token_for(work["other"], "read write")
    assert get(api, f"/api/v1/portfolios/me/items/{item_id}", headers=other).status_code == 404
    assert api.delete(f"/api/v1/portfolios/me/items/{item_id}", headers=other).status_code == 404
    employer = token_for(work["employer"])
    portfolio_id = db.session.scalar(select(Portfolio.id))
    body = get(api, f"/api/v1/portfolios/{portfolio_id}", headers=employer).get_json()
    assert [i["id"] for i in body["items"]] == [item_id] and "download" not in str(body["items"][0]["files"])
    assert body["name"] == portfolios.public_name(work["trainee"])
