"""Completion screens: the trainee's certificate, the admin's records per cohort, and public verification.

Verification pages are public (anyone with the address or the QR code); they send no referrer, are not
indexed or cached, and never show grades.  The request edge commits; a refused record is undone by
``flash_error``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.errors import DomainError, apply_change, describe, flash_error
from lms.extensions import db
from lms.programmes.loaders import get_cohort_or_404
from lms.programmes.models import Cohort
from lms.security import role_required, secret_url
from lms.users.models import Role, User
from projects.common import ProjectError, private
from projects.completions import services as completions
from projects.completions.forms import CohortCompletionForm, RevokeCompletionForm
from projects.completions.loaders import (
    get_completion_for_admin_or_404,
    get_own_completion_or_404,
)
from projects.coursework.forms import error_text

bp = Blueprint("completions", __name__)


@bp.route("/certificates/<int:completion_id>")
@login_required
def certificate(completion_id: int):
    completion = get_own_completion_or_404(completion_id, current_user)
    url = url_for("completions.verify", code=completion.code, _external=True)
    return private(
        render_template(
            "projects/certificate.html",
            completion=completion,
            record=completion.record,
            verdict=completions.verify(completion),
            url=url,
            qr=completions.qr_svg(url, _("Verification address")),
        )
    )


@bp.route("/admin/completions")
@role_required(Role.ADMIN)
def completions_admin():
    cohorts = db.session.scalars(db.select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id)).all()
    return render_template(
        "projects/certificates_admin.html",
        cohorts=cohorts,
        records=completions.all_completions(),
        verify=completions.verify,
    )


@bp.route("/admin/completions/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def complete_cohort(cohort_id: int):
    """Record completions for a whole cohort in one step: tick trainees (or "select all"), Continue, then
    one confirmation page that names them; its button records and signs a record for each."""
    cohort = get_cohort_or_404(cohort_id, current_user)
    enrolments, done = completions.cohort_roster(cohort)
    form = CohortCompletionForm(completed_on=min(cohort.end_date, utcnow().date()))
    form.user_ids.choices = [(e.user_id, e.user.name) for e in enrolments]
    if form.validate_on_submit() and "back" not in request.form:
        chosen = [e.user for e in enrolments if e.user_id in set(form.user_ids.data or ())]
        answer = _confirm_or_record(form, cohort, chosen, done)
        if answer is not None:
            return answer
    return render_template(
        "projects/certificate_cohort.html",
        cohort=cohort,
        enrolments=enrolments,
        done=done,
        form=form,
        selected=set(form.user_ids.data or ()),
        revoke_form=RevokeCompletionForm(formdata=None),
    ), 400 if form.errors else 200


def _confirm_or_record(form: CohortCompletionForm, cohort: Cohort, chosen: list[User], done: dict):
    """The confirmation page for *chosen*, or (once confirmed) their records and a redirect; None when
    the choice is refused (the error is on the form or flashed)."""
    try:
        if not chosen:
            raise ProjectError("nobody_selected")
        completions.check_completion_date(cohort, form.completed_on.data)
        if form.confirmed.data == "1":
            result = completions.mark_completions(chosen, cohort, form.completed_on.data, current_user)
            _flash_recorded(result)
            return redirect(url_for("completions.complete_cohort", cohort_id=cohort.id))
    except DomainError as exc:
        if exc.code == "nobody_selected":  # said beside the boxes, which point at it
            form.user_ids.errors = [describe(exc)]
        else:
            flash_error(exc)
        return None
    return render_template(
        "projects/certificate_cohort_confirm.html", cohort=cohort, form=form, chosen=chosen, done=done
    )


def _flash_recorded(result: completions.CohortCompletions) -> None:
    if result.recorded:
        flash(
            ngettext(
                "%(num)d completion is recorded and signed; the trainee is notified.",
                "%(num)d completions are recorded and signed; each trainee is notified.",
                len(result.recorded),
            ),
            "success",
        )
    if result.already:
        flash(
            ngettext(
                "%(num)d trainee already had a record; it is unchanged.",
                "%(num)d trainees already had a record; theirs are unchanged.",
                len(result.already),
            ),
            "info",
        )


@bp.route("/admin/completions/<int:completion_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_completion(completion_id: int):
    completion = get_completion_for_admin_or_404(completion_id)
    form = RevokeCompletionForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        apply_change(
            lambda: completions.revoke_completion(completion, form.reason.data, current_user),
            _("The record is revoked; its verification page now says so."),
        )
    return redirect(url_for("completions.complete_cohort", cohort_id=completion.cohort_id))


@bp.route("/verify/<code>")
@secret_url()
def verify(code: str):
    """Public: anyone with the address (or the QR code) checks a record, signed in or not."""
    completion = completions.by_code(code)
    verdict = completions.verify(completion) if completion else None
    url = url_for("completions.verify", code=code, _external=True)
    status = 200 if completion else 404
    record = completions.public_record(completion.record) if completion else None
    qr = completions.qr_svg(url, _("Verification address")) if completion else ""
    return private(
        render_template(
            "projects/certificate_verify.html",
            completion=completion,
            verdict=verdict,
            record=record,
            url=url,
            qr=qr,
        )
    ), status


@bp.route("/verify/<code>.json")
@secret_url()
def verify_json(code: str):
    """The record, its signature and key id, for checking offline against the published keys.

    Early (version 1) records also hold grades, which are not published: they come without them and with
    ``redacted`` set, so their signature (over the full record) can only be checked here, by ``status``.
    """
    completion = completions.by_code(code) or abort(404)
    verdict = completions.verify(completion)
    shown = verdict.status != "revoked"
    body = {
        "status": verdict.status,
        "reason": verdict.reason,
        "key_id": completion.key_id,
        "signature": completion.signature,
        "keys": url_for("completions.signing_keys", _external=True),
        "record": completions.public_record(completion.record) if shown else None,
        "redacted": shown and completions.has_grades(completion.record),
        "revoked_at": completion.revoked_at.isoformat() if completion.revoked_at else None,
    }
    return private(jsonify(body))


@bp.route("/.well-known/gongbang-signing-keys.json")
def signing_keys():
    """The centre's public keys (JWK set): what a third party needs to verify a record offline."""
    response = jsonify(completions.jwks())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
