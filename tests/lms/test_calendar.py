"""Calendar feeds: a secret address per person, read by a second, independent iCalendar parser (vobject)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from lms.db import utcnow

SEOUL = ZoneInfo("Asia/Seoul")


def _make_feed(client) -> str:
    """Make an address on the calendar page as the signed-in person; the path of the feed."""
    page = client.post("/account/calendar/new").get_data(as_text=True)
    match = re.search(r'<code id="feed-url">https?://[^/]+(/calendar/[^<]+\.ics)</code>', page)
    assert match, page[:2000]
    assert 'href="webcal://' in page and f'{match.group(1)}"' in page  # one tap subscribes on a phone
    return match.group(1)


def _events(app, path: str) -> dict[str, vobject.base.Component]:
    """The feed at *path* fetched with no session, parsed by vobject: {UID: VEVENT}."""
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    cal = vobject.readOne(response.get_data(as_text=True))
    return {event.uid.value: event for event in cal.vevent_list} if hasattr(cal, "vevent_list") else {}


def _at(hours: int) -> datetime:
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)


@pytest.fixture
def signed_in(login, course):
    return login(course["trainees"][0])


def test_a_trainee_feed_holds_the_projects_dates_in_their_time_zone(app, signed_in, course, make_project):
    due, opens, cutoff = _at(72), _at(-24), _at(96)
    project = make_project(title_en="Brand film", due_at=due, opens_at=opens, cutoff_at=cutoff)
    path = _make_feed(signed_in)
    events = _events(app, path)
    by_kind = {uid.split("@")[0].rsplit("-", 1)[1]: event for uid, event in events.items()}
    assert set(by_kind) == {"opens", "due", "cutoff"}
    for kind, moment in (("opens", opens), ("due", due), ("cutoff", cutoff)):
        start = by_kind[kind].dtstart.value
        assert start.utcoffset() == timedelta(0)  # an instant in UTC, shown in the phone's zone
        assert start.astimezone(SEOUL) == moment.astimezone(SEOUL)
    assert by_kind["due"].summary.value == "Due: Brand film"
    assert f"/projects/{project.id}" in by_kind["due"].url.value
    body = app.test_client().get(path).get_data(as_text=True)
    assert "X-WR-TIMEZONE:Asia/Seoul" in body


def test_an_extension_moves_the_event_and_keeps_its_uid(app, db, signed_in, course, make_project):
    from projects.coursework import services

    project = make_project(due_at=_at(48))
    path = _make_feed(signed_in)
    (uid,) = [u for u in _events(app, path) if u.startswith(f"projects-{project.id}-due@")]
    later = _at(24 * 5)
    services.grant_extension(
        project,
        granted_by=course["instructor"],
        due_at=later,
        cutoff_at=None,
        reason="ill",
        user=course["trainees"][0],
    )
    db.session.commit()
    moved = _events(app, path)[uid]
    assert moved.dtstart.value.astimezone(UTC) == later
    assert "extension" in moved.description.value
    # Another trainee's dates did not move.
    other = app.test_client()
    from tests.fixtures.users import PASSWORD

    other.post("/auth/login", data={"email": course["trainees"][1].email, "password": PASSWORD})
    theirs = _events(app, _make_feed(other))[uid]
    assert theirs.dtstart.value.astimezone(UTC) == project.due_at


def test_a_feed_shows_only_what_its_owner_may_see(
    app, signed_in, course, make_project, make_cohort, make_user
):
    visible = make_project(title_en="Visible", due_at=_at(30))
    draft = make_project(title_en="Draft", due_at=_at(30), published=False)
    elsewhere = make_project(title_en="Elsewhere", due_at=_at(30), cohort=make_cohort(trainees=[make_user()]))
    uids = set(_events(app, _make_feed(signed_in)))
    assert any(u.startswith(f"projects-{visible.id}-") for u in uids)
    assert not any(u.startswith((f"projects-{draft.id}-", f"projects-{elsewhere.id}-")) for u in uids)
    # The instructor sees the draft of their cohort too, and still nothing of the other cohort.
    teacher = app.test_client()
    from tests.fixtures.users import PASSWORD

    teacher.post("/auth/login", data={"email": course["instructor"].email, "password": PASSWORD})
    uids = set(_events(app, _make_feed(teacher)))
    assert any(u.startswith(f"projects-{draft.id}-due") for u in uids)
    assert not any(u.startswith(f"projects-{elsewhere.id}-") for u in uids)


def test_the_feed_speaks_its_owners_language(app, db, signed_in, course, make_project):
    course["trainees"][0].locale = "ko"
    db.session.commit()
    make_project(title_ko="브랜드 영상", due_at=_at(30))
    (event,) = _events(app, _make_feed(signed_in)).values()
    assert event.summary.value == "마감: 브랜드 영상"


def test_the_address_is_secret_replaceable_and_revocable(app, db, signed_in, course, make_project):
    from lms.calendar.models import CalendarFeed

    make_project(due_at=_at(30))
    first = _make_feed(signed_in)
    token = first.removeprefix("/calendar/").removesuffix(".ics")
    assert len(token) >= 4 + 43  # "gbc_" and 32 random bytes: 256 bits
    stored = db.session.scalars(db.select(CalendarFeed)).all()
    assert len(stored) == 1 and token not in stored[0].token_hash
    answer = app.test_client().get(first)
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in answer.headers["Cache-Control"]
    second = _make_feed(signed_in)
    assert app.test_client().get(first).status_code == 404  # replaced
    assert app.test_client().get(second).status_code == 200
    signed_in.post("/account/calendar/revoke")
    assert app.test_client().get(second).status_code == 404
    assert app.test_client().get("/calendar/gbc_nothing.ics").status_code == 404


def test_a_disabled_or_anonymised_account_feeds_nothing(app, db, signed_in, course, make_user):
    from lms.calendar.models import CalendarFeed
    from lms.users import privacy, services

    path = _make_feed(signed_in)
    trainee = course["trainees"][0]
    services.disable_user(trainee, None)
    db.session.commit()
    assert app.test_client().get(path).status_code == 404
    privacy.anonymise_user(trainee, make_user("admin"))
    db.session.commit()
    assert db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == trainee.id)) is None


def test_a_project_page_offers_its_dates_as_a_file(app, client, login, course, make_project, make_user):
    project = make_project(due_at=_at(30))
    assert client.get(f"/projects/{project.id}/calendar.ics").status_code in (302, 401)  # sign in first
    login(course["trainees"][0])
    answer = client.get(f"/projects/{project.id}/calendar.ics")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment")
    (event,) = vobject.readOne(answer.get_data(as_text=True)).vevent_list
    assert event.uid.value.startswith(f"projects-{project.id}-due@")
    assert b"calendar.ics" in client.get(f"/projects/{project.id}").data
    outsider = app.test_client()
    from tests.fixtures.users import PASSWORD

    stranger = make_user("trainee")
    outsider.post("/auth/login", data={"email": stranger.email, "password": PASSWORD})
    assert outsider.get(f"/projects/{project.id}/calendar.ics").status_code == 404


def test_to_ics_converts_utc_to_the_zone_and_marks_due_dates_free(app):
    from lms.calendar.services import to_ics
    from lms.signals import CalendarEvent

    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    with app.test_request_context():
        body = to_ics(
            [CalendarEvent("x-1", "Due: <b>&", moment, None, "line one\nline two", "/projects/1")],
            name="Test",
            timezone="America/New_York",
            base_url="https://lms.example.org/",
        )
    (event,) = vobject.readOne(body.decode()).vevent_list
    assert event.dtstart.value == moment and event.dtend.value == moment
    # 12:00 UTC in July is 08:00 in New York (summer time) and 21:00 in Seoul.
    assert event.dtstart.value.astimezone(ZoneInfo("America/New_York")).hour == 8
    assert event.dtstart.value.astimezone(SEOUL).hour == 21
    assert "X-WR-TIMEZONE:America/New_York" in body.decode()
    assert event.summary.value == "Due: <b>&"
    assert event.description.value == "line one\nline two\n\nhttps://lms.example.org/projects/1"
    assert event.transp.value == "TRANSPARENT" and event.uid.value == "x-1@lms.example.org"
