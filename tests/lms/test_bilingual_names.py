"""Cohort names and deliverable guidance in two languages (issue 14): shown in the reader's language, else
in the other one; the migration that split them keeps every existing text and the cohort's CSV code."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, refresh
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.programmes.models import Cohort, split_by_language
from tests.lms import test_migrations

BEFORE, MIGRATION = "8a0f1c2d3e4f", "9b0f1c2d3e4f"


def test_a_single_name_goes_under_its_language():
    assert split_by_language(" 2026년 2기 / Autumn ") == ("2026년 2기 / Autumn", "")
    assert split_by_language("2026 Autumn") == ("", "2026 Autumn")
    assert split_by_language("") == ("", "")


@pytest.mark.parametrize(
    "ko, en, reader, shown, beside",
    [
        ("2026년 2기", "2026 Autumn", "ko", "2026년 2기", "2026 Autumn"),
        ("2026년 2기", "2026 Autumn", "en", "2026 Autumn", "2026년 2기"),
        ("2026년 2기", "", "en", "2026년 2기", ""),  # only Korean: English readers see it
        ("", "2026 Autumn", "ko", "2026 Autumn", ""),  # only English: Korean readers see it
    ],
)
def test_cohort_name_is_shown_in_the_readers_language_else_the_other(app, ko, en, reader, shown, beside):
    cohort = Cohort(code="2026-2", name_ko=ko, name_en=en)
    with app.test_request_context(headers={"Accept-Language": reader}):
        assert cohort.name == shown
        assert cohort.other_name == beside


def test_deliverable_guidance_falls_back_to_the_other_language(app):
    from projects.coursework.models import Deliverable

    only_korean = Deliverable(name_ko="영상", guidance_ko="3분 이내로 만드세요.", guidance_en="")
    both = Deliverable(name_ko="영상", guidance_ko="3분 이내로 만드세요.", guidance_en="Three minutes.")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert only_korean.guidance == "3분 이내로 만드세요."
        assert both.guidance == "Three minutes."
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        refresh()  # Flask-Babel keeps the first locale for the app context the fixture holds
        assert both.guidance == "3분 이내로 만드세요."


def test_admin_names_a_cohort_in_both_languages_and_readers_see_their_own(make_user, login, make_cohort, db):
    admin = make_user("admin")
    client = login(admin)
    cohort = make_cohort(code="2026-2")
    data = {"code": "2026-2", "name_ko": "2026년 2기", "name_en": "2026 Autumn"}
    data |= {"start_date": "2026-09-07", "end_date": "2027-02-26"}
    assert client.post(f"/admin/cohorts/{cohort.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert (cohort.code, cohort.name_ko, cohort.name_en) == ("2026-2", "2026년 2기", "2026 Autumn")
    english = client.get(f"/cohorts/{cohort.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2026 Autumn" in english
    # Neither name: refused with a sentence, nothing changes.
    empty = client.post(
        f"/admin/cohorts/{cohort.id}/edit",
        data=data | {"name_ko": " ", "name_en": ""},
        headers={"Accept-Language": "en"},
    )
    assert empty.status_code == 200
    assert "Give the cohort a name in at least one language." in empty.get_data(as_text=True)
    db.session.expire_all()
    assert cohort.name_en == "2026 Autumn"


def test_api_keeps_name_and_adds_both_languages(make_user, make_cohort, token_for, client):
    admin = make_user("admin")
    cohort = make_cohort(code="2026-2", name="2026 Autumn")
    headers = token_for(admin) | {"Accept-Language": "ko"}
    answer = client.get(f"/api/v1/cohorts/{cohort.id}", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["code"] == "2026-2"
    assert (body["name"], body["name_ko"], body["name_en"]) == ("2026 Autumn", "", "2026 Autumn")


def test_csv_import_still_finds_the_cohort_by_its_code_or_a_name(make_user, make_cohort, db):
    from lms.users.services import import_trainees

    cohort = make_cohort(code="2026-2", name_ko="2026년 2기", name_en="2026 Autumn")
    code = cohort.programme.code
    rows = [
        "name,email,programme,cohort",
        f"Lan,lan@example.org,{code},2026-2",
        f"Minji,minji@example.org,{code},2026년 2기",
        f"Ana,ana@example.org,{code},2026 autumn",
    ]
    result = import_trainees("\n".join(rows).encode(), None)
    assert result.ok, result.errors
    db.session.commit()
    assert sorted(e.user.email for e in cohort.enrolments) == [
        "ana@example.org",
        "lan@example.org",
        "minji@example.org",
    ]


# --- the migration ---


#: The test app with its tables dropped, so migrations start from nothing.
empty_app = test_migrations.empty_app


def _insert(conn, table: str, **given) -> int:
    """Insert a row, filling every other required column with a plain value of its type; return its id."""
    columns = inspect(conn).get_columns(table)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    values = dict(given)
    for col in columns:
        name, kind = col["name"], col["type"]
        if name in values or name == "id" or col["nullable"] or col.get("default") is not None:
            continue
        if isinstance(kind, sa.Boolean):
            values[name] = False
        elif isinstance(kind, (sa.Integer, sa.Numeric, sa.Float)):
            values[name] = 0
        elif isinstance(kind, sa.DateTime):
            values[name] = now
        elif isinstance(kind, sa.Date):
            values[name] = date(2026, 9, 1)
        elif isinstance(kind, sa.JSON):
            values[name] = {}
        else:
            values[name] = "x"
    t = sa.Table(table, sa.MetaData(), autoload_with=conn)
    return conn.execute(t.insert().values(values)).inserted_primary_key[0]


def test_migration_keeps_cohort_names_codes_and_guidance(empty_app, db):
    upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        user = _insert(conn, "users", email="i@example.org", name="Instructor", role="instructor")
        programme = _insert(conn, "programmes", code="AIVIDEO", name_ko="AI 영상", name_en="AI video")
        term = {"programme_id": programme, "start_date": date(2026, 9, 1), "end_date": date(2027, 2, 1)}
        korean = _insert(conn, "cohorts", code="2026-2", name="2026년 2기 / 2026 Autumn", **term)
        english = _insert(conn, "cohorts", code="2027-1", name="2027 Spring", **term)
        project = _insert(
            conn, "projects_projects", cohort_id=korean, created_by_id=user, title_ko="홍보", status="draft"
        )
        spoken = {"project_id": project, "kind": "video", "spec": {}, "name_ko": "영상"}
        guided_ko = _insert(conn, "projects_deliverables", guidance="3분 이내로 만드세요.", **spoken)
        guided_en = _insert(conn, "projects_deliverables", guidance="Three minutes at most.", **spoken)
        unguided = _insert(conn, "projects_deliverables", guidance="", **spoken)

    upgrade(revision=MIGRATION)
    with db.engine.connect() as conn:
        cohorts = conn.execute(text("SELECT id, code, name_ko, name_en FROM cohorts ORDER BY id")).fetchall()
        guidance = dict(
            (row[0], (row[1], row[2]))
            for row in conn.execute(text("SELECT id, guidance_ko, guidance_en FROM projects_deliverables"))
        )
    assert [tuple(r) for r in cohorts] == [
        (korean, "2026-2", "2026년 2기 / 2026 Autumn", ""),
        (english, "2027-1", "", "2027 Spring"),
    ]
    assert guidance == {
        guided_ko: ("3분 이내로 만드세요.", ""),
        guided_en: ("", "Three minutes at most."),
        unguided: ("", ""),
    }
    assert "name" not in {c["name"] for c in inspect(db.engine).get_columns("cohorts")}

    # Readers of either language still see the old name, as before the migration.
    db.session.remove()
    cohort = db.session.get(Cohort, english)
    # (A Korean reader without a request: on this old schema a request would look for tables of later
    # migrations, such as the offered languages.)
    with empty_app.app_context(), force_locale("ko"):
        assert cohort.name == "2027 Spring"
    # The read left a transaction open: on PostgreSQL the downgrade's ALTER TABLE would wait for it for ever.
    db.session.remove()

    downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        names = conn.execute(text("SELECT code, name FROM cohorts ORDER BY id")).fetchall()
        old = conn.execute(text("SELECT guidance FROM projects_deliverables ORDER BY id")).scalars().all()
    assert [tuple(r) for r in names] == [("2026-2", "2026년 2기 / 2026 Autumn"), ("2027-1", "2027 Spring")]
    assert old == ["3분 이내로 만드세요.", "Three minutes at most.", ""]


def test_deliverable_guidance_in_both_languages_on_the_page_and_in_the_api(
    make_project, course, token_for, login, client
):
    film = {"name_en": "Final cut", "kind": "video", "guidance_ko": "3분 이내로 만드세요.", "guidance_en": ""}
    project = make_project(deliverables=[film])
    headers = token_for(course["instructor"]) | {"Accept-Language": "en"}
    body = client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()
    deliverable = body["deliverables"][0]
    assert deliverable["guidance_ko"] == "3분 이내로 만드세요." and deliverable["guidance_en"] == ""
    assert deliverable["guidance"] == "3분 이내로 만드세요."  # older clients: reader's or the other
    login(course["trainees"][0])
    page = client.get(f"/projects/{project.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "3분 이내로 만드세요." in page  # an English reader sees the only guidance there is
