"""Programme and cohort screens: admins manage, assigned instructors and liaisons read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from lms.errors import flash_error
from lms.extensions import db
from lms.forms import ActionForm
from lms.pagination import paginate
from lms.programmes import services
from lms.programmes.forms import CohortForm, PersonForm, ProgrammeForm
from lms.programmes.loaders import get_cohort_or_404, get_programme_or_404
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus, Programme
from lms.security import role_required
from lms.users.models import Role, User

bp = Blueprint("programmes", __name__)

READERS = (Role.ADMIN, Role.LIAISON, Role.INSTRUCTOR)


@bp.route("/programmes")
@role_required(*READERS)
def list_programmes():
    """The programmes (a handful), then their cohorts a page at a time, newest first (one programme's with
    ``?programme_id=``)."""
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    counts = dict(
        db.session.execute(select(Cohort.programme_id, func.count()).group_by(Cohort.programme_id)).all()
    )
    wanted = request.args.get("programme_id", type=int)
    stmt = (
        select(Cohort)
        .options(joinedload(Cohort.programme))
        .order_by(Cohort.start_date.desc(), Cohort.id.desc())
    )
    if wanted:
        stmt = stmt.where(Cohort.programme_id == wanted)
    page = paginate(stmt)
    taught = (
        set(
            db.session.scalars(
                select(CohortInstructor.cohort_id).where(CohortInstructor.user_id == current_user.id)
            )
        )
        if current_user.role is Role.INSTRUCTOR
        else None
    )
    return render_template(
        "lms/programmes/list.html",
        programmes=programmes,
        counts=counts,
        page=page,
        sizes=services.cohort_sizes([c.id for c in page.items]),
        taught=taught,
        wanted=wanted,
    )


@bp.route("/admin/programmes/new", methods=["GET", "POST"])
@bp.route("/admin/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_programme(programme_id: int | None = None):
    programme = get_programme_or_404(programme_id, current_user) if programme_id else None
    form = ProgrammeForm(obj=programme)
    if programme:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        fields = {
            k: getattr(form, k).data for k in ("name_ko", "name_en", "description_ko", "description_en")
        }
        try:
            if programme:
                services.update_programme(programme, **fields)
            else:
                programme = services.create_programme(code=form.code.data, **fields)
        except services.ProgrammeError as exc:
            flash_error(exc)
        else:
            flash(_("The programme is saved."), "success")
            return redirect(url_for("programmes.list_programmes"))
    return render_template("lms/programmes/edit.html", form=form, programme=programme)


@bp.route("/admin/programmes/<int:programme_id>/cohorts/new", methods=["GET", "POST"])
@bp.route("/admin/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_cohort(programme_id: int | None = None, cohort_id: int | None = None):
    cohort = get_cohort_or_404(cohort_id, current_user) if cohort_id else None
    programme = cohort.programme if cohort else get_programme_or_404(programme_id, current_user)
    form = CohortForm(obj=cohort)
    if cohort:
        form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        dates = dict(
            name_ko=form.name_ko.data,
            name_en=form.name_en.data,
            start_date=form.start_date.data,
            end_date=form.end_date.data,
        )
        try:
            if cohort:
                services.update_cohort(cohort, **dates)
            else:
                cohort = services.create_cohort(programme, code=form.code.data, **dates)
        except services.ProgrammeError as exc:
            flash_error(exc)
        else:
            flash(_("The cohort is saved."), "success")
            return redirect(url_for("programmes.cohort", cohort_id=cohort.id))
    return render_template("lms/programmes/cohort_edit.html", form=form, programme=programme, cohort=cohort)


@bp.route("/cohorts/<int:cohort_id>")
@role_required(*READERS)
def cohort(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolments = paginate(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user))
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    forms, find = {}, request.args.get("find", "")[:100]
    if current_user.role is Role.ADMIN:
        forms = {"instructor": PersonForm(prefix="instructor"), "trainee": PersonForm(prefix="trainee")}
        forms["instructor"].user_id.choices = _people(Role.INSTRUCTOR, cohort.id, find)
        forms["trainee"].user_id.choices = _people(Role.TRAINEE, cohort.id, find)
    return render_template(
        "lms/programmes/cohort.html",
        cohort=cohort,
        enrolments=enrolments,
        forms=forms,
        action=ActionForm(),
        find=find,
        people_limit=PEOPLE_LIMIT,
    )


#: At most this many people in a picker; past it, the admin narrows the list with a search (50,000 trainees
#: made a 4 MB page with a select nobody could scroll).
PEOPLE_LIMIT = 200


def _people(
    role: Role, cohort_id: int | None, find: str = "", only: int | None = None
) -> list[tuple[int, str]]:
    """Active users of *role* not yet in the cohort (matching *find*), or just user *only* when a form is
    posted."""
    stmt = select(User.id, User.name, User.email).where(User.role == role, User.active.is_(True))
    if only is not None:
        stmt = stmt.where(User.id == only)
    if cohort_id is not None:
        taken = (
            select(CohortInstructor.user_id).where(CohortInstructor.cohort_id == cohort_id)
            if role is Role.INSTRUCTOR
            else select(Enrolment.user_id).where(
                Enrolment.cohort_id == cohort_id, Enrolment.status != EnrolmentStatus.WITHDRAWN
            )
        )
        stmt = stmt.where(User.id.not_in(taken))
    if find.strip():
        like = f"%{find.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    rows = db.session.execute(stmt.order_by(User.name, User.id).limit(PEOPLE_LIMIT)).all()
    return [(uid, f"{name} <{email}>") for uid, name, email in rows]


@bp.route("/admin/cohorts/<int:cohort_id>/<any(instructor, trainee):kind>", methods=["POST"])
@role_required(Role.ADMIN)
def add_person(cohort_id: int, kind: str):
    cohort = get_cohort_or_404(cohort_id, current_user)
    form = PersonForm(prefix=kind)
    form.user_id.choices = _people(
        Role.INSTRUCTOR if kind == "instructor" else Role.TRAINEE,
        None,
        only=request.form.get(f"{kind}-user_id", type=int) or 0,
    )
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            (services.assign_instructor if kind == "instructor" else services.enrol_trainee)(cohort, user)
        except services.ProgrammeError as exc:
            flash_error(exc)
        else:
            flash(_("%(name)s is added to the cohort.", name=user.name), "success")
    return redirect(url_for("programmes.cohort", cohort_id=cohort.id))


@bp.route("/admin/cohorts/<int:cohort_id>/instructors/<int:user_id>/remove", methods=["POST"])
@role_required(Role.ADMIN)
def remove_instructor(cohort_id: int, user_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    user = db.session.get(User, user_id) or abort(404)
    if ActionForm().validate_on_submit():
        services.unassign_instructor(cohort, user)
        flash(_("%(name)s no longer teaches this cohort.", name=user.name), "success")
    return redirect(url_for("programmes.cohort", cohort_id=cohort.id))


@bp.route("/admin/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/withdraw", methods=["POST"])
@role_required(Role.ADMIN)
def withdraw(cohort_id: int, enrolment_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        abort(404)
    if ActionForm().validate_on_submit():
        services.withdraw_enrolment(enrolment)
        flash(_("%(name)s is withdrawn from the cohort.", name=enrolment.user.name), "success")
    return redirect(url_for("programmes.cohort", cohort_id=cohort.id))
