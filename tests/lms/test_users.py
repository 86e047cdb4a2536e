"""Admins' user screens, invitations, the trainee CSV import and profile privacy."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.programmes.models import Enrolment
from lms.users.models import Role, User

HEADER = "name,email,programme,cohort,language\n"


@pytest.fixture
def admin_client(make_user, login):
    return login(make_user("admin"))


def test_admin_invites_a_user_by_mail(admin_client, outbox, db):
    r = admin_client.post(
        "/admin/users/new",
        data={
            "name": "김민지",
            "email": "MinJi@Example.org",
            "role": "instructor",
            "organisation": "",
            "locale": "ko",
        },
    )
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "minji@example.org"))
    assert user.role is Role.INSTRUCTOR and user.password_hash is None
    [mail] = outbox()
    assert (
        mail["to"] == "minji@example.org" and mail["subject"] == "공방 계정이 준비되었습니다"
    )  # in her language
    assert "/auth/set-password/" in mail["body"]


def test_duplicate_email_is_refused_with_a_message(admin_client, make_user, db):
    existing = make_user("trainee")
    r = admin_client.post(
        "/admin/users/new",
        data={"name": "X", "email": existing.email, "role": "trainee", "locale": ""},
        headers={"Accept-Language": "en"},
    )
    assert "Another account already uses this e-mail address." in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


@pytest.mark.parametrize("role", ["trainee", "instructor", "employer", "liaison"])
def test_only_admins_reach_admin_screens(make_user, login, role):
    client = login(make_user(role))
    for path in ("/admin/users", "/admin/users/new", "/admin/import", "/admin/outbox"):
        assert client.get(path).status_code == 403, path


def test_anonymous_is_sent_to_login(client):
    r = client.get("/admin/users")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def _import(client, text: str, bom=False):
    data = ("\ufeff" if bom else "") + text
    return client.post(
        "/admin/import",
        data={"file": (__import__("io").BytesIO(data.encode("utf-8")), "t.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def test_import_creates_enrols_and_invites(admin_client, make_cohort, db, outbox):
    cohort = make_cohort(code="2026-2")
    code = cohort.programme.code
    csv = (
        "이름,이메일,과정,기수,언어\n"
        f"응우옌 티 란,lan@example.org,{code},2026-2,en\n"
        f"Dilnoza Karimova,dilnoza@example.org,{cohort.programme.name_en},{cohort.name},ko\n"
        f"김민지,minji@example.org,{code.lower()},2026-2,\n"
    )
    r = _import(admin_client, csv, bom=True)
    assert r.status_code == 200 and "3 new trainees" in r.get_data(as_text=True)
    users = {u.email: u for u in db.session.scalars(select(User).where(User.role == Role.TRAINEE))}
    assert set(users) == {"lan@example.org", "dilnoza@example.org", "minji@example.org"}
    assert users["lan@example.org"].name == "응우옌 티 란" and users["dilnoza@example.org"].locale == "ko"
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 3
    assert len(outbox()) == 3


@pytest.mark.parametrize(
    "rows, line, message",
    [
        ("A,not-an-email,{p},2026-2,en\n", 3, "is not a valid e-mail address"),
        ("A,a@example.org,NOPE,2026-2,en\n", 3, "There is no programme “NOPE”"),
        ("A,a@example.org,{p},1999-9,en\n", 3, "The programme has no cohort “1999-9”"),
        ("A,a@example.org,{p},2026-2,fr\n", 3, "Language “fr” is not offered here"),
        (",a@example.org,{p},2026-2,en\n", 3, "“name” is empty"),
        ("A,a@example.org,{p},2026-2,en\nB,A@example.org,{p},2026-2,en\n", 4, "already on line 3"),
        ("A,admin@example.org,{p},2026-2,en\n", 3, "is not a trainee"),
        # PostgreSQL refuses a NUL; SQLite stored it (found in the second hardening round).
        ("A\x00B,a@example.org,{p},2026-2,en\n", 3, "“name” has a hidden control character"),
        # Over the csv module's 128 KiB cell limit: a crash (500) before.
        ("A,a@example.org,{p},2026-2," + "x" * 140_000 + "\n", 3, "This line cannot be read"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_imported(
    admin_client, make_cohort, make_user, db, outbox, rows, line, message
):
    make_user("admin", email="admin@example.org")
    cohort = make_cohort(code="2026-2")
    good = f"Good Person,good@example.org,{cohort.programme.code},2026-2,en\n"
    before = db.session.scalar(select(func.count()).select_from(User))
    r = _import(admin_client, HEADER + good + rows.format(p=cohort.programme.code))
    body = r.get_data(as_text=True)
    assert "Nothing was imported" in body and message in body
    assert f"<td>{line}</td>" in body
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert outbox() == []


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"\xff\xfe\x00n\x00a", "not UTF-8"),
        (b"name,email\nA,a@example.org\n", "no “programme” column"),
        (b"", "no trainee rows"),
    ],
)
def test_unusable_files_are_explained(admin_client, payload, message):
    import io

    r = admin_client.post(
        "/admin/import",
        data={"file": (io.BytesIO(payload), "t.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert message in r.get_data(as_text=True)


def test_existing_trainee_is_enrolled_not_duplicated(admin_client, make_cohort, make_user, db, outbox):
    trainee = make_user("trainee", email="lan@example.org")
    cohort = make_cohort(code="2026-2")
    r = _import(admin_client, HEADER + f"Lan,LAN@example.org,{cohort.programme.code},2026-2,en\n")
    assert "1 existing trainees enrolled" in r.get_data(as_text=True)
    assert db.session.scalar(select(Enrolment.user_id)) == trainee.id
    assert outbox() == []


def test_profile_fields_are_private_to_staff(make_user, make_cohort, login, app):
    trainee = make_user("trainee", nationality="VN")
    teacher, stranger_teacher, liaison = (
        make_user("instructor"),
        make_user("instructor"),
        make_user("liaison"),
    )
    make_cohort(instructors=[teacher], trainees=[trainee])
    make_cohort(instructors=[stranger_teacher])
    path = f"/people/{trainee.id}"
    # An employer without an approved company is held on its status page (403) by the projects plugin.
    for viewer, status in [
        (teacher, {200}),
        (liaison, {200}),
        (trainee, {200}),
        (stranger_teacher, {404}),
        (make_user("trainee"), {404}),
        (make_user("employer"), {403, 404}),
    ]:
        assert login(viewer, c=app.test_client()).get(path).status_code in status, viewer.role


def test_trainee_updates_profile(client, make_user, login, db):
    trainee = make_user("trainee")
    login(trainee)
    r = client.post(
        "/account",
        data={
            "name": "Nguyen Thi Lan",
            "locale": "en",
            "timezone": "Asia/Ho_Chi_Minh",
            "nationality": "VN",
            "korean_test": "topik",
            "korean_level": "3",
            "share_korean": "y",
        },
    )
    assert r.status_code == 302
    db.session.refresh(trainee)
    assert (trainee.locale, trainee.timezone, trainee.nationality, trainee.korean_level) == (
        "en",
        "Asia/Ho_Chi_Minh",
        "VN",
        3,
    )
    assert trainee.share_korean and not trainee.share_nationality


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"korean_test": "topik", "korean_level": "0"}, "TOPIK levels go from 1 to 6."),
        ({"korean_test": "kiip", "korean_level": "6"}, "KIIP stages go from 0 to 5."),
        ({"korean_test": "topik", "korean_level": ""}, "Enter the level or stage."),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
    ],
)
def test_bad_profile_input_is_explained(client, make_user, login, db, fields, message):
    trainee = make_user("trainee", locale="en")
    login(trainee)
    data = {"name": "Lan", "locale": "en", "timezone": "Asia/Seoul", **fields}
    r = client.post("/account", data=data)
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    db.session.refresh(trainee)
    assert trainee.korean_test is None and trainee.timezone == "Asia/Seoul"


def test_admin_cannot_disable_self(admin_client, db):
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    admin_client.post(f"/admin/users/{admin.id}/disable")
    db.session.refresh(admin)
    assert admin.active
