"""Korean and English: locale choice, switcher, complete catalogues, time zones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lms.config import SHIPPED_LANGUAGES
from tests.catalogues import check_translated_and_compiled

ROOT = Path(__file__).resolve().parents[2]


def test_korean_browser_gets_korean(client):
    body = client.get("/auth/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert '<html lang="ko" dir="ltr">' in body and "로그인" in body


def test_english_browser_gets_english(client):
    body = client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in body and "Sign in" in body


def test_default_is_korean(client):
    assert '<html lang="ko" dir="ltr">' in client.get(
        "/auth/login", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)


def test_switcher_for_visitors_and_user_setting_wins(client, make_user, login, db):
    client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert '<html lang="en" dir="ltr">' in client.get(
        "/auth/login", headers={"Accept-Language": "ko"}
    ).get_data(as_text=True)
    user = make_user("trainee", locale="ko")
    login(user)
    assert '<html lang="ko" dir="ltr">' in client.get(
        "/dashboard", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    r = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert r.headers["Location"] == "/" or r.headers["Location"].endswith("localhost/")
    db.session.refresh(user)
    assert user.locale == "en"


def test_times_are_stored_in_utc_and_shown_in_the_viewers_zone(client, make_user, login, db):
    admin = make_user("admin", locale="en", timezone="Asia/Seoul")
    other = make_user("trainee", last_login_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    login(admin)
    db.session.refresh(other)
    assert other.last_login_at == datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    # 00:30 in Seoul
    assert "2 Mar 2026, 00:30" in client.get(f"/admin/users/{other.id}").get_data(as_text=True)
    client.post("/account", data={"name": admin.name, "locale": "en", "timezone": "Europe/London"})
    assert "1 Mar 2026, 15:30" in client.get(f"/admin/users/{other.id}").get_data(as_text=True)


def _catalogue(locale: str):
    with open(ROOT / "lms" / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_message_has_a_korean_translation():
    missing = [m.id for m in _catalogue("ko") if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalogue_covers_every_string_in_the_code():
    """Fails when a new string was added to the code without running `make messages` and translating it."""
    method_map = [
        ("lms/**.py", "python"),
        ("templates/base.html", "jinja2"),
        ("templates/_macros/**.html", "jinja2"),
        ("templates/errors/**.html", "jinja2"),
        ("templates/lms/**.html", "jinja2"),
        ("templates/lms/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    # Only dot-folders are skipped: Babel's default filter would also skip templates/_macros.
    only_dot = lambda path: not Path(path).name.startswith(".")
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, keywords=keywords, directory_filter=only_dot
    ):
        found.add(message if isinstance(message, str) else message[0])
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue("ko") if m.id}
    assert "Ended %(date)s" in found  # the macros folder is really scanned
    assert sorted(found - known) == []


@pytest.mark.parametrize("locale", SHIPPED_LANGUAGES)
def test_every_message_translated_and_compiled(locale):
    check_translated_and_compiled("lms", locale)


def test_compiled_catalogue_is_fresh():
    from babel.messages.mofile import read_mo

    po = _catalogue("ko")
    with open(ROOT / "lms" / "translations" / "ko" / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        mo = read_mo(fh)

    # The .mo reader gives plural ids and forms as lists, the .po reader as tuples: compare them as tuples.
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    assert {plain(m.id): plain(m.string) for m in po if m.id} == {
        plain(m.id): plain(m.string) for m in mo if m.id
    }, "run make compile-messages"
