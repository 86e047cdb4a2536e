"""Programme and cohort screens and who may see them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.programmes.models import Cohort, EnrolmentStatus, Programme


def test_admin_creates_programme_and_cohort(make_user, login, db):
    client = login(make_user("admin"))
    r = client.post(
        "/admin/programmes/new",
        data={"code": "aivideo", "name_ko": "AI 기반 영상 제작", "name_en": "AI-based video production"},
    )
    assert r.status_code == 302
    programme = db.session.scalar(select(Programme))
    assert programme.code == "AIVIDEO"
    r = client.post(
        f"/admin/programmes/{programme.id}/cohorts/new",
        data={"code": "2026-2", "name_en": "Autumn", "start_date": "2026-09-07", "end_date": "2027-02-26"},
    )
    assert r.status_code == 302
    assert db.session.scalar(select(Cohort.code)) == "2026-2"


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"code": "2026-2", "name_en": "Again", "start_date": "2026-09-01", "end_date": "2027-01-01"},
            "This code is already used.",
        ),
        (
            {"code": "2026-3", "name_en": "Back", "start_date": "2026-09-01", "end_date": "2026-08-01"},
            "The end date must not be before the start date.",
        ),
        (
            {"code": "bad code!", "name_en": "X", "start_date": "2026-09-01", "end_date": "2026-10-01"},
            "Letters, digits",
        ),
    ],
)
def test_bad_cohort_input_is_explained(make_user, login, make_cohort, db, data, message):
    client = login(make_user("admin", locale="en"))
    cohort = make_cohort(code="2026-2")
    r = client.post(f"/admin/programmes/{cohort.programme_id}/cohorts/new", data=data)
    assert r.status_code == 200 and message in r.get_data(as_text=True)
    assert len(db.session.scalars(select(Cohort)).all()) == 1


def test_assign_enrol_and_withdraw(make_user, login, make_cohort, db):
    client = login(make_user("admin"))
    teacher, trainee = make_user("instructor"), make_user("trainee")
    cohort = make_cohort()
    assert (
        client.post(
            f"/admin/cohorts/{cohort.id}/instructor", data={"instructor-user_id": teacher.id}
        ).status_code
        == 302
    )
    assert (
        client.post(f"/admin/cohorts/{cohort.id}/trainee", data={"trainee-user_id": trainee.id}).status_code
        == 302
    )
    db.session.refresh(cohort)
    assert cohort.instructors == [teacher] and [e.user_id for e in cohort.enrolments] == [trainee.id]
    enrolment = cohort.enrolments[0]
    assert client.post(f"/admin/cohorts/{cohort.id}/enrolments/{enrolment.id}/withdraw").status_code == 302
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.WITHDRAWN


def test_trainee_cannot_be_assigned_as_instructor(make_user, login, make_cohort, db):
    client = login(make_user("admin"))
    trainee = make_user("trainee")
    cohort = make_cohort()
    client.post(f"/admin/cohorts/{cohort.id}/instructor", data={"instructor-user_id": trainee.id})
    db.session.refresh(cohort)
    assert cohort.instructors == []


def test_enrolment_under_the_wrong_cohort_is_404(make_user, login, make_cohort):
    client = login(make_user("admin"))
    trainee = make_user("trainee")
    mine, other = make_cohort(trainees=[trainee]), make_cohort()
    enrolment_id = mine.enrolments[0].id
    assert client.post(f"/admin/cohorts/{other.id}/enrolments/{enrolment_id}/withdraw").status_code == 404


def test_cohort_visibility(make_user, login, make_cohort, app):
    teacher, other_teacher = make_user("instructor"), make_user("instructor")
    cohort = make_cohort(instructors=[teacher])
    path = f"/cohorts/{cohort.id}"
    for user, status in [
        (teacher, 200),
        (other_teacher, 404),
        (make_user("liaison"), 200),
        (make_user("admin"), 200),
        (make_user("trainee"), 403),
        (make_user("employer"), 403),
    ]:
        assert login(user, c=app.test_client()).get(path).status_code == status, user.role


@pytest.mark.parametrize("role", ["admin", "instructor", "trainee", "liaison", "employer"])
def test_every_role_has_a_dashboard_with_real_data(make_user, login, make_cohort, role, app, db):
    user = make_user(role)
    if role == "employer" and "projects" in app.extensions:
        # With the projects plugin an employer works only once the liaison approved the company.
        from projects.careers.models import Employer, EmployerStatus

        db.session.add(Employer(user_id=user.id, company="Test Co", status=EmployerStatus.APPROVED))
        db.session.commit()
    trainee, teacher = make_user("trainee"), make_user("instructor")
    cohort = make_cohort(
        instructors=[user if role == "instructor" else teacher],
        trainees=[user if role == "trainee" else trainee],
        name="Autumn Forty-Two",
    )
    body = login(user).get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    if role == "employer":
        assert cohort.programme.name_en in body and "Autumn Forty-Two" not in body  # aggregates only
    elif role == "liaison":
        assert "Programmes" in body
    else:
        assert "Autumn Forty-Two" in body
