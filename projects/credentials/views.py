"""Credential screens and documents: the public issuer, status list, achievement and credential JSON; the
trainee's "My credentials" and downloads; /verify for any credential; the administrators' issue and revoke.

Public JSON documents carry ``Access-Control-Allow-Origin: *`` so that a wallet or verifier in a browser can
read them.  The request edge commits; a refused change is undone by ``flash_error``.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import apply_change
from lms.extensions import db
from lms.programmes.models import Programme
from lms.security import role_required, secret_url
from lms.users.models import Role
from projects.common import private
from projects.completions import services as completions
from projects.completions.forms import RevokeCompletionForm
from projects.completions.loaders import get_completion_for_admin_or_404
from projects.coursework.forms import error_text
from projects.credentials import baking, proofs
from projects.credentials import services as credentials
from projects.credentials.forms import CheckCredentialForm, IssueForm
from projects.credentials.loaders import get_own_badge_or_404

bp = Blueprint("credentials", __name__)

JSON_LD = "application/ld+json"


def _public_json(document: dict, max_age: int = 300):
    response = jsonify(document)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.route("/credentials/issuer")
def issuer():
    """The issuer's controller document: its Multikey verification methods, retired keys included."""
    return _public_json(credentials.controller_document(), 3600)


@bp.route("/credentials/status/revocation")
def status_list():
    """The signed Bitstring Status List of revoked credentials (short cache: a revocation shows soon)."""
    return _public_json(credentials.status_list_credential(), 60)


@bp.route("/credentials/achievements/<int:programme_id>")
def achievement(programme_id: int):
    """A programme as an OB 3.0 Achievement (what its credentials certify)."""
    programme = db.session.get(Programme, programme_id) or abort(404)
    return _public_json(
        {
            "@context": [proofs.VC_V2, proofs.OB_V3],
            "id": request.base_url,
            "type": ["Achievement"],
            "name": credentials.both_languages(programme.name_ko, programme.name_en),
            "humanCode": programme.code,
        },
        3600,
    )


@bp.route("/credentials/<code>.json")
@secret_url()
def credential_json(code: str):
    """A credential as issued, for wallets and verifiers (anyone with its address)."""
    badge = credentials.by_code(code)
    if badge is None or badge.credential.get("anonymised"):
        abort(404)
    response = private(jsonify(badge.credential))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/my/credentials")
@login_required
def mine():
    """The trainee's credentials with their downloads and a QR code of each one's address (phone first)."""
    badges = credentials.badges_of(current_user)
    qr = {
        b.id: completions.qr_svg(b.credential.get("id", ""), _("Credential address"))
        for b in badges
        if b.revoked_at is None and b.credential.get("id")
    }
    return private(render_template("projects/credentials/mine.html", badges=badges, qr=qr))


@bp.route("/my/credentials/<int:completion_id>/badge.<any(json, png, svg):kind>")
@login_required
def download(completion_id: int, kind: str):
    """The current credential of one's completion: JSON, or baked into a PNG or SVG badge."""
    badge = get_own_badge_or_404(completion_id, current_user)
    text = json.dumps(badge.credential, ensure_ascii=False, indent=2)
    if kind == "png":
        body, mimetype = baking.bake_png(text), "image/png"
    elif kind == "svg":
        body, mimetype = baking.bake_svg(text, badge.credential.get("name", "")).encode(), "image/svg+xml"
    else:
        body, mimetype = text.encode(), JSON_LD
    response = private(current_app.response_class(body, mimetype=mimetype))
    response.headers["Content-Disposition"] = f'attachment; filename="credential-{completion_id}.{kind}"'
    return response


@bp.route("/verify", methods=["GET", "POST"])
def verify_page():
    """Public: check an Open Badges credential by its address, pasted JSON or a file (a baked badge too)."""
    form = CheckCredentialForm()
    verdict = None
    if form.validate_on_submit():
        verdict = _check(form)
    elif request.method == "POST":
        flash(error_text(form), "error")
    return private(render_template("projects/credentials/verify.html", form=form, verdict=verdict))


def _check(form: CheckCredentialForm) -> credentials.BadgeVerdict | None:
    upload = form.upload.data
    if upload and getattr(upload, "filename", ""):
        return credentials.check_text(upload.read(credentials.UPLOAD_MAX + 1))
    if (form.document.data or "").strip():
        return credentials.check_text(form.document.data)
    if (form.address.data or "").strip():
        badge = credentials.lookup(form.address.data)
        if badge is None or badge.credential.get("anonymised"):
            return credentials.BadgeVerdict("unknown")
        return credentials.check_document(badge.credential)
    flash(_("Give a credential's address, its JSON or a file."), "error")
    return None


@bp.route("/admin/credentials")
@role_required(Role.ADMIN)
def admin():
    return render_template(
        "projects/credentials/admin.html",
        badges=credentials.all_badges(),
        missing=credentials.completions_without_badge(),
        revoke_form=RevokeCompletionForm(formdata=None),
        issue_form=IssueForm(formdata=None),
    )


@bp.route("/admin/credentials/<int:completion_id>/issue", methods=["POST"])
@role_required(Role.ADMIN)
def issue(completion_id: int):
    completion = get_completion_for_admin_or_404(completion_id)
    form = IssueForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        apply_change(
            lambda: credentials.issue_for_completion(completion, current_user),
            _("The credential is issued."),
        )
    return redirect(url_for("credentials.admin"))


@bp.route("/admin/credentials/<int:completion_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke(completion_id: int):
    completion = get_completion_for_admin_or_404(completion_id)
    badge = credentials.current_badge(completion) or abort(404)
    form = RevokeCompletionForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        apply_change(
            lambda: credentials.revoke_badge(badge, form.reason.data, current_user),
            _("The credential is revoked; the status list and /verify now say so."),
        )
    return redirect(url_for("credentials.admin"))
