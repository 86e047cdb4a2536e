"""Korean-language progress with evidence (issue 16, item 5): two scales, a score report checked by staff,
sharing with employers only once verified, the hours of the centre's Korean classes, the API's rights, and
the personal-data download and anonymising."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.db import utcnow
from projects.attendance import marks
from projects.attendance import services as attendance
from projects.attendance.models import TrainingSession
from projects.common import ProjectError
from projects.korean import rules, services
from projects.korean.models import EvidenceStatus, KoreanEvidence

EN = {"Accept-Language": "en"}
LAST_YEAR = date.today() - timedelta(days=365)


@pytest.fixture
def course(make_user, make_cohort):
    """A cohort with an instructor and two trainees; another cohort with its own instructor and trainee."""
    today = date.today()
    instructor, other_instructor = make_user("instructor", locale="en"), make_user("instructor", locale="en")
    trainees = [make_user("trainee", locale="en") for _ in range(2)]
    foreign = make_user("trainee", locale="en")
    term = {"start_date": today - timedelta(days=40), "end_date": today + timedelta(days=80)}
    cohort = make_cohort(instructors=[instructor], trainees=trainees, **term)
    make_cohort(instructors=[other_instructor], trainees=[foreign], **term)
    return {
        "cohort": cohort,
        "instructor": instructor,
        "other_instructor": other_instructor,
        "trainees": trainees,
        "foreign": foreign,
        "admin": make_user("admin", locale="en"),
    }


def upload(media, name="image.png"):
    return (io.BytesIO(media[name].read_bytes()), name)


def report(db, trainee, media, scale="topik", level=3, test_date=LAST_YEAR) -> KoreanEvidence:
    from media import services as media_services

    document = media_services.register_upload(
        trainee, io.BytesIO(media["image.png"].read_bytes()), filename="score.png", declared_type="image/png"
    )
    evidence = services.add_evidence(trainee, scale, level, test_date, document)
    db.session.commit()
    return evidence


@pytest.mark.parametrize(
    ("scale", "test_date", "today", "expired"),
    [
        ("topik", date(2024, 12, 8), date(2026, 12, 7), False),
        ("topik", date(2024, 12, 7), date(2026, 12, 7), True),  # two years to the day: no longer counts
        ("topik", date(2024, 2, 29), date(2026, 2, 28), False),
        ("topik", date(2024, 2, 29), date(2026, 3, 1), True),
        ("kiip", date(2010, 1, 1), date(2026, 12, 7), False),  # a KIIP stage does not expire
    ],
)
def test_a_topik_result_counts_two_years(scale, test_date, today, expired):
    assert rules.is_expired(scale, test_date, today) is expired
    if scale == "topik":  # the SQL filter of the search agrees with the rule
        assert (test_date <= rules.last_expired_test_date(today)) is expired


@pytest.mark.parametrize(
    ("scale", "level", "ok"),
    [("topik", 0, False), ("topik", 1, True), ("topik", 6, True), ("topik", 7, False)]
    + [("kiip", 0, True), ("kiip", 5, True), ("kiip", 6, False), ("other", 3, False)],
)
def test_the_two_scales_have_their_own_levels(scale, level, ok):
    assert rules.level_ok(scale, level) is ok


def test_a_trainee_reports_and_staff_reject_then_verify(app, db, course, login, media):
    trainee, mate = course["trainees"]
    client = login(trainee)
    data = {"scale": "topik", "level": "4", "test_date": LAST_YEAR.isoformat(), "document": upload(media)}
    response = client.post("/korean/", data=data, content_type="multipart/form-data", headers=EN)
    assert response.status_code == 302
    evidence = db.session.scalar(select(KoreanEvidence))
    assert (evidence.scale.value, evidence.level, evidence.status) == ("topik", 4, EvidenceStatus.PENDING)
    document = f"/korean/evidence/{evidence.id}/document"

    def fetch(c):
        response = c.get(document)
        response.close()
        return response

    own = fetch(client)
    assert own.status_code == 200 and own.headers["Content-Disposition"].startswith("attachment")
    assert own.mimetype == "application/octet-stream"
    for outsider in (mate, course["other_instructor"], course["foreign"]):
        assert fetch(login(outsider, c=app.test_client())).status_code == 404
    assert client.post(f"/korean/evidence/{evidence.id}/decide", data={"verify": "1"}).status_code == 404
    staff = login(course["instructor"], c=app.test_client())
    assert fetch(staff).status_code == 200
    waiting = staff.get("/korean/", headers=EN).get_data(as_text=True)
    assert trainee.name in waiting and "TOPIK level 4" in waiting
    # A rejection needs a reason; the refusal changes nothing.
    staff.post(f"/korean/evidence/{evidence.id}/decide", data={"verify": "0"}, headers=EN)
    db.session.expire_all()
    assert evidence.status is EvidenceStatus.PENDING
    staff.post(f"/korean/evidence/{evidence.id}/decide", data={"verify": "0", "note": "Blurred scan"})
    db.session.expire_all()
    assert evidence.status is EvidenceStatus.REJECTED and evidence.decided_by_id == course["instructor"].id
    page = client.get("/korean/", headers=EN).get_data(as_text=True)
    assert "Rejected" in page and "Blurred scan" in page and course["instructor"].name in page
    again = report(db, trainee, media, "kiip", 2, None)
    services.decide_evidence(again, course["admin"], verify=True)
    db.session.commit()
    history = login(course["instructor"], c=app.test_client()).get(
        f"/korean/trainees/{trainee.id}", headers=EN
    )
    assert "KIIP stage 2" in history.get_data(as_text=True) and "Verified" in history.get_data(as_text=True)
    assert (
        login(course["other_instructor"], c=app.test_client())
        .get(f"/korean/trainees/{trainee.id}")
        .status_code
        == 404
    )
    with pytest.raises(ProjectError, match="already_decided"):
        services.decide_evidence(again, course["admin"], verify=False, note="late")


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"document": "notes.txt"}, "Send a PDF file or an image."),
        ({"test_date": ""}, "Give the test date."),
        ({"scale": "kiip", "level": "6"}, "TOPIK levels go from 1 to 6 and KIIP stages from 0 to 5."),
        ({"level": "0"}, "TOPIK levels go from 1 to 6 and KIIP stages from 0 to 5."),
        (
            {"test_date": (date.today() + timedelta(days=3)).isoformat()},
            "The test date cannot be in the future.",
        ),
    ],
)
def test_a_wrong_record_is_refused_with_the_reason(app, db, course, login, media, fields, sentence):
    data = {"scale": "topik", "level": "3", "test_date": LAST_YEAR.isoformat(), **fields}
    data["document"] = upload(media, fields.get("document", "image.png"))
    response = login(course["trainees"][0]).post(
        "/korean/", data=data, content_type="multipart/form-data", headers=EN
    )
    assert response.status_code == 200 and sentence in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(KoreanEvidence)) == 0


def test_only_trainees_add_records(app, db, course, login, media):
    data = {"scale": "kiip", "level": "2", "document": upload(media)}
    response = login(course["instructor"]).post("/korean/", data=data, content_type="multipart/form-data")
    assert response.status_code == 403


def test_employers_see_only_verified_shared_valid_levels_scale_by_scale(app, db, course, media):
    trainee, mate = course["trainees"]
    topik = report(db, trainee, media, "topik", 4)
    kiip = report(db, mate, media, "kiip", 5, None)
    old = report(db, mate, media, "topik", 6, date.today() - timedelta(days=800))
    assert services.shared_levels(trainee.id) == []  # waiting, not shared
    for evidence in (topik, kiip, old):
        services.decide_evidence(evidence, course["admin"], verify=True)
    assert services.shared_levels(trainee.id) == []  # verified, but not shared
    for evidence in (topik, kiip, old):
        services.set_shared(evidence, evidence.user, True)
    db.session.commit()
    assert [(e.scale.value, e.level) for e in services.shared_levels(trainee.id)] == [("topik", 4)]
    assert [(e.scale.value, e.level) for e in services.shared_levels(mate.id)] == [
        ("kiip", 5)
    ]  # TOPIK 6 expired

    def matching(scale, level):
        return set(db.session.scalars(services.matching_trainees(scale, level)))

    # KIIP stage 5 is not TOPIK level 5; the expired TOPIK 6 matches nothing.
    assert matching("topik", 3) == {trainee.id}
    assert matching("topik", 5) == set()
    assert matching("kiip", 4) == {mate.id}
    with pytest.raises(ProjectError, match="not_yours"):
        services.set_shared(topik, mate, False)


def test_korean_class_hours_count_attended_korean_sessions(app, db, course):
    trainee = course["trainees"][0]
    start = utcnow() - timedelta(days=3)

    def held(topic, hours, mark, days, korean=True):
        session = TrainingSession(
            cohort_id=course["cohort"].id,
            day=attendance.local_day(start + timedelta(days=days)),
            starts_at=start + timedelta(days=days),
            ends_at=start + timedelta(days=days, hours=hours),
            topic=topic,
            korean=korean,
            secret="cd" * 32,
        )
        db.session.add(session)
        db.session.flush()
        marks.mark_trainee(session, trainee, mark, by=course["instructor"], reason="Test")

    held("한국어 회화", 3, "present", 0)
    held("Korean writing", 2, "late", 1)
    held("Korean reading", 4, "absent", 2)
    held("Video editing", 5, "present", 2.5, korean=False)
    db.session.commit()
    assert services.korean_hours(trainee.id) == 5.0


def test_the_api_gives_the_pages_rights(app, db, course, media, token_for):
    trainee, mate = course["trainees"]
    evidence = report(db, trainee, media)
    client = app.test_client()
    own = client.get("/api/v1/korean/evidence", headers=token_for(trainee))
    assert own.status_code == 200 and [r["id"] for r in own.get_json()] == [evidence.id]
    assert client.get("/api/v1/korean/evidence", headers=token_for(mate)).get_json() == []
    assert client.get(f"/api/v1/korean/evidence/{evidence.id}", headers=token_for(mate)).status_code == 404
    assert (
        client.get(f"/api/v1/korean/trainees/{trainee.id}/evidence", headers=token_for(mate)).status_code
        == 404
    )
    outsider = token_for(course["other_instructor"], "read write")
    decide = f"/api/v1/korean/evidence/{evidence.id}/decision"
    assert client.post(decide, json={"verify": True}, headers=outsider).status_code == 404
    staff = token_for(course["instructor"], "read write")
    assert [r["id"] for r in client.get("/api/v1/korean/evidence", headers=staff).get_json()] == [evidence.id]
    decided = client.post(decide, json={"verify": True}, headers=staff)
    assert decided.status_code == 200 and decided.get_json()["status"] == "verified"
    assert decided.get_json()["decided_by"] == course["instructor"].name
    share = f"/api/v1/korean/evidence/{evidence.id}/share"
    assert client.post(share, json={"shared": True}, headers=staff).status_code == 403
    assert (
        client.post(share, json={"shared": True}, headers=token_for(trainee, "read write")).status_code == 200
    )
    # A trainee's shared levels are for those who may search employers' trainees, not for another trainee.
    assert (
        client.get(f"/api/v1/korean/trainees/{trainee.id}/shared", headers=token_for(mate)).status_code == 404
    )


def test_personal_data_and_anonymising(app, db, course, media):
    from lms.users import privacy as core_privacy
    from projects.korean import privacy

    trainee = course["trainees"][0]
    evidence = report(db, trainee, media, "kiip", 3, None)
    services.decide_evidence(evidence, course["instructor"], verify=True)
    db.session.commit()
    (part,) = privacy.personal_data(trainee)
    (record,) = part.data["records"]
    assert (record["scale"], record["level"], record["decided_by"]) == ("kiip", 3, course["instructor"].name)
    parts, _files = core_privacy.personal_data(trainee)
    assert "korean" in str(parts)
    privacy.anonymise(trainee, by=course["admin"])
    db.session.commit()
    assert services.history(trainee.id) == []


def test_careers_asks_for_verified_levels_through_its_signals(app, db, course, media):
    from projects.careers import signals as careers

    trainee = course["trainees"][0]
    evidence = report(db, trainee, media, "kiip", 4, None)
    services.decide_evidence(evidence, course["admin"], verify=True)
    db.session.commit()
    assert careers.verified_korean(trainee) == []  # verified but not shared
    services.set_shared(evidence, trainee, True)
    db.session.commit()
    assert careers.verified_korean(trainee) == [("kiip", 4)]
    assert set(db.session.scalars(careers.korean_matches("kiip", 4))) == {trainee.id}
    assert set(db.session.scalars(careers.korean_matches("topik", 1))) == set()


def test_a_portfolio_marks_verified_and_self_declared_levels(app, db, course, media, login):
    from lms.users.models import KoreanTest
    from projects.portfolios import services as portfolios

    trainee = course["trainees"][0]
    trainee.korean_test, trainee.korean_level, trainee.share_korean = KoreanTest.TOPIK, 2, True
    evidence = report(db, trainee, media, "topik", 5)
    services.decide_evidence(evidence, course["admin"], verify=True)
    services.set_shared(evidence, trainee, True)
    db.session.commit()
    portfolio = portfolios.portfolio_of(trainee, create=True)
    db.session.commit()
    body = login(trainee).get(f"/portfolio/{portfolio.id}", headers=EN).get_data(as_text=True)
    assert "TOPIK level 5 · Verified" in body and "TOPIK level 2 · Self-declared" in body


def test_demo_records_are_loaded_once(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    records = list(db.session.scalars(select(KoreanEvidence).order_by(KoreanEvidence.id)))
    assert [(e.scale.value, e.level, e.status, e.shared) for e in records] == [
        ("topik", 3, EvidenceStatus.VERIFIED, True),
        ("kiip", 2, EvidenceStatus.PENDING, False),
    ]
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(KoreanEvidence)) == 2


def test_employer_search_keeps_the_scales_apart_and_marks_verified(app, db, course, media, login, token_for):
    from projects.portfolios import services as portfolios
    from projects.portfolios.models import Visibility

    trainee, mate = course["trainees"]
    for person, scale, level in ((trainee, "kiip", 4), (mate, "topik", 4)):
        portfolios.portfolio_of(person, create=True).visibility = Visibility.EMPLOYERS
        evidence = report(db, person, media, scale, level, None if scale == "kiip" else LAST_YEAR)
        services.decide_evidence(evidence, course["admin"], verify=True)
        services.set_shared(evidence, person, True)
    db.session.commit()
    client = login(course["admin"])
    kiip = client.get("/careers/search?korean_scale=kiip&korean_level=4", headers=EN).get_data(as_text=True)
    assert "KIIP stage 4 · Verified" in kiip and "TOPIK level 4" not in kiip
    topik = client.get("/careers/search?korean_scale=topik&korean_level=4", headers=EN).get_data(as_text=True)
    assert "TOPIK level 4 · Verified" in topik and "KIIP stage 4" not in topik
    api = app.test_client().get(
        "/api/v1/careers/search?korean_scale=kiip&min_korean_level=4", headers=token_for(course["admin"])
    )
    (result,) = api.get_json()["results"]
    assert result["user_id"] == trainee.id
    assert result["korean_verified"] == [{"scale": "kiip", "level": 4, "verified": True}]
