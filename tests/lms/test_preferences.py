"""Message preferences: per kind on the site and by e-mail, required kinds, quiet hours, the daily digest and
the RFC 8058 one-click unsubscribe link (which works with no session, no cookie and no form token).

Mail is written to the outbox folder (no SMTP server): each test reads the real ``.eml`` files, headers
included. Runs on SQLite and, with ``--db=postgresql``, on PostgreSQL.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, time, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from lms.db import utcnow
from lms.notifications import rules
from lms.notifications.rules import Channel, Choice
from tests.fixtures.app import TEST_SECRET

PUBLIC = "https://lms.example.kr"


@pytest.fixture
def app(app_factory):
    """Links on :data:`PUBLIC`."""
    app = app_factory(PUBLIC_URL=PUBLIC)
    with app.app_context():
        yield app


@pytest.fixture
def outside(app_factory, app):
    """A client of the same site with form tokens on, as in production, and no cookie: a mail program."""
    return app_factory(PUBLIC_URL=PUBLIC, WTF_CSRF_ENABLED=True).test_client()


def _sent(app) -> list:
    """Every message written to the outbox folder, oldest first, parsed with its headers."""
    folder = Path(app.config["OUTBOX_DIR"])
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.is_dir() else []
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in files]


def _send_all(now=None) -> int:
    from lms.mail import send_due

    return send_due(100, now)[1]


def _queued(db) -> list:
    from lms.outbox import OutboxMail

    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _notice(db, user, text="Your grade is released.", url="/projects/4/feedback", kind="notice"):
    from lms.notifications.services import notify

    note = notify(user, lambda: text, url, kind=kind)
    db.session.commit()
    return note


def _choose(db, user, kind="notice", channel=Channel.BOTH, digest=False, quiet=(None, None)):
    from lms.notifications.services import save_preferences

    save_preferences(user, {kind: Choice(channel, digest)}, *quiet)
    db.session.commit()


def _csrf(page: str) -> str:
    """The page's form token (empty: the suite's apps run without form tokens, as the login fixture needs)."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return match.group(1) if match else ""


# --- The pure rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_now", "start", "end", "held_until"),
    [
        ("2026-12-07 23:30", time(22), time(7), "2026-12-08 07:00"),  # crosses midnight, before it
        ("2026-12-08 03:10", time(22), time(7), "2026-12-08 07:00"),  # crosses midnight, after it
        ("2026-12-07 07:00", time(22), time(7), None),  # the end itself is not quiet
        ("2026-12-07 12:00", time(22), time(7), None),
        ("2026-12-07 13:15", time(13), time(14), "2026-12-07 14:00"),  # a lunch break
        ("2026-12-07 13:15", time(13), time(13), None),  # equal ends: no quiet hours
        ("2026-12-07 13:15", None, time(14), None),
    ],
)
def test_quiet_hours_end_in_the_persons_zone(local_now, start, end, held_until):
    seoul = rules.zone("Asia/Seoul")
    now = datetime.fromisoformat(local_now).replace(tzinfo=seoul).astimezone(UTC)
    got = rules.quiet_until(now, "Asia/Seoul", start, end)
    if held_until is None:
        assert got is None
    else:
        assert got == datetime.fromisoformat(held_until).replace(tzinfo=seoul).astimezone(UTC)
        assert got.tzinfo is not None and got > now


def test_quiet_hours_follow_the_zone_not_the_server():
    now = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 23:00 in Seoul, 20:00 in Hanoi, 09:00 in New York
    assert rules.quiet_until(now, "Asia/Seoul", time(22), time(7)) == datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    assert rules.quiet_until(now, "Asia/Ho_Chi_Minh", time(22), time(7)) is None
    assert rules.quiet_until(now, "Not/AZone", time(22), time(7)) is not None  # unknown zone: Seoul


def test_tokens_are_signed_bound_and_long():
    token = rules.make_token(TEST_SECRET, 9, "grade_released", 1)
    claim = rules.read_token(TEST_SECRET, token)
    assert claim == rules.TokenClaim(9, "grade_released", 1)
    mac = token.rsplit(".", 1)[1]
    assert len(mac) * 6 >= 256  # base64url characters: 256 bits of HMAC-SHA256
    assert rules.read_token("another-secret-0123456789abcdefghijkl", token) is None
    for forged in (
        token.replace("9.", "10.", 1),  # another person
        token.replace("grade_released", "notice"),  # another kind
        token.replace(".1.", ".2.", 1),  # another key id
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token + "x",
        "",
        "not a token",
    ):
        assert rules.read_token(TEST_SECRET, forged) is None, forged


def test_a_required_kind_is_always_on_whatever_is_stored():
    off = Choice(Channel.NONE, digest=True)
    assert rules.effective(off, required=True, email_by_default=True) == Choice(Channel.BOTH, False)
    assert rules.effective(off, required=False, email_by_default=True) == off
    assert rules.effective(None, required=False, email_by_default=False) == Choice(Channel.IN_APP, False)


# --- Preferences honoured ----------------------------------------------------------------------------------


def test_defaults_reach_the_site_and_the_mailbox(app, db, make_user):
    user = make_user("trainee")
    note = _notice(db, user)
    assert note.shown
    [row] = _queued(db)
    assert row.kind == "notice" and row.recipient_id == user.id
    assert "/unsubscribe/" in row.body  # a footer with the link


def test_site_only_sends_no_mail_and_mail_only_hides_the_notice(app, db, make_user, login):
    from lms.notifications.services import unread_count

    site_only, mail_only, nothing = make_user("trainee"), make_user("trainee"), make_user("trainee")
    _choose(db, site_only, channel=Channel.IN_APP)
    _choose(db, mail_only, channel=Channel.EMAIL)
    _choose(db, nothing, channel=Channel.NONE)
    for user in (site_only, mail_only, nothing):
        _notice(db, user, text=f"Grade for {user.name}")
    assert [row.recipient_id for row in _queued(db)] == [mail_only.id]
    assert unread_count(site_only) == 1
    assert unread_count(mail_only) == 0 and unread_count(nothing) == 0
    page = login(mail_only).get("/notifications").get_data(as_text=True)
    assert f"Grade for {mail_only.name}" not in page
    # Another kind keeps its default.
    _notice(db, nothing, text="A certificate", kind="certificate")
    assert [row.recipient_id for row in _queued(db)] == [mail_only.id, nothing.id]


def test_once_still_announces_once_when_the_site_channel_is_off(app, db, make_user):
    from lms.notifications.services import notify

    user = make_user("trainee")
    _choose(db, user, channel=Channel.EMAIL)
    first = notify(user, lambda: "Ready.", "/certificates/7", once=True)
    again = notify(user, lambda: "Ready.", "/certificates/7", once=True)
    db.session.commit()
    assert first.id == again.id
    assert len(_queued(db)) == 1


def test_the_preferences_page_saves_choices_and_quiet_hours(app, db, make_user, login):
    from lms.notifications.models import NotificationPreference, NotificationSettings

    user = make_user("trainee", locale="en")
    client = login(user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Other notices" in page and "be turned off" in page
    r = client.post(
        "/account/notifications",
        data={
            "csrf_token": _csrf(page),
            "channel_notice": "in_app",
            "channel_certificate": "both",
            "digest_certificate": "y",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert r.status_code == 302
    mine = select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    stored = {p.kind: (p.channel, p.digest) for p in db.session.scalars(mine)}
    assert stored["notice"] == (Channel.IN_APP, False)
    assert stored["certificate"] == (Channel.BOTH, True)
    settings = db.session.get(NotificationSettings, user.id)
    assert (settings.quiet_start, settings.quiet_end) == (time(22), time(7))
    again = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'<option selected value="in_app">|<option value="in_app" selected>', again)


@pytest.mark.parametrize(
    "fields",
    [
        {"channel_notice": "everywhere"},  # not a channel
        {"quiet_start": "22:00"},  # one end only
        {"quiet_start": "25:00", "quiet_end": "07:00"},
    ],
)
def test_the_preferences_page_refuses_bad_values(app, db, make_user, login, fields):
    from lms.notifications.models import NotificationPreference

    client = login(make_user("trainee", locale="en"))
    page = client.get("/account/notifications").get_data(as_text=True)
    r = client.post("/account/notifications", data={"csrf_token": _csrf(page), **fields})
    assert r.status_code == 200  # the form again, with its error
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_required_kinds_cant_be_turned_off_even_by_a_forged_post(app, db, make_user, login):
    from lms.auth.services import request_password_reset
    from lms.notifications.models import NotificationPreference
    from lms.notifications.services import save_preferences

    user = make_user("trainee", locale="en")
    client = login(user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="channel_reset"' not in page and 'name="channel_security"' not in page
    r = client.post(
        "/account/notifications",
        data={
            "csrf_token": _csrf(page),
            "channel_reset": "none",
            "channel_security": "none",
            "channel_invite": "none",
            "digest_reset": "y",
            "channel_notice": "in_app",
        },
    )
    assert r.status_code == 302
    # Straight into the service, too: a required or unknown kind is skipped.
    assert save_preferences(user, {"reset": Choice(Channel.NONE), "no_such_kind": Choice(Channel.NONE)}) == 0
    db.session.commit()
    kinds = set(db.session.scalars(select(NotificationPreference.kind)))
    assert kinds == {"notice"}
    request_password_reset(user.email)
    db.session.commit()
    [row] = _queued(db)
    assert row.kind == "reset" and "/unsubscribe/" not in row.body
    assert _send_all() == 1
    assert "List-Unsubscribe" not in _sent(app)[-1]  # required mail has no unsubscribe header


# --- Unsubscribe --------------------------------------------------------------------------------------------


def _unsubscribe_link(app, db, user) -> str:
    """Send *user* a notice; the path its List-Unsubscribe header names (the body's footer has it too)."""
    _notice(db, user)
    assert _send_all() == 1
    msg = _sent(app)[-1]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.fullmatch(r"<(https://\S+)>", msg["List-Unsubscribe"])
    assert header, msg["List-Unsubscribe"]
    url = header.group(1)
    assert url.startswith(PUBLIC + "/unsubscribe/")
    assert url in msg.get_body().get_content()  # the same link in the footer
    return url.removeprefix(PUBLIC)


def test_one_click_post_unsubscribes_with_no_session_no_cookie_no_form_token(app, db, make_user, outside):
    from lms.notifications.models import NotificationPreference

    user = make_user("trainee", locale="en")
    path = _unsubscribe_link(app, db, user)
    mail_program = outside  # no cookie, no session, form tokens on
    r = mail_program.post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    pref = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    assert (pref.kind, pref.channel) == ("notice", Channel.IN_APP)  # e-mail off, the site's notices stay
    # Honoured from now on; a second post (mail programs retry) is harmless.
    _notice(db, user, text="Another grade")
    assert len(_queued(db)) == 1
    assert mail_program.post(path, data="List-Unsubscribe=One-Click").status_code == 200


def test_get_only_asks_and_changes_nothing(app, db, make_user, outside):
    from lms.notifications.models import NotificationPreference

    user = make_user("trainee", locale="en")
    path = _unsubscribe_link(app, db, user)
    scanner = outside
    for _ in range(2):
        r = scanner.get(path)
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        assert "Stop these e-mails" in page and 'method="post"' in page
    assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    # The confirm page's button posts without a form token, and that works.
    assert scanner.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_token_gets_a_clear_page(app, db, make_user, method):
    from lms.notifications.delivery import revoke_unsubscribe_links
    from lms.notifications.models import NotificationPreference

    user = make_user("trainee", locale="en")
    path = _unsubscribe_link(app, db, user)
    token = path.rsplit("/", 1)[1]
    required = rules.make_token(TEST_SECRET, user.id, "reset", 1)  # well signed, but a required kind
    nobody = rules.make_token(TEST_SECRET, 999_999, "notice", 1)
    client = app.test_client()
    someone_else = token.replace(f"{user.id}.", f"{user.id + 1}.", 1)
    for bad in ("not-a-token", token[:-2], someone_else, required, nobody):
        r = client.open(f"/unsubscribe/{bad}", method=method, headers={"Accept-Language": "en"})
        assert r.status_code == 400, bad
        assert "This link does not work" in r.get_data(as_text=True)
    revoke_unsubscribe_links(user)
    db.session.commit()
    assert client.open(path, method=method).status_code == 400  # revoked by the key id
    assert db.session.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_guessing_is_rate_limited(app, db, make_user):
    from lms.notifications.delivery import UNSUBSCRIBE_FAILURES_PER_HOUR

    user = make_user("trainee", locale="en")
    path = _unsubscribe_link(app, db, user)
    guesser = app.test_client()
    for n in range(UNSUBSCRIBE_FAILURES_PER_HOUR):
        assert guesser.post(f"/unsubscribe/{n}.notice.1.{'A' * 43}").status_code == 400
    r = guesser.post(path, headers={"Accept-Language": "en"})
    assert r.status_code == 429 and "Too many tries" in r.get_data(as_text=True)
    # From another address the live link works.
    assert guesser.post(path, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200


def test_the_token_is_never_logged(app, db, make_user):
    from lms.logs import mask

    user = make_user("trainee", locale="en")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    try:
        path = _unsubscribe_link(app, db, user)
        client = app.test_client()
        client.get(path)
        client.post(path)
        client.post(path[:-3] + "abc")
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    token = path.rsplit("/", 1)[1]
    assert token.rsplit(".", 1)[1] not in stream.getvalue()
    masked = mask(f'1.2.3.4 "POST {path} HTTP/1.1" 200 "-"')
    assert token not in masked and "/unsubscribe/[redacted]" in masked


# --- Quiet hours --------------------------------------------------------------------------------------------


def test_quiet_hours_hold_mail_until_they_end_and_required_mail_goes_at_once(app, db, make_user):
    from lms.auth.services import request_password_reset

    user = make_user("trainee", locale="en", timezone="Asia/Seoul")
    now = utcnow()
    local = now.astimezone(rules.zone("Asia/Seoul"))
    start = (local - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    _choose(db, user, quiet=(start, end))
    _notice(db, user)
    request_password_reset(user.email)
    db.session.commit()
    held, reset = _queued(db)
    assert held.kind == "notice" and reset.kind == "reset"
    assert timedelta(hours=1, minutes=58) < held.next_attempt_at - now <= timedelta(hours=2)
    assert reset.next_attempt_at <= utcnow()
    assert _send_all() == 1  # the reset only: the notice waits, it is not dropped
    assert [m["Subject"] for m in _sent(app)] == [reset.subject]
    assert _send_all(now=held.next_attempt_at + timedelta(seconds=1)) == 1
    assert len(_sent(app)) == 2


# --- Daily digest -------------------------------------------------------------------------------------------


def _at_local(hour: int, day: int = 8) -> datetime:
    return datetime(2026, 12, day, hour, 5, tzinfo=rules.zone("Asia/Seoul")).astimezone(UTC)


def test_the_digest_gathers_and_sends_once_a_day(app, db, make_user):
    from lms.mail import queue_mail
    from lms.notifications.delivery import send_digests
    from lms.notifications.models import DigestEntry

    user = make_user("trainee", locale="en", timezone="Asia/Seoul")
    other = make_user("trainee", locale="en")
    _choose(db, user, digest=True)
    _notice(db, user, text="First grade")
    _notice(db, user, text="Second grade")
    queue_mail(user.email, "Keyed", "Body", recipient_id=user.id, kind="notice", idempotency_key="k:1")
    queue_mail(user.email, "Keyed", "Body", recipient_id=user.id, kind="notice", idempotency_key="k:1")
    _notice(db, other, text="Not in a digest")
    db.session.commit()
    assert [row.recipient_id for row in _queued(db)] == [other.id]  # the digest's mail waits
    assert db.session.scalar(select(func.count()).select_from(DigestEntry)) == 3  # the key counted once

    assert send_digests(_at_local(7)) == 0  # before 8 in the morning in Seoul
    assert send_digests(_at_local(9)) == 1
    assert send_digests(_at_local(9)) == 0  # a rerun, a second worker
    db.session.commit()
    digest = _queued(db)[-1]
    assert digest.kind == "digest" and digest.idempotency_key == f"digest:user {user.id}:2026-12-08"
    assert "First grade" in digest.body and "Second grade" in digest.body and "Keyed" in digest.body
    assert "/unsubscribe/" in digest.body

    _notice(db, user, text="Third grade")  # after today's digest: tomorrow's
    assert send_digests(_at_local(20)) == 0
    assert send_digests(_at_local(9, day=9)) == 1
    db.session.commit()
    tomorrow = _queued(db)[-1]
    assert "Third grade" in tomorrow.body and "First grade" not in tomorrow.body

    assert _send_all(now=_at_local(10, day=9)) == 3
    [mail] = [m for m in _sent(app) if m["Subject"] == digest.subject and "First grade" in m.get_content()]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_digest_task_commits_and_unsubscribing_the_digest_stops_it(app, db, make_user):
    from lms.notifications.models import NotificationPreference
    from lms.notifications.tasks import send_digests

    user = make_user("trainee", locale="en", timezone="UTC")
    _choose(db, user, digest=True)
    _notice(db, user, text="A grade")
    # .result, not .get(): an earlier test that ran a task can leave Celery believing it is inside one.
    assert send_digests.apply().result in (0, 1)  # 0 only when run before 08:00 UTC
    token = rules.make_token(TEST_SECRET, user.id, "digest", 1)
    assert app.test_client().post(f"/unsubscribe/{token}").status_code == 200
    db.session.expire_all()
    pref = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    assert (pref.channel, pref.digest) == (Channel.IN_APP, False)


# --- A batch asks about preferences a fixed number of times ------------------------------------------------


def _reads(db, work) -> int:
    """How many statements other than the outbox's own inserts *work* runs."""
    count = 0

    def seen(_conn, _cursor, statement, *_args):
        nonlocal count
        # (The wording revision is read once per task or request (lms.wording), not per batch.)
        count += not statement.lstrip().upper().startswith("INSERT") and "wording_revision" not in statement

    engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count


def test_queue_many_asks_about_preferences_twice_per_batch(app, db, make_user):
    from lms.mail import Mail, queue_many

    people = [make_user("trainee") for _ in range(12)]
    for user in people[::3]:
        _choose(db, user, channel=Channel.IN_APP)
    addresses = [(u.id, u.email) for u in people]

    def batch(who, tag):
        mails = [Mail(email, "Due soon", "Body", uid, "notice", f"{tag}:{uid}") for uid, email in who]
        return lambda: queue_many(mails)

    few = _reads(db, batch(addresses[:3], "a"))
    many = _reads(db, batch(addresses, "b"))
    assert few == many == 2  # the people and their choices, whatever the batch's size
    db.session.commit()
    assert {row.recipient_id for row in _queued(db) if row.idempotency_key.startswith("b:")} == {
        u.id for i, u in enumerate(people) if i % 3
    }


def test_personal_data_holds_the_choices_and_anonymising_drops_waiting_digests(app, db, make_user):
    from lms.notifications.models import DigestEntry
    from lms.users.privacy import anonymise_user, core_data

    user, admin = make_user("trainee"), make_user("admin")
    _choose(db, user, digest=True)
    _notice(db, user, text=f"A grade for {user.name}")
    data = core_data(user)
    assert [(p["kind"], p["digest"]) for p in data["message_preferences"]] == [("notice", True)]
    assert [e["subject"] for e in data["digest_waiting"]] == [f"A grade for {user.name}"]
    anonymise_user(user, admin)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(DigestEntry)) == 0


def test_two_workers_at_once_send_one_digest(app, db, make_user):
    import threading

    from lms.notifications.delivery import send_digests

    people = [make_user("trainee", locale="en", timezone="Asia/Seoul") for _ in range(4)]
    for user in people:
        _choose(db, user, digest=True)
        _notice(db, user, text=f"Grade for {user.name}")
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                start.wait(10)
                results.append(send_digests(_at_local(9)))
                db.session.commit()
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(results) == len(people)
    digests = [row for row in _queued(db) if row.kind == "digest"]
    assert sorted(row.recipient_id for row in digests) == sorted(u.id for u in people)
    for row, user in zip(sorted(digests, key=lambda r: r.recipient_id), sorted(people, key=lambda u: u.id)):
        assert row.body.count("== Grade for ") == 1 and f"== Grade for {user.name} ==" in row.body
