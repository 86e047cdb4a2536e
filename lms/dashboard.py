"""Home page, per-role dashboards, the language switcher and the health check.

Plugins add dashboard panels and navigation links through
:data:`lms.signals.dashboard_panels` and :data:`lms.signals.nav_items`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload

from lms import signals
from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor, Enrolment, EnrolmentStatus, Programme
from lms.programmes.services import cohort_sizes, cohorts_taught_by
from lms.users.models import Role, User

bp = Blueprint("core", __name__)

CORE_NAV = {
    Role.ADMIN: [
        (_l("Users"), "users.admin_users"),
        (_l("Programmes"), "programmes.list_programmes"),
        (_l("Import trainees"), "users.admin_import"),
        (_l("Outbox"), "users.admin_outbox"),
        (_l("Languages and wording"), "wording.languages"),
    ],
    Role.LIAISON: [(_l("Programmes"), "programmes.list_programmes")],
    Role.INSTRUCTOR: [(_l("Programmes"), "programmes.list_programmes")],
}


def navigation() -> list[signals.NavItem]:
    """The links for the current user: the core's, then the plugins', by order."""
    items = [signals.NavItem(_l("Dashboard"), "core.dashboard", order=0)]
    if current_user.is_authenticated:
        items += [
            signals.NavItem(label, ep, order=10 + i)
            for i, (label, ep) in enumerate(CORE_NAV.get(current_user.role, []))
        ]
        items += signals.values_from_signal(signals.nav_items.send(current_user._get_current_object()))
    return sorted(items, key=lambda i: i.order)


@bp.app_context_processor
def _nav():
    return {"navigation": navigation}


@bp.route("/")
def index():
    return redirect(url_for("core.dashboard" if current_user.is_authenticated else "auth.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    user = current_user._get_current_object()
    data = ROLE_DATA[user.role](user)
    panels = sorted(signals.values_from_signal(signals.dashboard_panels.send(user)), key=lambda p: p.order)
    return render_template(f"lms/dashboard/{user.role.value}.html", panels=panels, **data)


def _admin_data(user: User) -> dict:
    by_role = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    pending = db.session.scalars(
        select(User)
        .where(User.password_hash.is_(None), User.active.is_(True))
        .order_by(User.created_at.desc())
        .limit(10)
    ).all()
    recent = db.session.scalars(
        select(User).where(User.last_login_at.is_not(None)).order_by(User.last_login_at.desc()).limit(8)
    ).all()
    return {
        "by_role": by_role,
        "pending": pending,
        "recent": recent,
        "roles": list(Role),
        **_programme_overview(),
    }


#: Cohorts an overview shows; the programmes page lists them all, a page at a time.
OVERVIEW_COHORTS = 20


def _programme_overview() -> dict:
    today = date.today()
    programmes = db.session.scalars(select(Programme).order_by(Programme.code)).all()
    # Running and upcoming cohorts first, then those that ended; a national centre has thousands.
    cohorts = db.session.scalars(
        select(Cohort)
        .options(joinedload(Cohort.programme))
        .order_by(Cohort.end_date < today, Cohort.start_date, Cohort.id)
        .limit(OVERVIEW_COHORTS)
    ).all()
    return {
        "programmes": programmes,
        "cohorts": cohorts,
        "sizes": cohort_sizes([c.id for c in cohorts]),
        "cohort_count": db.session.scalar(select(func.count(Cohort.id))),
        "today": today,
    }


def _instructor_data(user: User) -> dict:
    cohorts = cohorts_taught_by(user)
    return {"cohorts": cohorts, "sizes": cohort_sizes([c.id for c in cohorts]), "today": date.today()}


def _trainee_data(user: User) -> dict:
    enrolments = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id).join(Cohort).order_by(Cohort.start_date.desc())
    ).all()
    return {
        "enrolments": enrolments,
        "today": date.today(),
        "profile_missing": user.korean_test is None or user.nationality is None,
    }


def _liaison_data(user: User) -> dict:
    soon = date.today() + timedelta(days=90)
    employers = db.session.scalar(select(func.count()).where(User.role == Role.EMPLOYER)) or 0
    data = _programme_overview()
    graduating = db.session.scalars(
        select(Cohort)
        .options(joinedload(Cohort.programme))
        .where(Cohort.end_date.between(date.today(), soon))
        .order_by(Cohort.end_date, Cohort.id)
        .limit(OVERVIEW_COHORTS)
    ).all()
    data.update(
        employers=employers,
        graduating=graduating,
        sizes={**data["sizes"], **cohort_sizes([c.id for c in graduating])},
    )
    return data


def _employer_data(user: User) -> dict:
    # Employers see only aggregate figures here; trainees' details stay private.
    rows = db.session.execute(
        select(Programme, func.count(Enrolment.id))
        .join(Cohort, Cohort.programme_id == Programme.id, isouter=True)
        .join(
            Enrolment,
            (Enrolment.cohort_id == Cohort.id) & (Enrolment.status != EnrolmentStatus.WITHDRAWN),
            isouter=True,
        )
        .where(Programme.active.is_(True))
        .group_by(Programme.id)
        .order_by(Programme.code)
    ).all()
    return {"programme_counts": rows}


ROLE_DATA = {
    Role.ADMIN: _admin_data,
    Role.INSTRUCTOR: _instructor_data,
    Role.TRAINEE: _trainee_data,
    Role.LIAISON: _liaison_data,
    Role.EMPLOYER: _employer_data,
}


@bp.route("/language")
@login_required
def choose_language():
    """Every offered language in its own name, as big buttons (the same list every page shows at its top
    after a first sign-in, until the person chooses)."""
    from lms.forms import ActionForm

    session.pop("choose_language", None)
    return render_template("lms/choose_language.html", form=ActionForm(), next=request.args.get("next", ""))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language (kept on the account when signed in)."""
    from lms.forms import ActionForm
    from lms.i18n import offered_languages

    lang = request.form.get("lang")
    if ActionForm().validate_on_submit() and lang in offered_languages():
        session["locale"] = lang
        session.pop("choose_language", None)
        if current_user.is_authenticated:
            current_user.locale = lang
    target = request.form.get("next", "")
    from lms.auth.views import _safe_next

    return redirect(_safe_next(target) or url_for("core.index"))


@bp.route("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


# Instructors' cohort links need CohortInstructor imported for the mapper configuration.
__all__ = ["bp", "CohortInstructor"]
