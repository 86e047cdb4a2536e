"""Issue 16's "Done when", on phones: a week of a cohort.  The instructor takes the roll call of today's
finished class, a Vietnamese trainee checks in to the class in progress by its code (a photo of an older code
and the same code again are refused, in Vietnamese), the trainee who keeps coming late crosses the threshold
and the trainee, the cohort's instructor and the admins are warned (on the site and by mail), nobody else;
the instructor signs the log, staff correct one record of an earlier day with a reason, and the monthly
sheet adds up when the test recomputes it from its rows.

The cohort and the days before today are laid in this module's own server's database (the week so far); all
that the issue names happens through the pages.  A second test signs a demo log and changes it after signing.

Sessions never cross Seoul's midnight: today's two classes lie inside today in Seoul, and a run too close to
midnight waits until the new day has begun (see :func:`_clear_of_midnight`).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from lms.demo import DEMO_PASSWORD
from tests.e2e.test_roles import sign_in
from tests.fixtures.app import app_config
from tests.fixtures.browser import running_server, shot

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

SEOUL = ZoneInfo("Asia/Seoul")
MARKS = ["O", "L", "E", "X", "V"]
#: The sheet's symbols by stored mark.
SYMBOL = {"present": "O", "late": "L", "left_early": "E", "absent": "X", "excused": "V"}
#: Vietnamese must show, not these English sentences (the check-in refusals' msgids).
ENGLISH_REFUSALS = (
    "This code is wrong or too old. Scan or type the code on the screen now.",
    "You are already checked in to this session.",
)
LATES_PER_ABSENCE = 3
ROOT = Path(__file__).resolve().parents[2]


def _translated(locale: str, msgid: str) -> str:
    """The sentence a reader of *locale* gets for *msgid* (from the shipped catalogue)."""
    with (ROOT / f"projects/translations/{locale}/LC_MESSAGES/messages.po").open("rb") as fh:
        found = read_po(fh, locale=locale)[msgid]
    assert found is not None and found.string and not found.fuzzy, msgid
    return found.string


@pytest.fixture(scope="module")
def week_server(tmp_path_factory):
    """A server of this module's own, on a database file the test can also open (to lay the week so far and
    to read the mail queue)."""
    folder = tmp_path_factory.mktemp("attendance-week")
    url = f"sqlite:///{folder / 'week.sqlite'}"
    with contextlib.ExitStack() as stack:
        env = stack.enter_context(pytest.MonkeyPatch.context())
        env.setenv("LMS_DATABASE_URL", url)
        base = stack.enter_context(running_server(tmp_path_factory))
        env.undo()  # the server has its settings; this process keeps its own
        yield base, url, folder


@pytest.fixture(scope="module")
def server(week_server):
    return week_server[0]


@pytest.fixture(scope="module")
def database(week_server):
    """An app of this process on the server's database, for arranging and for reading what was sent."""
    from lms import create_app

    _base, url, folder = week_server
    return create_app(app_config(url), instance_path=str(folder / "instance"))


def _clear_of_midnight() -> datetime:
    """Now, once a run of a few minutes cannot cross Seoul's midnight: just after it there is no room for a
    finished class today, and just before it today's class would become yesterday's mid-test."""
    now = datetime.now(UTC)
    local = now.astimezone(SEOUL)
    if local.time() >= time(23, 57):
        clock.sleep((datetime.combine(local.date() + timedelta(days=1), time(0, 4), SEOUL) - local).seconds)
    elif local.time() < time(0, 4):
        clock.sleep((datetime.combine(local.date(), time(0, 4), SEOUL) - local).seconds)
    return datetime.now(UTC)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SEOUL).astimezone(UTC)


def _person(email: str, name: str, role, locale: str):
    from lms.auth.services import set_password
    from lms.users import services as users

    user = users.create_user(email=email, name=name, role=role, created_by=None, locale=locale, invite=False)
    set_password(user, DEMO_PASSWORD)
    return user


def _arrange(app) -> dict:
    """A programme (rules: the whole course is the period, 80 %, three lates make an absence), its cohort with
    an instructor and three trainees, and its week: three days before today (09:00–13:00, their roll taken),
    today's class that has just ended (roll not yet taken), the class in progress, and tomorrow's."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.notifications.models import Notification
    from lms.outbox import OutboxMail
    from lms.programmes import services as programmes
    from lms.users.models import Role
    from projects.attendance import checkin
    from projects.attendance import services as attendance
    from projects.attendance.models import AttendanceRecord, Mark, MarkSource, TrainingSession

    now = _clear_of_midnight()
    today = now.astimezone(SEOUL).date()
    midnight = datetime.combine(today, time(0), SEOUL).astimezone(UTC)
    with app.app_context():
        programme = programmes.create_programme(
            code="FIELDWEEK", name_ko="현장 실습", name_en="Field practice"
        )
        attendance.save_rules(
            programme,
            grace_minutes=10,
            lates_per_absence=LATES_PER_ABSENCE,
            min_rate_percent=80,
            period="course",
        )
        cohort = programmes.create_cohort(
            programme,
            code="2026-W",
            name_ko="실습 주간",
            name_en="Practice week",
            start_date=today - timedelta(days=3),
            end_date=today + timedelta(days=1),
        )
        teacher = _person("hana.cho@demo.gongbang.kr", "Hana Cho", Role.INSTRUCTOR, "en")
        lan = _person("pham.lan@demo.gongbang.kr", "Pham Thi Lan", Role.TRAINEE, "vi")
        late = _person("batbayar@demo.gongbang.kr", "Batbayar Ganbold", Role.TRAINEE, "mn")
        sita = _person("sita.gurung@demo.gongbang.kr", "Sita Gurung", Role.TRAINEE, "ne")
        programmes.assign_instructor(cohort, teacher)
        for trainee in (lan, late, sita):
            programmes.enrol_trainee(cohort, trainee)

        def session(day: date, starts: datetime, ends: datetime) -> TrainingSession:
            made = TrainingSession(
                cohort_id=cohort.id,
                day=day,
                starts_at=starts,
                ends_at=ends,
                room="B1",
                topic="Site safety",
                instructor_id=teacher.id,
                secret=secrets.token_hex(32),
            )
            db.session.add(made)
            return made

        before = [today - timedelta(days=n) for n in (3, 2, 1)]
        earlier = [session(day, _at(day, 9), _at(day, 13)) for day in before]
        finished = session(
            today,
            max(now - timedelta(minutes=62), midnight + timedelta(seconds=1)),
            now - timedelta(minutes=2),
        )
        running = session(
            today,
            now - timedelta(minutes=1),
            min(now + timedelta(minutes=59), midnight + timedelta(hours=24, seconds=-1)),
        )
        tomorrow = session(
            today + timedelta(days=1), _at(today + timedelta(days=1), 9), _at(today + timedelta(days=1), 13)
        )
        db.session.flush()
        taken = {
            lan.id: ["present", "present", "present"],
            late.id: ["late", "present", "late"],  # two lates: one more makes an absence
            sita.id: ["present", "left_early", "present"],  # the left early is corrected below
        }
        for user_id, days in taken.items():
            for training, mark in zip(earlier, days, strict=True):
                db.session.add(
                    AttendanceRecord(
                        session_id=training.id,
                        user_id=user_id,
                        mark=Mark(mark),
                        arrived_at=training.starts_at + timedelta(minutes=25 if mark == "late" else 0),
                        left_at=training.ends_at - timedelta(hours=1) if mark == "left_early" else None,
                        source=MarkSource.ROLL_CALL,
                        marked_by_id=teacher.id,
                        marked_at=training.ends_at,
                    )
                )
        # A photo of the code taken three minutes ago: two rotations and more behind.
        stale = checkin.code_at(running, now - timedelta(minutes=3))
        db.session.commit()
        last_mail = db.session.scalar(select(func.max(OutboxMail.id))) or 0
        last_notice = db.session.scalar(select(func.max(Notification.id))) or 0
        sessions = [*earlier, finished, running, tomorrow]
        return {
            "cohort": cohort.id,
            "names": {lan.id: lan.name, late.id: late.name, sita.id: sita.name},
            "lan": lan.id,
            "late": late.id,
            "sita": sita.id,
            "teacher": teacher.id,
            "earlier": [s.id for s in earlier],
            "finished": finished.id,
            "running": running.id,
            "days": {s.id: s.day for s in sessions},
            "marks": {
                (s.id, uid): m for uid, days in taken.items() for s, m in zip(earlier, days, strict=True)
            },
            "stale": stale,
            "last_mail": last_mail,
            "last_notice": last_notice,
            "today": today,
        }


def _phone(context_for, locale: str, server: str, email: str):
    page = context_for(locale, phone=True).new_page()
    page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
    # By the fields' names: the sign-in page speaks the browser's language (Vietnamese, Mongolian).
    page.goto(server + "/auth/login")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form [type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    return page


def _phone_shot(page, name: str) -> None:
    """A screenshot, once the page is shown whole on the 390 px phone (nothing runs off sideways)."""
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    shot(page, name)


def _tap(page, trainee_id: int, mark: str, reason: str = "") -> None:
    row = page.locator(f"#t{trainee_id}")
    if reason:
        row.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        row.locator(f"button[value={mark}]").click()
    page.wait_for_load_state()


def _refusal(page) -> str:
    alert = page.locator(".flash-error")
    expect(alert).to_be_visible()
    return alert.inner_text().strip()


def _read_sheet(page) -> dict[str, list[str]]:
    """The sheet on the page, recomputed from its rows: each row's counts, absences, hours and rate, and the
    footer's totals, as this test works them out from the symbols and the sessions' hours.  The symbols by
    trainee."""
    page.wait_for_load_state()
    marks_at = len(page.locator("table.sheet thead th").all_inner_texts()) - 1 - len(MARKS) - 3
    footer = page.locator("table.sheet tfoot td").all_inner_texts()
    hours = [float(h) for h in footer[:marks_at]]
    totals, symbols_of = dict.fromkeys(MARKS, 0), {}
    rows = page.locator("table.sheet tbody tr")
    for i in range(rows.count()):
        name = rows.nth(i).locator("th").inner_text().strip()
        cells = rows.nth(i).locator("td").all_inner_texts()
        symbols, counts = [c.strip() for c in cells[:marks_at]], cells[marks_at : marks_at + len(MARKS)]
        absences, done, rate = cells[marks_at + len(MARKS) :]
        for mark, shown in zip(MARKS, counts, strict=True):
            assert int(shown) == symbols.count(mark), (name, mark)
            totals[mark] += int(shown)
        held = sum(1 for s in symbols if s)
        worked_out = symbols.count("X") + (symbols.count("L") + symbols.count("E")) // LATES_PER_ABSENCE
        assert int(absences) == worked_out, name
        attended = sum(h for h, s in zip(hours, symbols, strict=True) if s in ("O", "L", "E", "V"))
        assert abs(float(done) - attended) < 0.05, (name, done, attended)  # the footer's hours are rounded
        assert rate.strip() == (f"{(held - worked_out) / held * 100:.0f}%" if held else "—"), name
        symbols_of[name] = symbols
    assert [int(v) for v in footer[marks_at : marks_at + len(MARKS)]] == [totals[m] for m in MARKS]
    return symbols_of


def test_a_week_of_a_cohort_on_phones(server, database, context_for):
    from sqlalchemy import select

    from lms.extensions import db
    from lms.notifications.models import Notification
    from lms.outbox import OutboxMail
    from lms.users.models import Role, User

    week = _arrange(database)
    late_name = week["names"][week["late"]]

    # The instructor takes the roll of today's finished class: one tap per trainee.
    teacher = _phone(context_for, "en-US", server, "hana.cho@demo.gongbang.kr")
    teacher.goto(server + "/attendance/")
    teacher.locator("main").get_by_role("link", name="Roll call").first.click()
    teacher.wait_for_url(re.compile(rf"/sessions/{week['finished']}/roll$"))
    for trainee_id, mark in ((week["lan"], "present"), (week["late"], "late"), (week["sita"], "present")):
        _tap(teacher, trainee_id, mark)
        expect(teacher.locator(f"#t{trainee_id} button[value={mark}]")).not_to_have_class("secondary")
    _phone_shot(teacher, "attendance-week-roll-call")

    # The class in progress: its code on the instructor's phone; the Vietnamese trainee checks in.
    trainee = _phone(context_for, "vi-VN", server, "pham.lan@demo.gongbang.kr")
    assert trainee.locator("html").get_attribute("lang") == "vi"
    trainee.goto(server + "/attendance/check-in")
    trainee.locator("[name=code]").fill(week["stale"])
    trainee.locator("main form [type=submit]").click()
    stale = _refusal(trainee)
    assert stale == _translated("vi", ENGLISH_REFUSALS[0]) and stale not in ENGLISH_REFUSALS
    _phone_shot(trainee, "attendance-week-old-code")
    teacher.goto(server + f"/attendance/sessions/{week['running']}/code")
    code = teacher.locator(".checkin-code strong").inner_text().replace(" ", "")
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code)
    _phone_shot(teacher, "attendance-week-code")
    trainee.locator("[name=code]").fill(code)
    trainee.locator("main form [type=submit]").click()
    trainee.wait_for_load_state()
    expect(trainee.locator("main p[role=status]").last).to_contain_text(re.compile(r"\d\d:\d\d"))
    _phone_shot(trainee, "attendance-week-checked-in")
    trainee.goto(server + "/attendance/check-in")
    trainee.locator("[name=code]").fill(code)
    trainee.locator("main form [type=submit]").click()
    again = _refusal(trainee)
    assert again == _translated("vi", ENGLISH_REFUSALS[1]) and again not in ENGLISH_REFUSALS

    # The late trainee crossed the threshold with today's late: 3 lates make an absence, 3 of 4 is 75 %.
    late = _phone(context_for, "mn-MN", server, "batbayar@demo.gongbang.kr")
    late.goto(server + "/attendance/")
    expect(late.locator("main .error[role=alert]")).to_be_visible()
    _phone_shot(late, "attendance-week-below-minimum")
    late.goto(server + "/notifications")
    late.wait_for_load_state()
    notices = late.locator("main").inner_text()
    assert "75%" in notices and "Your attendance in" not in notices  # in Mongolian
    teacher.goto(server + "/notifications")
    expect(teacher.locator("main")).to_contain_text(f"Attendance warning: {late_name}")
    admin = _phone(context_for, "ko-KR", server, "admin@demo.gongbang.kr")
    admin.goto(server + "/notifications")
    expect(admin.locator("main")).to_contain_text(late_name)
    _phone_shot(admin, "attendance-week-admin-warned")
    trainee.goto(server + "/notifications")
    trainee.wait_for_load_state()
    assert late_name not in trainee.locator("main").inner_text()
    with database.app_context():
        admins = set(db.session.scalars(select(User.id).where(User.role == Role.ADMIN, User.active)))
        concerned = {week["late"], week["teacher"], *admins}
        mailed = db.session.scalars(
            select(OutboxMail.recipient_id).where(
                OutboxMail.kind == "attendance_warning", OutboxMail.id > week["last_mail"]
            )
        )
        warned = db.session.scalars(
            select(Notification.user_id).where(
                Notification.id > week["last_notice"], Notification.text_en.like("%may fall below%")
            )
        )
        assert sorted(mailed) == sorted(concerned) and sorted(warned) == sorted(concerned)  # once each

    # The instructor signs the log of today's class.
    teacher.goto(server + f"/attendance/sessions/{week['finished']}/log")
    teacher.locator("[name=content]").fill("Site safety walk, then the week's review.")
    teacher.locator("[name=remarks]").fill(f"{late_name} came late again.")
    teacher.locator("[name=sign]").click()
    teacher.wait_for_load_state()
    expect(teacher.locator("main p[role=status]", has=teacher.locator(".badge"))).to_contain_text("v1")
    _phone_shot(teacher, "attendance-week-log-signed")

    # Staff correct an earlier day: Sita left early for a hospital visit; the note came in.
    corrected = week["earlier"][1]
    admin.goto(server + f"/attendance/sessions/{corrected}/roll")
    reason = "Hospital note brought in: the early leave is excused."
    _tap(admin, week["sita"], "excused", reason)
    history = admin.locator("main table").last
    expect(history).to_contain_text(reason)
    expect(history).to_contain_text(week["names"][week["sita"]])
    _phone_shot(admin, "attendance-week-correction")

    # The month's sheet adds up, and shows each mark of the week where it belongs.
    expected = dict(week["marks"])
    expected[(corrected, week["sita"])] = "excused"
    expected |= {
        (week["finished"], week["lan"]): "present",
        (week["finished"], week["late"]): "late",
        (week["finished"], week["sita"]): "present",
    }
    months = sorted({f"{d:%Y-%m}" for d in week["days"].values() if d <= week["today"]})
    for month in months:
        teacher.goto(server + f"/attendance/cohorts/{week['cohort']}/sheet?month={month}")
        symbols = _read_sheet(teacher)
        columns = sorted((d, sid) for sid, d in week["days"].items() if f"{d:%Y-%m}" == month)
        for uid, name in week["names"].items():
            assert symbols[name] == [SYMBOL.get(expected.get((sid, uid), ""), "") for _d, sid in columns], (
                name
            )
    _phone_shot(teacher, "attendance-week-sheet")
    for page, path, name in (
        (teacher, f"/attendance/cohorts/{week['cohort']}/timetable", "timetable"),
        (teacher, f"/attendance/cohorts/{week['cohort']}/report", "report"),
        (teacher, "/attendance/", "today"),
        (late, "/attendance/excuses", "excuses"),
    ):
        page.goto(server + path)
        _phone_shot(page, f"attendance-week-{name}")


def test_instructor_signs_a_log_and_the_monthly_sheet_adds_up(server, new_page):
    admin = new_page("en-US", phone=True)
    sign_in(admin, server, "admin@demo.gongbang.kr")
    admin.goto(server + "/attendance/logs/missing")
    autumn = re.compile("2026 Autumn|2026년 2기")  # the demo trainees' cohort, in the admin's language
    row = admin.locator("tr", has_text=autumn).filter(
        has_text=re.compile("No signed log|서명한 훈련일지 없음")
    )
    link = row.first.get_by_role("link")
    assert link.count() == 1, "the demo leaves the autumn cohort's last held session without a log"
    log_url = server + link.get_attribute("href")

    page = new_page("en-US", phone=True)
    sign_in(page, server, "instructor@demo.gongbang.kr")
    page.goto(log_url)
    # Fields and buttons by name: the demo instructor reads Korean, whatever the browser asks for.
    page.locator("[name=content]").fill("Storyboards: three panels per scene, then a pair review.")
    page.locator("[name=remarks]").fill("Two trainees came late.")
    page.locator("[name=sign]").click()
    assert re.search(r"Signed|서명함", page.locator("main").inner_text())
    assert "v1" in page.locator("main").inner_text()
    shot(page, "attendance-log-signed")

    page.locator("[name=content]").fill("Storyboards and shot lists.")
    page.locator("[name=sign]").click()
    assert re.search(r"Give a reason\.|사유를 입력하세요\.", page.locator("body").inner_text())
    page.locator("[name=content]").fill("Storyboards and shot lists.")
    page.locator("[name=reason]").fill("Shot lists were also taught.")
    page.locator("[name=sign]").click()
    body = page.locator("main").inner_text()
    assert "v2" in body and "Shot lists were also taught." in body

    page.locator("main a[href*='/sheet?month=']").click()
    page.wait_for_url(re.compile(r"/sheet\?month="))
    shot(page, "attendance-sheet-phone")
    _read_sheet(page)
