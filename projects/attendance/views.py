"""Timetable and attendance screens: a person's week, a cohort's timetable, the roll call on a phone, the
rotating check-in code, excused absences, the rates report, and the administrators' rules and holidays.

The request edge commits; a refused change is undone by ``flash_error`` (or the edge's domain-error page).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.errors import DomainError, apply_change, flash_error
from lms.extensions import db
from lms.i18n import format_when
from lms.programmes.loaders import get_programme_or_404
from lms.security import client_ip, role_required, secret_url
from lms.users.models import Role, User
from projects.attendance import checkin, marks, rates, services
from projects.attendance.forms import (
    MARKS,
    CheckInForm,
    DecisionForm,
    ExcuseForm,
    HolidayForm,
    MarkForm,
    PatternForm,
    RulesForm,
    SessionForm,
)
from projects.attendance.loaders import (
    get_excuse_or_404,
    get_holiday_or_404,
    get_managed_cohort_or_404,
    get_managed_session_or_404,
)
from projects.attendance.models import ExcuseStatus, HolidayOverride
from projects.common import private
from projects.coursework.forms import error_text

bp = Blueprint("attendance", __name__, url_prefix="/attendance")


@bp.route("/")
@login_required
def index():
    """Today and this week, on a phone: a trainee's classes (and their rate), an instructor's to teach."""
    now = utcnow()
    start, end = services.week_of(now)
    week = services.sessions_for(current_user, start, end)
    today = services.local_day(now)
    mine = []
    if current_user.role is Role.TRAINEE:
        cohorts = {s.cohort_id: s.cohort for s in week} | {
            e.cohort_id: e.cohort for e in _enrolments(current_user)
        }
        mine = [st for c in cohorts.values() if (st := rates.standing_of(current_user, c, now))]
    return render_template(
        "projects/attendance/index.html",
        today_sessions=[s for s in week if s.day == today],
        week=week,
        today=today,
        now=now,
        standings=mine,
        open_ids={s.id for s in week if checkin.checkin_open(s, now)},
    )


def _enrolments(user: User):
    from sqlalchemy import select

    from lms.programmes.models import Enrolment, EnrolmentStatus

    stmt = select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    return db.session.scalars(stmt)


def _instructor_choices(form, cohort) -> None:
    form.instructor_id.choices = [(0, _("None"))] + [(u.id, u.name) for u in cohort.instructors]


@bp.route("/cohorts/<int:cohort_id>/timetable", methods=["GET", "POST"])
@login_required
def timetable(cohort_id: int):
    cohort = get_managed_cohort_or_404(cohort_id, current_user)
    form = PatternForm()
    _instructor_choices(form, cohort)
    if form.validate_on_submit():
        try:
            made, skipped = services.generate_sessions(
                cohort,
                weekdays=form.weekdays.data,
                starts=form.starts.data,
                ends=form.ends.data,
                first=form.first.data,
                last=form.last.data,
                room=form.room.data or "",
                topic=form.topic.data or "",
                instructor=db.session.get(User, form.instructor_id.data) if form.instructor_id.data else None,
                korean=form.korean.data,
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            _flash_made(len(made), len(skipped))
            return redirect(url_for("attendance.timetable", cohort_id=cohort.id))
    sessions = services.cohort_sessions(cohort.id)
    return render_template(
        "projects/attendance/timetable.html",
        cohort=cohort,
        form=form,
        sessions=sessions,
        hours=services.planned_hours(sessions),
        days_off=services.days_off(cohort.start_date, cohort.end_date),
    ), 400 if form.errors else 200


def _flash_made(made: int, skipped: int) -> None:
    from flask import flash
    from flask_babel import ngettext

    flash(ngettext("%(num)d session was made.", "%(num)d sessions were made.", made), "success")
    if skipped:
        flash(ngettext("%(num)d holiday was skipped.", "%(num)d holidays were skipped.", skipped), "info")


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    training = get_managed_session_or_404(session_id, current_user)
    form = SessionForm(obj=training)
    _instructor_choices(form, training.cohort)
    if request.method == "GET":
        local = training.starts_at.astimezone(services.zone()), training.ends_at.astimezone(services.zone())
        form.starts.data, form.ends.data = local[0].time(), local[1].time()
        form.instructor_id.data = training.instructor_id or 0
    if form.validate_on_submit():
        instructor = db.session.get(User, form.instructor_id.data) if form.instructor_id.data else None
        done = apply_change(
            lambda: services.update_session(
                training,
                day=form.day.data,
                starts=form.starts.data,
                ends=form.ends.data,
                room=form.room.data or "",
                topic=form.topic.data or "",
                instructor=instructor,
                korean=form.korean.data,
            ),
            _("The session is saved."),
        )
        if done:
            return redirect(url_for("attendance.timetable", cohort_id=training.cohort_id))
    return render_template(
        "projects/attendance/session.html",
        training=training,
        form=form,
        delete_form=DecisionForm(formdata=None),
    ), 400 if form.errors else 200


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def delete_session(session_id: int):
    training = get_managed_session_or_404(session_id, current_user)
    cohort_id = training.cohort_id
    if apply_change(lambda: services.delete_session(training), _("The session is deleted.")):
        return redirect(url_for("attendance.timetable", cohort_id=cohort_id))
    return redirect(url_for("attendance.edit_session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/roll", methods=["GET", "POST"])
@login_required
def roll(session_id: int):
    """The roll call: one tap per trainee (a small form each), with the time of the tap."""
    training = get_managed_session_or_404(session_id, current_user)
    form = MarkForm()
    if form.validate_on_submit():
        trainee = db.session.get(User, int(form.user_id.data)) if form.user_id.data.isdigit() else None
        if trainee is None:
            abort(404)
        if apply_change(
            lambda: marks.mark_trainee(
                training, trainee, form.mark.data, by=current_user, reason=form.reason.data or ""
            ),
            _("%(name)s: saved.", name=trainee.name),
        ):
            return redirect(url_for("attendance.roll", session_id=training.id) + f"#t{trainee.id}")
    elif request.method == "POST":
        flash_error_text(form)
    return _roll_page(training)


def flash_error_text(form) -> None:
    from flask import flash

    flash(error_text(form), "error")


def _roll_page(training):
    now = utcnow()
    return render_template(
        "projects/attendance/roll.html",
        training=training,
        trainees=services.trainees_of(training.cohort_id),
        records=marks.records_of(training),
        past=marks.is_past(training, now),
        corrections=marks.history(training),
        form=MarkForm(formdata=None),
        marks=MARKS,
    ), 400 if request.method == "POST" else 200


@bp.route("/sessions/<int:session_id>/code")
@login_required
def code(session_id: int):
    """The rotating code to show in the room, as text and QR code; the page reloads itself at each change."""
    training = get_managed_session_or_404(session_id, current_user)
    now = utcnow()
    is_open = checkin.checkin_open(training, now)
    live = checkin.code_at(training, now) if is_open else ""
    link = url_for("attendance.scan", session_id=training.id, code=live, _external=True) if live else ""
    response = private(
        render_template(
            "projects/attendance/code.html",
            training=training,
            code=live,
            qr=checkin.qr_svg(link, _("Check-in address")) if link else "",
            is_open=is_open,
            seconds=checkin.seconds_left(now),
        )
    )
    response.headers["Refresh"] = str(checkin.seconds_left(now) if is_open else 60)
    return response


@bp.route("/check-in", methods=["GET", "POST"])
@login_required
def check_in():
    """A trainee types the code on the screen, or arrives from its QR code (:func:`scan`) and confirms."""
    form = CheckInForm()
    if form.validate_on_submit():
        sid = session.get("sid") or ""
        try:
            record = checkin.check_in(current_user, form.code.data, browser_session=sid, ip=client_ip())
        except DomainError as exc:
            flash_error(exc)
        else:
            return render_template("projects/attendance/checked_in.html", record=record)
    return private(
        render_template("projects/attendance/check_in.html", form=form)
    ), 400 if form.errors else 200


@bp.route("/check-in/<int:session_id>/<code>")
@secret_url("code")
@login_required
def scan(session_id: int, code: str):
    """The QR code's address: the form filled in, never a check-in by itself (a GET changes nothing, and
    link scanners and previews follow links)."""
    form = CheckInForm(formdata=None, code=checkin.normalise_code(code))
    return private(render_template("projects/attendance/check_in.html", form=form))


@bp.route("/excuses", methods=["GET", "POST"])
@login_required
def excuses():
    """A trainee's requests (and the form for one); the requests of the cohorts a manager manages."""
    form = ExcuseForm()
    if current_user.role is Role.TRAINEE:
        now = utcnow()
        recent = services.sessions_for(current_user, now - timedelta(days=60), now + timedelta(days=30))
        form.session_id.choices = [
            (s.id, f"{format_when(s.starts_at)} {s.topic or s.cohort.name}") for s in recent
        ]
        if form.validate_on_submit():
            if _request_excuse(form, recent):
                return redirect(url_for("attendance.excuses"))
    elif request.method == "POST":
        abort(403)
    return render_template(
        "projects/attendance/excuses.html",
        form=form,
        excuses=marks.excuses_for(current_user),
        decision_form=DecisionForm(formdata=None),
        pending=ExcuseStatus.PENDING,
    ), 400 if form.errors else 200


def _request_excuse(form: ExcuseForm, sessions) -> bool:
    from media import services as media_services

    training = next(s for s in sessions if s.id == form.session_id.data)
    upload = form.document.data

    def change():
        document = None
        if upload and upload.filename:
            document = media_services.register_upload(
                current_user,
                upload.stream,
                filename=upload.filename,
                declared_type=upload.mimetype,
                spec={"kinds": ["image", "document"], "max_size_bytes": 20_000_000},
            )
        marks.request_excuse(current_user, training, form.reason.data, document)

    return apply_change(change, _("Your request is sent. Staff will look at it."))


@bp.route("/excuses/<int:excuse_id>/decide", methods=["POST"])
@login_required
def decide_excuse(excuse_id: int):
    excuse = get_excuse_or_404(excuse_id, current_user, manage=True)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash_error_text(form)
    else:
        approve = form.approve.data == "1"
        apply_change(
            lambda: marks.decide_excuse(excuse, approve=approve, by=current_user, note=form.note.data or ""),
            _("The absence is excused.") if approve else _("The request is refused."),
        )
    return redirect(url_for("attendance.excuses"))


@bp.route("/excuses/<int:excuse_id>/document")
@login_required
def excuse_document(excuse_id: int):
    """The excuse's document, for its trainee and the managers; always a download (never shown inline)."""
    from media.views import send_original

    excuse = get_excuse_or_404(excuse_id, current_user)
    if excuse.media is None:
        abort(404)
    return send_original(excuse.media, cache="private, no-store")


@bp.route("/cohorts/<int:cohort_id>/report")
@login_required
def report(cohort_id: int):
    """Each trainee's rate and projection for the period, and the cohort's rate."""
    cohort = get_managed_cohort_or_404(cohort_id, current_user)
    period = request.args.get("period", "")[:10] or None
    rows = rates.standings(cohort, period=period)
    return render_template(
        "projects/attendance/report.html",
        cohort=cohort,
        standings=rows,
        cohort_rate=rates.cohort_rate(rows),
        rules=services.rules_for(cohort.programme_id),
        period=rows[0].period if rows else (period or ""),
        highlight=request.args.get("user", type=int),
    )


@bp.route("/programmes/<int:programme_id>/rules", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def rules(programme_id: int):
    programme = get_programme_or_404(programme_id, current_user)
    current = services.rules_for(programme.id)
    form = RulesForm(
        grace_minutes=current.grace_minutes,
        lates_per_absence=current.lates_per_absence,
        min_rate_percent=round(current.min_rate * 100),
        period=current.period,
    )
    if form.validate_on_submit():
        values = {
            k: form[k].data for k in ("grace_minutes", "lates_per_absence", "min_rate_percent", "period")
        }
        if apply_change(lambda: services.save_rules(programme, **values), _("The rules are saved.")):
            return redirect(url_for("attendance.rules", programme_id=programme.id))
    return render_template(
        "projects/attendance/rules.html", programme=programme, form=form
    ), 400 if form.errors else 200


@bp.route("/holidays", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def holidays():
    """The public holidays of a year, with the administrators' changes; a form to add or remove a day."""
    year = request.args.get("year", type=int) or services.local_day(utcnow()).year
    year = min(max(year, 2000), 2100)
    form = HolidayForm()
    if form.validate_on_submit():
        change = lambda: services.save_holiday(  # noqa: E731
            form.day.data, closed=form.closed.data, name=form.name.data or "", by=current_user
        )
        if apply_change(change, _("The day is saved.")):
            return redirect(url_for("attendance.holidays", year=form.day.data.year))
    from sqlalchemy import select

    changes = db.session.scalars(select(HolidayOverride).order_by(HolidayOverride.day))
    return render_template(
        "projects/attendance/holidays.html",
        year=year,
        days=services.days_off(date(year, 1, 1), date(year, 12, 31)),
        changes=[c for c in changes if c.day.year == year],
        form=form,
        remove_form=DecisionForm(formdata=None),
    ), 400 if form.errors else 200


@bp.route("/holidays/<int:holiday_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def remove_holiday(holiday_id: int):
    row = get_holiday_or_404(holiday_id)
    year = row.day.year
    apply_change(lambda: services.remove_holiday(row), _("The change is removed."))
    return redirect(url_for("attendance.holidays", year=year))
