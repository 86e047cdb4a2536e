"""Completion screens: the trainee's certificate, the admin's records per cohort, and public verification.

Verification pages are public (anyone with the address or the QR code); they send no referrer, are not
indexed or cached, and never show grades.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.extensions import db
from lms.jobs import commit
from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus
from lms.security import role_required
from lms.users.models import Role, User
from projects.common import private
from projects.completions import services as completions
from projects.completions.forms import CompletionForm, RevokeCompletionForm
from projects.completions.models import Completion
from projects.coursework.forms import error_text
from projects.coursework.services import ProjectError

bp = Blueprint("completions", __name__)


def error_message(exc: ProjectError) -> str:
    p = exc.params
    messages = {
        "not_enrolled": lambda: _("%(name)s is not enrolled in this cohort.", name=p.get("name")),
        "already_completed": lambda: _("%(name)s's completion is already recorded.", name=p.get("name")),
        "bad_date": lambda: _("The completion date must lie between the cohort's start and today."),
        "reason_missing": lambda: _("Give a reason."),
        "admin_only": lambda: _("Only administrators may do this."),
    }
    return messages.get(exc.code, lambda: exc.code)()


def get_own_completion_or_404(completion_id: int) -> Completion:
    completion = db.session.get(Completion, completion_id)
    if completion is None or not (completion.user_id == current_user.id or current_user.role is Role.ADMIN):
        abort(404)
    return completion


@bp.route("/certificates/<int:completion_id>")
@login_required
def certificate(completion_id: int):
    completion = get_own_completion_or_404(completion_id)
    url = url_for("completions.verify", code=completion.code, _external=True)
    return private(render_template("projects/certificate.html", completion=completion, record=completion.record,
                                   verdict=completions.verify(completion), url=url,
                                   qr=completions.qr_svg(url, _("Verification address"))))


@bp.route("/admin/completions")
@role_required(Role.ADMIN)
def completions_admin():
    cohorts = db.session.scalars(db.select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id)).all()
    return render_template("projects/certificates_admin.html", cohorts=cohorts,
                           records=completions.all_completions(), verify=completions.verify)


@bp.route("/admin/completions/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def complete_cohort(cohort_id: int):
    cohort = db.session.get(Cohort, cohort_id) or abort(404)
    enrolments = db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.id,
                                                               Enrolment.status != EnrolmentStatus.WITHDRAWN)
                                    .join(User).order_by(User.name)).all()
    done = {c.user_id: c for c in db.session.scalars(db.select(Completion).where(Completion.cohort_id == cohort.id))}
    form = CompletionForm(completed_on=min(cohort.end_date, utcnow().date()))
    form.user_id.choices = [(e.user_id, e.user.name) for e in enrolments if e.user_id not in done] or [(0, "—")]
    if form.validate_on_submit():
        trainee = db.session.get(User, form.user_id.data)
        if trainee is None or trainee.id not in {e.user_id for e in enrolments}:
            abort(404)
        try:
            completions.mark_completion(trainee, cohort, form.completed_on.data, current_user)
        except ProjectError as exc:
            db.session.rollback()
            flash(error_message(exc), "error")
        else:
            commit()
            flash(_("%(name)s's completion is recorded and signed.", name=trainee.name), "success")
            return redirect(url_for("completions.complete_cohort", cohort_id=cohort.id))
    return render_template("projects/certificate_cohort.html", cohort=cohort, enrolments=enrolments, done=done,
                           form=form, revoke_form=RevokeCompletionForm(formdata=None)), 400 if form.errors else 200


@bp.route("/admin/completions/<int:completion_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_completion(completion_id: int):
    completion = db.session.get(Completion, completion_id) or abort(404)
    form = RevokeCompletionForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        completions.revoke_completion(completion, form.reason.data, current_user)
        commit()
        flash(_("The record is revoked; its verification page now says so."), "success")
    return redirect(url_for("completions.complete_cohort", cohort_id=completion.cohort_id))


@bp.route("/verify/<code>")
def verify(code: str):
    """Public: anyone with the address (or the QR code) checks a record, signed in or not."""
    completion = completions.by_code(code)
    verdict = completions.verify(completion) if completion else None
    url = url_for("completions.verify", code=code, _external=True)
    status = 200 if completion else 404
    return private(render_template("projects/certificate_verify.html", completion=completion, verdict=verdict,
                                   record=completions.public_record(completion.record) if completion else None,
                                   url=url,
                                   qr=completions.qr_svg(url, _("Verification address")) if completion else "")
                   ), status


@bp.route("/verify/<code>.json")
def verify_json(code: str):
    """The record, its signature and key id, for checking offline against the published keys.

    Early (version 1) records also hold grades, which are not published: they come without them and with
    ``redacted`` set, so their signature (over the full record) can only be checked here, by ``status``.
    """
    completion = completions.by_code(code) or abort(404)
    verdict = completions.verify(completion)
    shown = verdict.status != "revoked"
    body = {"status": verdict.status, "reason": verdict.reason, "key_id": completion.key_id,
            "signature": completion.signature, "keys": url_for("completions.signing_keys", _external=True),
            "record": completions.public_record(completion.record) if shown else None,
            "redacted": shown and completions.has_grades(completion.record),
            "revoked_at": completion.revoked_at.isoformat() if completion.revoked_at else None}
    return private(jsonify(body))


@bp.route("/.well-known/gongbang-signing-keys.json")
def signing_keys():
    """The centre's public keys (JWK set): what a third party needs to verify a record offline."""
    response = jsonify(completions.jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
