"""Centre-editable wording (lms/wording): offered languages, overrides, reviews, .po files, and the overlay
seen by every process."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext, ngettext
from sqlalchemy import select

from lms.wording import rules, services, transfer
from lms.wording.models import WordingOverride, WordingReview
from tests.fixtures.users import PASSWORD

SAVE = rules.message_key("Save")
USERS = rules.message_key("Users")
PAGES = rules.message_key("Page %(page)d of %(pages)d")
DIGEST = rules.message_key("Gongbang: %(num)d message today")


def shown(app, locale: str, msgid: str) -> str:
    """What a request of *app* in *locale* shows for *msgid*."""
    with app.test_request_context(), force_locale(locale):
        return gettext(msgid)


@pytest.fixture
def admin_client(make_user, login):
    return login(make_user("admin", locale="en"))  # the pages' sentences are checked in English


@pytest.mark.parametrize(
    "msgid, plural, forms, count, code",
    [
        ("Page %(page)d of %(pages)d", None, ["%(page)d / %(pages)d"], 1, None),
        ("Page %(page)d of %(pages)d", None, ["%(page)d쪽"], 1, "placeholders"),
        ("Page %(page)d of %(pages)d", None, ["%(page)d %(pages)d %(extra)s"], 1, "placeholders"),
        ("Page %(page)d of %(pages)d", None, ["%(page)d / %(pages)d 100%"], 1, "percent"),
        ("Save", None, ["   "], 1, "empty"),
        ("Save", None, ["x" * 2001], 1, "too_long"),
        ("Save", None, ["<b>저장</b>"], 1, "markup"),
        ("Save", None, ["저장 <img src=x onerror=alert(1) "], 1, "markup"),
        ('Read <a href="%(url)s">this</a>', None, ['<a href="%(url)s">이것</a>을 읽으세요'], 1, None),
        ('Read <a href="%(url)s">this</a>', None, ['<a href="//evil">%(url)s</a>'], 1, "markup"),
        ("%(num)d file", "%(num)d files", ["%(num)d файл"], 3, "form_count"),
        ("%(num)d file", "%(num)d files", ["%(num)d файл", "%(num)d файла", "%(num)d файлов"], 3, None),
    ],
)
def test_override_rules(msgid, plural, forms, count, code):
    if code is None:
        assert rules.check_forms(msgid, plural, forms, count) == [f.strip() for f in forms]
    else:
        with pytest.raises(rules.RuleError) as caught:
            rules.check_forms(msgid, plural, forms, count)
        assert caught.value.code == code


def test_admin_overrides_a_message_then_reverts_it(app, db, make_user, login):
    admin_client = login(make_user("admin", locale="ko"))  # reads the Korean menu that the override changes
    r = admin_client.get(f"/admin/wording/message?lang=ko&key={USERS}")
    assert r.status_code == 200 and "사용자" in r.get_data(as_text=True)
    r = admin_client.post(f"/admin/wording/message?lang=ko&key={USERS}", data={"text": "계정 관리"})
    assert r.status_code == 302
    override = db.session.scalar(select(WordingOverride))
    assert (override.locale, override.msgid, override.forms) == ("ko", "Users", ["계정 관리"])
    assert override.written_against == ["사용자"] and override.updated_by_id is not None
    edited = admin_client.get(f"/admin/wording/message?lang=ko&key={USERS}").get_data(as_text=True)
    assert "Test Admin" in edited  # who changed it last
    page = admin_client.get("/admin/wording/").get_data(as_text=True)
    assert "계정 관리" in page  # the admin menu's "Users", on the very next request
    assert shown(app, "ko", "Users") == "계정 관리" and shown(app, "en", "Users") == "Users"
    found = admin_client.get("/admin/wording/messages?lang=ko&q=계정+관리").get_data(as_text=True)
    assert f"key={USERS}" in found
    r = admin_client.post("/admin/wording/revert", data={"lang": "ko", "key": USERS})
    assert r.status_code == 302 and db.session.scalar(select(WordingOverride)) is None
    assert shown(app, "ko", "Users") == "사용자"


def test_refused_override_keeps_the_typed_text(app, db, admin_client):
    r = admin_client.post(f"/admin/wording/message?lang=ko&key={PAGES}", data={"text": "%(page)d쪽 입니다"})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "%(page)d쪽 입니다" in page
    assert "%(page)s %(pages)s" in page  # the sentence names the placeholders to keep
    assert db.session.scalar(select(WordingOverride)) is None


def test_plural_override_in_every_form(app, db, admin_client):
    texts = ["Gongbang: %(num)d note today", "Gongbang: %(num)d notes today"]
    r = admin_client.post(f"/admin/wording/message?lang=en&key={DIGEST}", data={"text": texts})
    assert r.status_code == 302
    msgid, plural = "Gongbang: %(num)d message today", "Gongbang: %(num)d messages today"
    with app.test_request_context(), force_locale("en"):
        assert ngettext(msgid, plural, 1) == "Gongbang: 1 note today"
        assert ngettext(msgid, plural, 3) == "Gongbang: 3 notes today"


def test_a_changed_shipped_text_asks_for_review(app, db, make_user):
    admin = make_user("admin")
    services.save_override("ko", SAVE, ["보관"], admin)
    db.session.commit()
    (row,) = services.rows("ko", [SAVE])
    assert row.reviewed and not row.outdated  # the author's own text
    # An upgrade changed the shipped text: the override was written against another one.
    row.override.written_against = ["저장하기"]
    db.session.commit()
    (row,) = services.rows("ko", [SAVE])
    assert row.outdated and not row.reviewed
    assert [r.message.key for r in services.search("ko", status="outdated")] == [SAVE]
    assert services.mark_reviewed("ko", [SAVE], admin) == 1
    (row,) = services.rows("ko", [SAVE])
    assert row.reviewed and not row.outdated and row.override.written_against == ["저장"]


def test_review_is_tied_to_the_text(app_factory, make_user, login):
    app = app_factory(WORDING_REVIEWED_LOCALES=[])  # as if English were machine-drafted
    from lms.extensions import db

    with app.app_context():
        client = login(make_user("admin"), c=app.test_client())
        assert services.summaries()[1]["reviewed"] == 0
        r = client.post("/admin/wording/review", data={"lang": "en", "key": [SAVE, USERS], "next": "//evil"})
        assert r.status_code == 302 and r.location.endswith("/admin/wording/messages?lang=en")
        assert services.summaries()[1]["reviewed"] == 2
        review = db.session.scalar(select(WordingReview).where(WordingReview.key == SAVE))
        review.text_hash = rules.text_hash(["Save it"])  # what was reviewed before an upgrade changed it
        db.session.commit()
        assert services.summaries()[1]["reviewed"] == 1
        page = client.get("/admin/wording/messages?lang=en&status=unreviewed&q=Save").get_data(as_text=True)
        assert f"key={SAVE}" in page


def offered(app) -> list[str]:
    with app.test_request_context():
        return services.offered_languages()


def test_offered_languages(app, db, admin_client):
    assert offered(app) == app.config["LANGUAGES"]
    r = admin_client.post("/admin/wording/offered", data={"lang": "en", "offered": "0"})
    assert r.status_code == 302
    assert "en" not in offered(app) and "ko" in offered(app)
    admin_client.post("/admin/wording/offered", data={"lang": "ko", "offered": "0"})
    assert offered(app)[0] == "ko"  # the default is always offered
    admin_client.post("/admin/wording/offered", data={"lang": "en", "offered": "1"})
    assert offered(app) == app.config["LANGUAGES"]
    assert admin_client.post("/admin/wording/offered", data={"lang": "xx", "offered": "0"}).status_code == 404
    assert admin_client.post("/admin/wording/offered", data={}).status_code == 400


def test_every_language_page_answers(app, admin_client):
    page = admin_client.get("/admin/wording/").get_data(as_text=True)
    for code in app.config["LANGUAGES"]:
        assert f"lang={code}" in page
        assert admin_client.get(f"/admin/wording/messages?lang={code}&q=save").status_code == 200
    assert admin_client.get("/admin/wording/messages?lang=xx").status_code == 404
    assert admin_client.get("/admin/wording/message?lang=ko&key=0").status_code == 404


def test_export_and_import(app, db, make_user, admin_client):
    admin = make_user("admin")
    services.save_override("ko", SAVE, ["보관"], admin)
    db.session.commit()
    body = admin_client.get("/admin/wording/export?lang=ko").get_data()
    assert b'msgid "Save"' in body and "보관".encode() in body and b'msgid "Users"' not in body
    merged = transfer.export_po("ko", merged=True).decode()
    assert 'msgid "Users"' in merged and "보관" in merged

    good = body.replace("보관".encode(), "간직".encode()) + '\nmsgid "Users"\nmsgstr "사람들"\n'.encode()
    bad = good + b'\nmsgid "Page %(page)d of %(pages)d"\nmsgstr "%(page)d"\n\nmsgid "No such"\nmsgstr "x"\n'
    page = admin_client.post("/admin/wording/import?lang=ko", data={"file": (_file(bad), "ko.po")})
    text = page.get_data(as_text=True)
    assert "Refused: 2" in text and "There is no such message." in text
    assert [o.forms for o in db.session.scalars(select(WordingOverride))] == [["보관"]]  # nothing changed

    report = transfer.import_po("ko", good, admin)
    db.session.commit()
    assert (report.applied, report.added, report.changed, report.unchanged) == (True, 1, 1, 0)
    assert shown(app, "ko", "Save") == "간직" and shown(app, "ko", "Users") == "사람들"
    assert transfer.import_po("ko", good, admin).unchanged == 2


@pytest.mark.parametrize(
    "data, sentence",
    [
        (b"garbage, not a catalogue", "This is not a .po file"),
        (b'msgid ""\nmsgstr "Language: en\\n"\n', "for language"),
    ],
)
def test_unreadable_po_changes_nothing(app, db, admin_client, data, sentence):
    page = admin_client.post("/admin/wording/import?lang=ko", data={"file": (_file(data), "x.po")})
    assert sentence in page.get_data(as_text=True)
    assert db.session.scalar(select(WordingOverride)) is None


def test_only_admins(client, make_user, login):
    assert client.get("/admin/wording/").status_code == 302
    trainee = login(make_user("trainee"))
    assert trainee.get("/admin/wording/").status_code == 403
    assert trainee.post("/admin/wording/offered", data={"lang": "en", "offered": "0"}).status_code == 403


def test_a_second_process_shows_the_override_on_its_next_request(app_factory, make_user, login):
    """Two app objects on one database stand for two web processes."""
    first, second = app_factory(), app_factory()
    with first.app_context():
        admin = make_user("admin")
        writer = login(admin, c=first.test_client())
    assert shown(second, "ko", "Users") == "사용자"  # the second process has built its catalogue
    r = writer.post(f"/admin/wording/message?lang=ko&key={USERS}", data={"text": "계정 관리"})
    assert r.status_code == 302
    assert shown(second, "ko", "Users") == "계정 관리"
    writer.post("/admin/wording/offered", data={"lang": "en", "offered": "0"})
    assert "en" not in offered(second)
    writer.post("/admin/wording/revert", data={"lang": "ko", "key": USERS})
    assert shown(second, "ko", "Users") == "사용자"


def _file(data: bytes):
    from io import BytesIO

    return BytesIO(data)


def test_forms_need_the_csrf_token(app_factory, make_user, login):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user("admin")
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        signed_in = client.post(
            "/auth/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}
        )
        assert signed_in.status_code == 302
        r = client.post("/admin/wording/offered", data={"lang": "en", "offered": "0"})
        assert r.status_code == 400 and "en" in offered(app)
        r = client.post(f"/admin/wording/message?lang=ko&key={USERS}", data={"text": "계정"})
        assert r.status_code == 400 and shown(app, "ko", "Users") == "사용자"


def test_a_process_may_reuse_the_revision_for_a_while(app_factory, make_user, login, monkeypatch):
    """With WORDING_CHECK_SECONDS a process reads the revision at most that often; the writer's own
    process sees its change at once."""
    from lms.wording import overlay

    clock = [1000.0]
    monkeypatch.setattr(overlay, "monotonic", lambda: clock[0])
    first, second = app_factory(WORDING_CHECK_SECONDS=5), app_factory(WORDING_CHECK_SECONDS=5)
    with first.app_context():
        writer = login(make_user("admin"), c=first.test_client())
    assert shown(second, "ko", "Users") == "사용자"
    writer.post(f"/admin/wording/message?lang=ko&key={USERS}", data={"text": "계정 관리"})
    assert shown(first, "ko", "Users") == "계정 관리"
    assert shown(second, "ko", "Users") == "사용자"  # within its 5 seconds
    clock[0] += 5
    assert shown(second, "ko", "Users") == "계정 관리"
