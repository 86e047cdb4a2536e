"""Training logs (훈련일지) and the monthly attendance sheet: pages on the attendance blueprint."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.errors import apply_change
from lms.security import role_required
from lms.users.models import Role
from projects.attendance import services
from projects.attendance.forms import MARKS
from projects.attendance.loaders import get_managed_cohort_or_404, get_managed_session_or_404
from projects.attendance.views import bp


@bp.route("/sessions/<int:session_id>/log", methods=["GET", "POST"])
@login_required
def training_log(session_id: int):
    """The session's training log on a phone: write, save a draft, sign (a signed log changes only with a
    reason, as a new version)."""
    from projects.attendance import logs
    from projects.attendance.forms import LogForm

    training = get_managed_session_or_404(session_id, current_user)
    entry = logs.log_of(training)
    form = LogForm(obj=entry) if entry else LogForm(topic=training.topic)
    if form.validate_on_submit():
        signing = bool(form.sign.data)
        done = apply_change(
            lambda: logs.save_log(
                training,
                topic=form.topic.data or "",
                content=form.content.data or "",
                remarks=form.remarks.data or "",
                by=current_user,
                sign=signing,
                reason=form.reason.data or "",
            ),
            _("The log is signed.") if signing or (entry and entry.signed_at) else _("The log is saved."),
        )
        if done:
            return redirect(url_for("attendance.training_log", session_id=training.id))
    return render_template(
        "projects/attendance/log.html",
        training=training,
        entry=entry,
        form=form,
        changes=logs.history(entry) if entry else [],
    ), 400 if request.method == "POST" else 200


@bp.route("/logs/missing")
@role_required(Role.ADMIN)
def missing_logs():
    """What is missing: past sessions without a signed log, and logged sessions without any mark."""
    from projects.attendance import logs

    cohort_id = request.args.get("cohort", type=int)
    return render_template("projects/attendance/missing.html", rows=logs.missing(cohort_id=cohort_id))


def _sheet_of(cohort_id: int):
    from projects.attendance import reports

    cohort = get_managed_cohort_or_404(cohort_id, current_user)
    month = request.args.get("month", "")[:7] or services.local_day(utcnow()).strftime("%Y-%m")
    try:
        return cohort, month, reports.monthly_sheet(cohort, month)
    except ValueError:
        abort(404)


@bp.route("/cohorts/<int:cohort_id>/sheet")
@login_required
def sheet(cohort_id: int):
    """The monthly attendance sheet on screen; ``?print=1`` is the printable page (no navigation)."""
    cohort, month, data = _sheet_of(cohort_id)
    first = date.fromisoformat(month + "-01")
    return render_template(
        "projects/attendance/sheet.html",
        cohort=cohort,
        month=month,
        sheet=data,
        printable=request.args.get("print") == "1",
        previous=(first - timedelta(days=1)).strftime("%Y-%m"),
        following=(first + timedelta(days=31)).strftime("%Y-%m"),
        rules=services.rules_for(cohort.programme_id),
        marks=MARKS,
    )


@bp.route("/cohorts/<int:cohort_id>/sheet.csv")
@login_required
def sheet_csv(cohort_id: int):
    from flask import Response

    from lms.spreadsheets import csv_text
    from projects.attendance import sheets

    cohort, month, data = _sheet_of(cohort_id)
    header = [_("Trainee"), *(str(label) for _value, label in MARKS), _("Absences"), _("Hours"), _("Rate")]
    legend = [[f"{sheets.SYMBOLS[value]} = {label}" for value, label in MARKS]]
    text = csv_text([[cohort.name, month], *sheets.csv_rows(data, header), [], *legend])
    # A BOM: Excel on Korean Windows reads a CSV without one as CP949 and garbles the names.
    return Response(
        "\ufeff" + text,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="attendance-{cohort.id}-{month}.csv"'},
    )
