"""Deadline reminders, late notices and the grading digest: the pure rules, then the run on a database.

The run is exercised as the beat runs it (``projects.send_reminders``) with the clock moved. Exactly-once is
proved as the outbox tests prove theirs: workers running at once (threads on one database), and real processes
dying at a crash point (``os._exit``, as ``kill -9``) mid-run and mid-send to a real SMTP server (aiosmtpd).
Runs on SQLite and, with ``--db=postgresql``, on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import delete, func, select

from lms.db import utcnow
from lms.faults import CRASH_STATUS
from lms.notifications.models import Notification
from lms.outbox import MailStatus, OutboxMail
from projects.coursework import reminders
from projects.coursework.models import Extension, SentReminder, Submission, SubmissionStatus
from projects.coursework.reminders import ExtensionRow, Work, reminder_for

DUE = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # 18:00 in Seoul


# --- The pure rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"),
    [("48,6", (48, 6)), (" 6, 48 ,6 ", (48, 6)), ("24", (24,)), ("", ()), (None, ()), ("72; 1", (72, 1))],
)
def test_reminder_hours_are_read_longest_first(text, hours):
    assert reminders.parse_hours(text) == hours
    assert reminders.parse_hours(reminders.format_hours(hours)) == hours


@pytest.mark.parametrize("text", ["0", "-6", "1.5", "six", "337", "48,,x", "1,2,3,4,5", "٤٨"])
def test_bad_reminder_hours_are_refused(text):
    with pytest.raises(ValueError):
        reminders.parse_hours(text)


def _work(**kw) -> Work:
    values = dict(project_id=7, user_id=9, due_at=DUE, cutoff_at=DUE + timedelta(days=2), opens_at=None)
    values.update(handed_in=False, hours=(48, 6))
    return Work(**{**values, **kw})


@pytest.mark.parametrize(
    ("before_due", "step"),
    [
        (timedelta(hours=49), None),
        (timedelta(hours=48), "due48h"),
        (timedelta(hours=30), "due48h"),
        (timedelta(hours=6), "due6h"),
        (timedelta(minutes=1), "due6h"),  # a run late in the window sends only the nearest reminder
        (timedelta(0), "late"),
        (-timedelta(days=1), "late"),
        (-timedelta(days=2), None),  # the cut-off
    ],
)
def test_the_step_follows_the_time_left(before_due, step):
    found = reminder_for(_work(), DUE - before_due)
    assert (found.step if found else None) == step
    if found:
        assert found.key == f"reminder:{step}:project 7:user 9:2026-12-09T09:00Z"
        assert found.kind == (reminders.LATE if step == "late" else reminders.DUE)


def test_no_reminder_for_work_handed_in_a_project_not_open_or_no_late_window():
    now = DUE - timedelta(hours=3)
    assert reminder_for(_work(handed_in=True), now) is None
    assert reminder_for(_work(opens_at=DUE - timedelta(hours=1)), now) is None
    assert reminder_for(_work(hours=()), now) is None
    after = DUE + timedelta(minutes=5)
    assert reminder_for(_work(cutoff_at=DUE), after) is None  # late work is refused: nothing "still open"
    assert reminder_for(_work(cutoff_at=None), after).step == "late"
    assert reminder_for(_work(cutoff_at=None), DUE + reminders.LATE_REACH) is None


def test_a_moved_due_date_gives_a_new_key_and_the_newest_extension_wins():
    now = DUE - timedelta(hours=5)
    first = reminder_for(_work(), now)
    moved = reminder_for(_work(due_at=DUE + timedelta(hours=1)), now)
    assert first.step == moved.step == "due6h" and first.key != moved.key
    t = DUE - timedelta(days=3)
    older = ExtensionRow(9, None, DUE + timedelta(days=5), None, t, 1)
    newer = ExtensionRow(None, 4, DUE + timedelta(days=1), DUE + timedelta(days=2), t + timedelta(hours=1), 2)
    assert reminders.dates_after(DUE, None, []) == (DUE, None, False)
    assert reminders.dates_after(DUE, None, [older, newer]) == (newer.due_at, newer.cutoff_at, True)


def test_the_digest_waits_for_the_morning_in_the_persons_zone():
    now = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 07:30 on the 8th in Seoul, 17:30 on the 7th in New York
    assert reminders.digest_day(now, "Asia/Seoul") is None
    assert str(reminders.digest_day(now, "America/New_York")) == "2026-12-07"
    assert str(reminders.digest_day(now + timedelta(hours=1), "Asia/Seoul")) == "2026-12-08"
    assert str(reminders.digest_day(now + timedelta(hours=1), "No/Such_Zone")) == "2026-12-08"  # the centre's
    assert reminders.digest_key(3, reminders.local_day(now, "UTC")) == "reminder:digest:user 3:2026-12-07"


# --- The run -----------------------------------------------------------------------------------------------


def _run(monkeypatch, now: datetime, batch: int = 2) -> dict:
    from projects.coursework import tasks

    monkeypatch.setattr(tasks, "utcnow", lambda: now)
    return tasks.send_reminders(batch=batch)


def _notes(db, user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _mails(db) -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _forget_announcements(db) -> None:
    """Publishing tells the cohort about the project: those notices and mails are not reminders."""
    db.session.execute(delete(Notification))
    db.session.execute(delete(OutboxMail))
    db.session.commit()


def _hand_in(db, project, user=None, team=None) -> None:
    db.session.add(
        Submission(
            project_id=project.id,
            user_id=user.id if user else None,
            team_id=team.id if team else None,
            status=SubmissionStatus.SUBMITTED,
            attempt_count=1,
            last_submitted_at=utcnow(),
        )
    )
    db.session.commit()


@pytest.fixture
def due_soon(make_project, course, db):
    """A project due in 30 hours (reminder hours 48 and 6), with a cut-off a day after."""
    due = utcnow().replace(microsecond=0) + timedelta(hours=30)
    project = make_project(due_at=due, cutoff_at=due + timedelta(days=1), title_en="Brand film")
    _forget_announcements(db)
    return project


def test_trainees_who_have_not_handed_in_get_one_reminder_in_their_language_and_zone(
    due_soon, course, db, monkeypatch
):
    first, second, third = course["trainees"]
    second.locale, second.timezone = "ko", "Asia/Seoul"
    third.timezone = "America/New_York"
    db.session.commit()
    _hand_in(db, due_soon, first)
    now = utcnow()
    totals = _run(monkeypatch, now)
    assert (totals["due"], totals["sent"]) == (2, 2)
    assert _notes(db, first) == []
    [note_ko] = _notes(db, second)
    [note_ny] = _notes(db, third)
    assert note_ny.url == note_ko.url == f"/projects/{due_soon.id}"
    due_ny = due_soon.due_at.astimezone(reminders.zone("America/New_York"))
    due_seoul = due_soon.due_at.astimezone(reminders.zone("Asia/Seoul"))
    assert f"{due_ny:%H:%M}" in note_ny.text_en and f"{due_ny.day} " in note_ny.text_en
    assert f"{due_seoul:%H:%M}" in note_ko.text_ko and "브랜드 영상" in note_ko.text_ko
    mails = {m.recipient_id: m for m in _mails(db) if m.kind != reminders.DIGEST}
    assert set(mails) == {second.id, third.id}
    assert mails[third.id].kind == reminders.DUE
    assert "Brand film" in mails[third.id].subject and "/projects/" in mails[third.id].body
    assert "브랜드 영상" in mails[second.id].subject  # Korean reader, Korean mail
    assert mails[third.id].idempotency_key == (
        f"reminder:due48h:project {due_soon.id}:user {third.id}:{reminders.iso_minute(due_soon.due_at)}"
    )
    # The beat runs again, and again later in the same window: nothing new.
    assert _run(monkeypatch, now)["sent"] == 0
    assert _run(monkeypatch, now + timedelta(hours=2))["sent"] == 0
    assert len(mails) == 2 and _run(monkeypatch, now)["due"] == 2
    # Six hours before: the second reminder, to the same two.
    assert _run(monkeypatch, due_soon.due_at - timedelta(hours=5))["sent"] == 2
    steps = Counter(m.idempotency_key.split(":")[1] for m in _mails(db) if m.kind == reminders.DUE)
    assert steps == {"due48h": 2, "due6h": 2}


def test_a_moved_due_date_reminds_again_and_an_extension_is_followed(
    due_soon, course, db, monkeypatch, make_user
):
    from projects.coursework import services

    first, second, third = course["trainees"]
    now = utcnow()
    services.grant_extension(
        due_soon,
        granted_by=course["instructor"],
        due_at=due_soon.due_at + timedelta(days=5),
        cutoff_at=None,
        reason="Hospital",
        user=first,
    )
    db.session.commit()
    _run(monkeypatch, now)
    assert _notes(db, first) == []  # their date is days away
    assert len(_notes(db, second)) == 1
    # The instructor moves the date by an hour: a new reminder that names the new date, to those it concerns.
    services.update_project(due_soon, due_at=due_soon.due_at + timedelta(hours=1))
    db.session.commit()
    assert _run(monkeypatch, now)["sent"] == 2
    assert len(_notes(db, second)) == 2 and _notes(db, first) == []
    # The trainee with the extension is reminded before *their* date, never before the cohort's.
    extended = due_soon.due_at + timedelta(days=5, hours=-1)  # the first date plus five days
    later = _run(monkeypatch, extended - timedelta(hours=5))
    [note] = _notes(db, first)
    assert later["sent"] == 1 and "extended" in note.text_en
    key = _mails(db)[-1].idempotency_key
    assert key.startswith(f"reminder:due6h:project {due_soon.id}:user {first.id}:")
    assert key.endswith(reminders.iso_minute(extended))


def test_after_the_due_date_a_late_notice_once_and_nothing_after_the_cut_off(
    due_soon, course, db, monkeypatch
):
    first = course["trainees"][0]
    late = _run(monkeypatch, due_soon.due_at + timedelta(minutes=10))
    assert late["sent"] == 3
    [note] = _notes(db, first)
    assert "You can still hand it in until" in note.text_en
    assert {m.kind for m in _mails(db)} == {reminders.LATE}
    assert _run(monkeypatch, due_soon.due_at + timedelta(hours=3))["sent"] == 0
    assert _run(monkeypatch, due_soon.cutoff_at + timedelta(minutes=1))["due"] == 0


def test_a_team_that_handed_in_is_left_alone_and_its_extension_counts(make_project, course, db, monkeypatch):
    from projects.coursework import services

    first, second, third = course["trainees"]
    due = utcnow() + timedelta(hours=4)
    project = make_project(due_at=due, team_mode=True)
    _forget_announcements(db)
    done = services.save_team(project, "A", [first, second])
    later = services.save_team(project, "B", [third])
    db.session.commit()
    _hand_in(db, project, team=done)
    db.session.add(
        Extension(
            project_id=project.id,
            team_id=later.id,
            due_at=due + timedelta(days=3),
            cutoff_at=None,
            reason="x",
        )
    )
    db.session.commit()
    assert _run(monkeypatch, utcnow())["due"] == 0
    assert _run(monkeypatch, due + timedelta(days=3, hours=-2))["sent"] == 1
    assert [len(_notes(db, t)) for t in (first, second, third)] == [0, 0, 1]


def test_no_reminders_when_the_project_says_none_or_is_a_draft(make_project, db, monkeypatch):
    due = utcnow() + timedelta(hours=3)
    make_project(due_at=due, reminder_hours="")
    make_project(due_at=due, published=False)
    assert _run(monkeypatch, utcnow())["due"] == 0


def test_instructors_get_one_digest_a_day_of_what_waits_for_grading(due_soon, course, db, monkeypatch):
    instructor = course["instructor"]
    instructor.timezone = "Asia/Seoul"
    db.session.commit()
    _hand_in(db, due_soon, course["trainees"][0])
    _hand_in(db, due_soon, course["trainees"][1])
    seoul = reminders.zone("Asia/Seoul")
    morning = datetime.combine(utcnow().astimezone(seoul).date(), time(9), seoul)
    early = morning - timedelta(hours=3)
    assert _run(monkeypatch, early.astimezone(UTC))["digests"] == 0  # 06:00 in Seoul: it waits
    assert _run(monkeypatch, morning.astimezone(UTC))["digests"] == 1
    [note] = _notes(db, instructor)
    assert "2 hand-ins are waiting for a grade" in note.text_en and "Brand film" in note.text_en
    assert _run(monkeypatch, (morning + timedelta(hours=5)).astimezone(UTC))["digests"] == 0
    assert _run(monkeypatch, (morning + timedelta(days=1)).astimezone(UTC))["digests"] == 1
    digest = [m for m in _mails(db) if m.kind == reminders.DIGEST]
    assert [m.recipient_id for m in digest] == [instructor.id] * 2
    assert len({m.idempotency_key for m in digest}) == 2


def test_the_run_is_on_the_beat(app):
    entry = app.extensions["celery"].conf.beat_schedule["projects.send_reminders"]
    assert entry["task"] == "projects.send_reminders" and entry["schedule"] > 0


def test_the_project_form_and_the_api_carry_the_reminder_hours(
    due_soon, course, client, login, db, token_for
):
    login(course["instructor"])
    form = {
        "title_en": "Brand film",
        "due_at": "2027-01-10T18:00",
        "cutoff_at": "2027-01-11T18:00",
        "max_grade": "100",
        "late_policy": "none",
        "late_percent": "0",
        "late_floor": "0",
    }
    refused = client.post(f"/projects/{due_soon.id}/edit", data={**form, "reminder_hours": "0, 500"})
    assert refused.status_code == 200 and "Write whole hours from 1 to 336" in refused.get_data(as_text=True)
    saved = client.post(f"/projects/{due_soon.id}/edit", data={**form, "reminder_hours": "6, 72,6"})
    assert saved.status_code == 302
    db.session.refresh(due_soon)
    assert due_soon.reminder_hours == "72,6"
    answer = client.get(f"/api/v1/projects/{due_soon.id}", headers=token_for(course["instructor"]))
    assert answer.get_json()["reminder_hours"] == [72, 6]


# --- Exactly once: workers at once, crashes --------------------------------------------------------------


@pytest.fixture
def crowd(make_cohort, make_user, make_project, course, db):
    """A second cohort of twelve trainees, and a project due in five hours in each cohort."""
    trainees = [make_user("trainee", locale="en") for _ in range(12)]
    cohort = make_cohort(instructors=[course["instructor"]], trainees=trainees)
    due = utcnow() + timedelta(hours=5)
    make_project(due_at=due)
    make_project(due_at=due, cohort=cohort)
    _forget_announcements(db)
    return course["trainees"] + trainees


def _exactly_once(db, people) -> None:
    db.session.expire_all()
    claims = db.session.scalar(select(func.count()).select_from(SentReminder))
    per_person = Counter(db.session.scalars(select(Notification.user_id)))
    mails = Counter(m.recipient_id for m in _mails(db))
    assert claims == len(people)
    assert per_person == Counter({p.id: 1 for p in people})
    assert mails == Counter({p.id: 1 for p in people})


def test_two_workers_at_once_send_each_reminder_once(app, crowd, db):
    from projects.coursework.tasks import send_reminders

    errors: list[BaseException] = []
    results: list[dict] = []
    start = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                start.wait()
                results.append(send_reminders(batch=3))
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sum(r["sent"] for r in results) == len(crowd)  # the second worker found the keys taken
    assert all(r["due"] == len(crowd) for r in results)
    _exactly_once(db, crowd)


def _child(app, code: str, crash_at: str, **extra):
    from tests.lms.test_outbox import _child as child

    app.config.update(extra)
    return child(app, code, crash_at)


def test_a_worker_killed_between_pages_leaves_the_rest_to_the_next_run(app, crowd, db, monkeypatch):
    child = _child(
        app,
        "from projects.coursework.tasks import send_reminders\nsend_reminders(batch=4)\n",
        "reminders.page_committed",
    )
    assert child.returncode == CRASH_STATUS, child.stderr[-3000:]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 4  # the first page only
    assert _run(monkeypatch, utcnow(), batch=4)["sent"] == len(crowd) - 4
    _exactly_once(db, crowd)


def test_a_worker_killed_mid_send_sends_no_reminder_twice(app, crowd, db, smtp, monkeypatch):
    from lms.mail import send_due

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_USE_TLS=False)
    code = (
        "from projects.coursework.tasks import send_reminders\nfrom lms.mail import send_due\n"
        "send_reminders(batch=5)\nsend_due(limit=100)\n"
    )
    child = _child(app, code, "mail.sent", PUBLIC_URL="https://lms.example.kr")
    assert child.returncode == CRASH_STATUS, child.stderr[-3000:]
    assert len(smtp.messages) == 1  # the server took one; its row still says "sending"
    # The beat comes back: the run finds every reminder claimed, the sweep sends the rest once the lease ends.
    assert _run(monkeypatch, utcnow())["sent"] == 0
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"])
    send_due(limit=100, now=utcnow() + lease + timedelta(seconds=1))
    _exactly_once(db, crowd)
    assert {m.status for m in _mails(db)} == {MailStatus.SENT}
    by_id = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(by_id) == len(crowd)  # one message per person ...
    assert sorted(by_id.values()) == [1] * (len(crowd) - 1) + [2]  # ... the one in flight resent as itself
    assert {m["To"] for m in smtp.messages} == {p.email for p in crowd}


def test_every_page_takes_the_same_number_of_statements(app, crowd, db, monkeypatch):
    from sqlalchemy import event

    from projects.coursework import reminder_services

    statements: list[int] = []
    pages: list[int] = []
    page_of = reminder_services.remind_page

    def counted(*args, **kwargs):
        before = len(statements)
        page = page_of(*args, **kwargs)
        pages.append(len(statements) - before)
        return page

    def seen(_conn, _cursor, statement, *_args, **_kwargs):
        # The wording revision is read once per task (lms.wording), not per page.
        if "wording_revision" not in statement:
            statements.append(1)

    monkeypatch.setattr(reminder_services, "remind_page", counted)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        sent = _run(monkeypatch, utcnow(), batch=4)["sent"]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sent == len(crowd) == 15
    full = pages[: len(crowd) // 4]  # pages of four people (the last holds three)
    assert len(set(full)) == 1 and full[0] <= 12, pages
