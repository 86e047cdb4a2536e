"""The trainee CSV import lists every problem of every row in one pass, and imports nothing while any row has
a problem (issue 14: a row with two problems used to show one)."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.users.models import Role, User
from lms.users.services import import_trainees


def _csv(programme: str) -> str:
    return (
        "name,email,programme,cohort,language\n"
        f"Good Person,good@example.org,{programme},2026-2,en\n"  # line 2: fine
        f"Bad Row,not-an-address,{programme},2099-9,fr\n"  # line 3: bad e-mail, unknown cohort, bad language
        ",staff@example.org,NOPROG,2026-2,\n"  # line 4: no name, unknown programme, a staff address
    )


def test_every_problem_of_every_row_is_listed_and_nothing_is_imported(make_user, make_cohort, db):
    make_user("instructor", email="staff@example.org")
    cohort = make_cohort(code="2026-2")
    users_before = db.session.scalar(select(func.count()).select_from(User))

    result = import_trainees(_csv(cohort.programme.code).encode(), None)

    assert not result.ok
    assert [(e.line, e.code) for e in result.errors] == [
        (3, "bad_email"),
        (3, "bad_language"),
        (3, "unknown_cohort"),
        (4, "missing_value"),
        (4, "unknown_programme"),
        (4, "email_not_trainee"),
    ]
    assert result.created == [] and result.enrolled == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before  # all or nothing
    assert cohort.enrolments == []


def test_the_import_page_shows_each_lines_problems_together(make_user, login, make_cohort, db, outbox):
    make_user("instructor", email="staff@example.org")
    cohort = make_cohort(code="2026-2")
    client = login(make_user("admin"))
    r = client.post(
        "/admin/import",
        data={"file": (io.BytesIO(_csv(cohort.programme.code).encode()), "t.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Nothing was imported." in page
    for sentence in (
        "“not-an-address” is not a valid e-mail address.",
        "The programme has no cohort “2099-9”.",
        "Language “fr” is not offered here.",
        "“name” is empty.",
        "There is no programme “NOPROG”.",
        "staff@example.org belongs to an account that is not a trainee.",
    ):
        assert sentence in page, sentence
    # One table row per line of the file, its problems listed inside it.
    assert page.count("<tr><td>3</td>") == 1 and page.count("<tr><td>4</td>") == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 0
    assert outbox() == []
