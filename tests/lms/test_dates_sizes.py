"""One date, time and size style everywhere: the ``datetime``, ``date`` and ``filesize`` filters.

Times are stored in UTC and shown in the viewer's zone and locale, in one style ("2026. 3. 2. 00:30" in
Korean, "2 Mar 2026, 00:30" in English), never as an RFC 2822 header ("Sun, 01 Mar 2026 15:30:00 +0000") or
with a numeric offset ("+0900"). Sizes read "500 KB" and "1.2 MB", never "500.0 kB".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from lms.i18n import format_day, format_size, format_when

#: 15:30 UTC on 1 March 2026 is 00:30 on 2 March in Seoul.
WHEN = datetime(2026, 3, 1, 15, 30, 5, tzinfo=UTC)
#: What must never show where a local time is expected.
NOT_LOCAL = re.compile(r"[+-]0900|[+-]0000|\bGMT\b|\bUTC\b|\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4}")


@pytest.fixture
def as_viewer(app, make_user):
    """``as_viewer(locale, zone)``: a request context whose viewer reads *locale* in *zone*."""
    from flask_login import login_user

    def enter(locale="ko", zone="Asia/Seoul"):
        user = make_user("trainee", locale=locale, timezone=zone)
        ctx = app.test_request_context("/")
        ctx.push()
        login_user(user)
        return ctx

    contexts = []
    yield lambda *a: contexts.append(enter(*a))
    for ctx in reversed(contexts):
        ctx.pop()


@pytest.mark.parametrize(
    ("locale", "fmt", "expected"),
    [
        ("ko", "short", "2026. 3. 2. 00:30"),
        ("ko", "medium", "2026. 3. 2. 00:30"),
        ("en", "short", "2 Mar 2026, 00:30"),
        ("en", "medium", "2 Mar 2026, 00:30"),
        ("ko", "long", "2026. 3. 2. 00:30:05 (한국 표준시)"),
        ("en", "long", "2 Mar 2026, 00:30:05 (Korean Standard Time)"),
    ],
)
def test_one_datetime_style_in_the_viewers_zone(as_viewer, locale, fmt, expected):
    as_viewer(locale)
    assert format_when(WHEN, fmt) == expected
    assert not NOT_LOCAL.search(format_when(WHEN, fmt))


@pytest.mark.parametrize(
    "stored",
    [
        "Sun, 01 Mar 2026 15:30:05 +0000",  # a mail's Date header, as the outbox keeps it
        "2026-03-01T15:30:05+00:00",  # ISO 8601, as JSON columns keep it
        "2026-03-01T15:30:05",  # naive: UTC, as everywhere in the database
        datetime(2026, 3, 1, 15, 30, 5),
    ],
)
def test_stored_text_is_shown_like_any_other_time(as_viewer, stored):
    as_viewer("en")
    assert format_when(stored, "short") == "2 Mar 2026, 00:30"
    assert format_day(stored) == "2 Mar 2026"


def test_dates_and_empty_values(as_viewer):
    as_viewer("ko")
    assert format_day(date(2027, 2, 26)) == "2027. 2. 26."
    assert format_day("2027-02-26") == "2027. 2. 26."  # a day, not midnight UTC moved to Seoul
    assert format_day(date(2027, 2, 26), "long") == "2027년 2월 26일"
    assert format_when(None) == format_day(None) == format_when("") == ""
    assert format_when("not a time") == "not a time"
    with force_locale("en"):
        assert format_day(date(2027, 2, 26)) == "26 Feb 2027"


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, "0 bytes"),
        (500, "500 bytes"),
        (500_000, "500 KB"),
        (1_200_000, "1.2 MB"),
        (1_250_000_000, "1.2 GB"),
        (20_000_000, "20 MB"),
        (999_999, "1 MB"),
        (1_000_000_000, "1 GB"),
        (12_345_678_901_234, "12.3 TB"),
    ],
)
def test_filesize(as_viewer, size, expected):
    as_viewer("en")
    assert format_size(size) == expected


def test_filesize_in_korean_and_the_media_messages_agree(as_viewer):
    from media.messages import format_bytes

    as_viewer("ko")
    assert format_size(500) == "500바이트"
    for size in (1_000, 500_000, 1_234_567, 20_000_000, 999_999, 5_500_000, 1_000_000_000):
        assert format_size(size) == format_bytes(size), size
        assert ".0 " not in format_bytes(size)


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_pages_show_local_times_and_plain_sizes(app, client, login, make_user, db, locale):
    """The admin's outbox, a person's page, notifications and the media pages, as an admin in Seoul."""
    from lms.mail import send_mail
    from lms.notifications.models import Notification
    from media.models import MediaFile, MediaStatus

    admin = make_user("admin", locale=locale, timezone="Asia/Seoul")
    other = make_user("trainee", last_login_at=WHEN)
    with app.app_context():
        send_mail(other.email, "Welcome", "Hello")
    db.session.add(Notification(user_id=admin.id, text_ko="알림", text_en="Notice", created_at=WHEN))
    media = MediaFile(
        owner_id=admin.id,
        sha256="0" * 64,
        size_bytes=500_000,
        storage_key="none",
        original_name="clip.png",
        status=MediaStatus.READY,
        kind="image",
        created_at=WHEN,
    )
    db.session.add(media)
    db.session.commit()
    login(admin)
    expected = "2026. 3. 2. 00:30" if locale == "ko" else "2 Mar 2026, 00:30"

    person = _page(client, f"/admin/users/{other.id}")
    notices = _page(client, "/notifications")
    assert expected in person and expected in notices

    outbox = _page(client, "/admin/outbox")
    summary = re.search(r"<summary>.*?</summary>", outbox, re.S).group(0)
    sent = re.search(r'<small class="muted">(.*?)</small>', summary).group(1)
    shape = r"\d{4}\. \d{1,2}\. \d{1,2}\. \d\d:\d\d" if locale == "ko" else r"\d{1,2} \w{3} \d{4}, \d\d:\d\d"
    assert re.fullmatch(shape, sent), sent
    assert not NOT_LOCAL.search(summary)

    for page in (_page(client, "/media/"), _page(client, f"/media/{media.id}")):
        # What people read: the text between the tags (a random form token or nonce may spell "kB").
        text = re.sub(r"<[^>]*>", " ", page)
        assert "500 KB" in text and "500.0" not in text and "kB" not in text
        assert expected in page
    for page in (person, notices, outbox):
        assert not NOT_LOCAL.search(re.sub(r"<pre>.*?</pre>", "", page, flags=re.S))


#: Template lines that may write a time by hand: a form's hidden value is read by the server, not people.
MACHINE_VALUES = ('type="hidden"',)


def test_templates_write_times_and_sizes_only_through_the_filters():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    by_hand = re.compile(r"\|filesizeformat|strftime\(|isoformat\(|_at\[:\d+\]|_on\[:\d+\]")
    found = [
        f"{path.relative_to(root)}:{n}: {line.strip()[:100]}"
        for path in sorted(root.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line) and not any(ok in line for ok in MACHINE_VALUES)
    ]
    assert found == []
