"""Employer screens: sign-up and status, the liaison's review, search, interests, the board and placement.

Every route loads its objects through a ``get_*_or_404`` helper of :mod:`projects.careers.loaders` (shared
with the API) that also checks the user may see them.
Employers the liaison has not approved (yet, or any more) are held on their status page: see :func:`_hold`.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.models import LoginFailure
from lms.db import utcnow
from lms.errors import flash_error
from lms.extensions import db
from lms.programmes.models import Cohort, Programme
from lms.security import client_ip, role_required
from lms.spreadsheets import csv_text
from lms.users.models import Role, User
from projects.careers import interests as career_interests
from projects.careers import placement as career_placement
from projects.careers import search as career_search
from projects.careers import services as careers
from projects.careers.forms import DecisionForm, EmployerSignupForm, InterestForm, SearchForm, StepForm
from projects.careers.loaders import get_employer_or_404, get_interest_or_404, get_searchable_trainee_or_404
from projects.careers.models import EmployerStatus
from projects.careers.services import CareersError
from projects.portfolios.models import Portfolio

bp = Blueprint("careers", __name__, url_prefix="/careers")

#: What an employer the liaison has not approved may still open (besides static files): signing in and
#: out, the language switch, notifications, their own account and this blueprint (which checks itself).
HELD_BLUEPRINTS = {"auth", "core", "notifications", "careers", "api-docs"}
HELD_ENDPOINTS = {
    "users.profile",
    "users.end_other_sessions",
    "users.personal_data",
    # Public pages (anyone with the link may open them, so may a held employer).
    "portfolios.shared",
    "portfolios.shared_rendition",
    "completions.verify",
    "completions.verify_json",
    "completions.signing_keys",
}
#: Sign-ups accepted from one address per hour (the form is public).
SIGNUPS_PER_HOUR = 5


@bp.app_template_global()
def region_label(code: str | None) -> str:
    return careers.region_label(code)


@bp.app_template_global()
def format_business_number(number: str) -> str:
    return careers.format_business_number(number)


def held_may_open(endpoint: str | None) -> bool:
    """Whether an employer awaiting (or refused) approval may open *endpoint* (a page, not the API)."""
    if not endpoint:
        return True
    return (
        endpoint == "static"
        or endpoint.endswith(".static")
        or endpoint.split(".")[0] in HELD_BLUEPRINTS
        or endpoint in HELD_ENDPOINTS
    )


@bp.before_app_request
def _hold():
    """A pending, rejected or suspended employer sees only their status page (and their account)."""
    if (
        request.method == "OPTIONS"
        or not current_user.is_authenticated
        or current_user.role is not Role.EMPLOYER
        or careers.is_approved_employer(current_user)
    ):
        return None
    if request.endpoint in ("core.dashboard", "core.index"):
        return redirect(url_for("careers.status"))
    if not held_may_open(request.endpoint):
        abort(403)
    return None


def _region_choices(blank: str, codes=None) -> list[tuple[str, str]]:
    return [("", blank)] + [(code, careers.region_label(code)) for code in (codes or careers.regions())]


def _signups_from(ip: str) -> int:
    """Sign-ups from *ip* in the last hour."""
    since = utcnow() - timedelta(hours=1)
    return (
        db.session.scalar(
            select(func.count(LoginFailure.id)).where(
                LoginFailure.key == f"signup:{ip}", LoginFailure.created_at >= since
            )
        )
        or 0
    )


@bp.route("/employers/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = EmployerSignupForm()
    form.region.choices = _region_choices(_("Choose…"), careers.company_regions())
    if form.validate_on_submit():
        if _signups_from(client_ip()) >= SIGNUPS_PER_HOUR:
            flash(_("Too many sign-ups from this address. Try again in an hour."), "error")
            return render_template("projects/careers/signup.html", form=form), 429
        fields = {name: getattr(form, name).data or "" for name in careers.EMPLOYER_FIELDS if name in form}
        try:
            careers.register_employer(
                email=form.email.data,
                password=form.password.data,
                contact_name=form.contact_name.data,
                locale=str(get_locale() or "") or None,
                **fields,
            )
        except CareersError as exc:
            flash_error(exc)
        else:
            # Counted like a login failure so the core's table and clean-up serve both.
            db.session.add(LoginFailure(key=f"signup:{client_ip()}", created_at=utcnow()))
            return redirect(url_for("careers.signup_done"))
    return render_template("projects/careers/signup.html", form=form)


@bp.route("/employers/signup/done")
def signup_done():
    return render_template("projects/careers/signup_done.html")


@bp.route("/status")
@role_required(Role.EMPLOYER)
def status():
    return render_template(
        "projects/careers/status.html",
        employer=careers.employer_of(current_user),
        approved=careers.is_approved_employer(current_user),
    )


@bp.route("/employers")
@role_required(Role.LIAISON, Role.ADMIN)
def employers():
    wanted = request.args.get("status", "pending")
    status = next((s for s in EmployerStatus if s.value == wanted), None)
    return render_template(
        "projects/careers/employers.html",
        employers=careers.employers_by_status(status),
        status=status,
        statuses=list(EmployerStatus),
    )


@bp.route("/employers/<int:employer_id>")
@role_required(Role.LIAISON, Role.ADMIN)
def employer(employer_id: int):
    employer = get_employer_or_404(employer_id, current_user)
    return render_template(
        "projects/careers/employer.html",
        employer=employer,
        form=DecisionForm(),
        interests=[i for i in career_interests.interests_for(current_user) if i.employer_id == employer.id],
    )


def _employer_page(employer, form) -> str:
    """The employer's page again after a refused decision, with the reason the liaison typed."""
    return render_template("projects/careers/employer.html", employer=employer, form=form, interests=[])


@bp.route("/employers/<int:employer_id>/decision", methods=["POST"])
@role_required(Role.LIAISON, Role.ADMIN)
def decide(employer_id: int):
    employer = get_employer_or_404(employer_id, current_user)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose a decision."), "error")
        return _employer_page(employer, form), 400
    try:
        careers.decide_employer(employer, EmployerStatus(form.decision.data), current_user, form.reason.data)
    except CareersError as exc:
        flash_error(exc)
        return _employer_page(employer, form), 422
    flash(_("The decision is recorded and the employer notified."), "success")
    return redirect(url_for("careers.employer", employer_id=employer.id))


def _search_form() -> SearchForm:
    """The search form with its choices: programmes, cohorts, competencies shown, Korean levels, regions."""
    form = SearchForm(request.args)
    programmes = db.session.scalars(
        select(Programme).where(Programme.active.is_(True)).order_by(Programme.code)
    )
    form.programme.choices = [(0, _("Any"))] + [(p.id, p.name) for p in programmes]
    cohorts = db.session.scalars(select(Cohort).join(Programme).order_by(Programme.code, Cohort.start_date))
    form.cohort.choices = [(0, _("Any"))] + [(c.id, f"{c.programme.code} {c.name}") for c in cohorts]
    english = str(get_locale() or "ko") == "en"
    form.competencies.choices = [
        (key, (en if english else ko) or ko or en or key)
        for key, ko, en in career_search.competency_choices()
    ]
    form.korean_level.choices = [(0, _("Any"))] + [(n, str(n)) for n in range(1, 7)]
    form.region.choices = _region_choices(_("Any"))
    return form


def filters_from(form: SearchForm) -> career_search.SearchFilters:
    data = form.data
    return career_search.SearchFilters(
        programme_id=data["programme"] or None,
        cohort_id=data["cohort"] or None,
        completed_from=data["completed_from"],
        completed_to=data["completed_to"],
        competencies=list(data["competencies"] or []),
        skills=[s for s in (data["skills"] or "").split(",") if s.strip()],
        min_korean_level=data["korean_level"] or None,
        korean_scale=data["korean_scale"] or "topik",
        region=data["region"] or None,
    )


@bp.route("/search")
@login_required
def search():
    if not careers.may_search(current_user):
        abort(403)
    form = _search_form()
    valid = form.validate() if request.args else True
    filters = filters_from(form) if valid else career_search.SearchFilters()
    page = career_search.search_trainees(
        current_user, filters, page=request.args.get("page", 1, type=int) or 1
    )
    args = {k: v for k, v in request.args.items(multi=False) if k != "page"}
    return render_template(
        "projects/careers/search.html",
        form=form,
        page=page,
        args=args,
        portfolio_url=portfolio_url,
        today=date.today(),
    )


def portfolio_url(trainee: User) -> str | None:
    """The portfolio page of *trainee* (the portfolio plugin's; it checks who may read it)."""
    from flask import current_app

    portfolio_id = db.session.scalar(select(Portfolio.id).where(Portfolio.owner_id == trainee.id))
    if portfolio_id is None or "portfolios.show" not in current_app.view_functions:
        return None
    return url_for("portfolios.show", portfolio_id=portfolio_id)


@bp.route("/trainees/<int:user_id>/interest", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def express_interest(user_id: int):
    if not careers.is_approved_employer(current_user):
        abort(403)
    trainee = get_searchable_trainee_or_404(user_id, current_user)
    form = InterestForm()
    if form.validate_on_submit():
        try:
            interest = career_interests.express_interest(
                current_user, trainee, form.role_title.data, form.message.data
            )
        except CareersError as exc:
            flash_error(exc)
        else:
            flash(
                _("Your interest is sent to the Chamber of Commerce, which passes it on to the trainee."),
                "success",
            )
            return redirect(url_for("careers.interest", interest_id=interest.id))
    return render_template(
        "projects/careers/express.html",
        form=form,
        trainee=trainee,
        display_name=careers.public_name(trainee.name),
        portfolio_url=portfolio_url(trainee),
    )


@bp.route("/interests")
@login_required
def interests():
    if not (current_user.role is Role.TRAINEE or careers.may_search(current_user)):
        abort(403)
    if careers.is_broker(current_user):
        return redirect(url_for("careers.board"))
    return render_template(
        "projects/careers/interests.html",
        public_name=careers.public_name,
        interests=career_interests.interests_for(current_user),
    )


@bp.route("/interests/<int:interest_id>")
@login_required
def interest(interest_id: int):
    interest = get_interest_or_404(interest_id, current_user)
    from lms.notifications.services import mark_read

    mark_read(current_user, request.path)
    kind = career_interests.actor_kind(current_user, interest)
    contact = interest.status in careers.CONTACT_SHARED or kind == "liaison"
    return render_template(
        "projects/careers/interest.html",
        interest=interest,
        kind=kind,
        contact=contact,
        actions=career_interests.actions_for(current_user, interest),
        form=StepForm(),
        history=career_interests.history_for(kind, interest),
        liaison_note=career_interests.liaison_note_for(kind, interest),
        # Shortened only for the employer before contact: the trainee herself and the liaison see it whole.
        trainee_name=interest.trainee.name
        if contact or kind == "trainee"
        else careers.public_name(interest.trainee.name),
        portfolio_url=portfolio_url(interest.trainee),
    )


@bp.route("/interests/<int:interest_id>/step", methods=["POST"])
@login_required
def move_interest(interest_id: int):
    interest = get_interest_or_404(interest_id, current_user)
    form = StepForm()
    if not form.validate_on_submit():
        flash(_("Choose a step."), "error")
        return redirect(url_for("careers.interest", interest_id=interest.id)), 303
    try:
        career_interests.move_interest(interest, form.action.data, current_user, form.note.data)
    except CareersError as exc:
        if exc.code == "not_allowed":
            abort(403)
        flash_error(exc)
        return redirect(url_for("careers.interest", interest_id=interest_id)), 303
    flash(_("Saved."), "success")
    return redirect(
        request.form.get("back") == "board"
        and careers.is_broker(current_user)
        and url_for("careers.board")
        or url_for("careers.interest", interest_id=interest.id)
    )


@bp.route("/board")
@role_required(Role.LIAISON, Role.ADMIN)
def board():
    return render_template(
        "projects/careers/board.html",
        columns=career_interests.board(),
        form=StepForm(),
        pending=len(careers.employers_by_status(EmployerStatus.PENDING)),
        actions_for=career_interests.actions_for,
    )


@bp.route("/placement")
@role_required(Role.LIAISON, Role.ADMIN)
def placement():
    per_cohort, per_programme = career_placement.placement_figures()
    return render_template(
        "projects/careers/placement.html",
        per_cohort=per_cohort,
        per_programme=per_programme,
        chart=career_placement.chart_geometry(per_cohort),
    )


@bp.route("/placement.csv")
@role_required(Role.LIAISON, Role.ADMIN)
def placement_csv():
    text = csv_text([career_placement.CSV_COLUMNS, *career_placement.placement_rows()])
    # A BOM because Excel on Korean Windows otherwise reads a CSV as CP949 and garbles Korean names; the
    # charset is given once (``mimetype=`` would have Flask append a second one).
    return Response(
        "\ufeff" + text,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=placement-{utcnow():%Y%m%d}.csv"},
    )


__all__ = ["bp"]
