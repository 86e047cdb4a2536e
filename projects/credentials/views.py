"""Credential screens and documents: the public issuer, status list, achievement and credential JSON; the
trainee's "My credentials" and downloads; /verify for any credential; the administrators' issue and revoke,
and the achievements the centre defines.

Public JSON documents carry ``Access-Control-Allow-Origin: *`` so that a wallet or verifier in a browser can
read them.  The request edge commits; a refused change is undone by ``flash_error``.
"""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.errors import DomainError, apply_change, flash_error
from lms.extensions import db
from lms.programmes.models import Programme
from lms.security import role_required, secret_url
from lms.users.models import Role
from projects.common import private
from projects.completions import services as completions
from projects.completions.forms import RevokeCompletionForm
from projects.completions.loaders import get_completion_for_admin_or_404
from projects.coursework.forms import error_text
from projects.credentials import achievements, baking, definitions, proofs
from projects.credentials import services as credentials
from projects.credentials.forms import AchievementForm, AwardForm, CheckCredentialForm, IssueForm
from projects.credentials.loaders import (
    get_achievement_or_404,
    get_badge_for_admin_or_404,
    get_own_badge_or_404,
    get_own_open_badge_or_404,
)
from projects.credentials.models import AchievementDefinition, OpenBadge

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


@bp.route("/credentials/achievements/defined/<int:definition_id>")
def defined_achievement(definition_id: int):
    """An achievement the centre defines, as the OB 3.0 Achievement its credentials carry."""
    definition = get_achievement_or_404(definition_id)
    return _public_json(
        {"@context": [proofs.VC_V2, proofs.OB_V3], **definitions.definition_achievement(definition)}, 3600
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
    waiting = achievements.waiting_awards(current_user)
    return private(render_template("projects/credentials/mine.html", badges=badges, qr=qr, waiting=waiting))


@bp.route("/my/credentials/<int:completion_id>/badge.<any(json, png, svg):kind>")
@login_required
def download(completion_id: int, kind: str):
    """The current credential of one's completion: JSON, or baked into a PNG or SVG badge."""
    return _download(get_own_badge_or_404(completion_id, current_user), kind, f"credential-{completion_id}")


@bp.route("/my/credentials/badges/<int:badge_id>/badge.<any(json, png, svg):kind>")
@login_required
def download_badge(badge_id: int, kind: str):
    """One of one's credentials (an achievement's too), as :func:`download` gives it."""
    return _download(get_own_open_badge_or_404(badge_id, current_user), kind, f"credential-b{badge_id}")


def _download(badge: OpenBadge, kind: str, name: str):
    text = json.dumps(badge.credential, ensure_ascii=False, indent=2)
    if kind == "png":
        body, mimetype = baking.bake_png(text), "image/png"
    elif kind == "svg":
        body, mimetype = baking.bake_svg(text, badge.credential.get("name", "")).encode(), "image/svg+xml"
    else:
        body, mimetype = text.encode(), JSON_LD
    response = private(current_app.response_class(body, mimetype=mimetype))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
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
            lambda: credentials.request_issue(completion),
            _("The credential is being issued. It appears here in a moment."),
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


@bp.route("/admin/credentials/badges/<int:badge_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_badge(badge_id: int):
    """Revoke any credential (an achievement's; a completion's also has its own route above)."""
    badge = get_badge_for_admin_or_404(badge_id)
    form = RevokeCompletionForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        apply_change(
            lambda: credentials.revoke_badge(badge, form.reason.data, current_user),
            _("The credential is revoked; the status list and /verify now say so."),
        )
    award = achievements.badge_award(badge)
    if award is not None:
        return redirect(url_for("credentials.edit_achievement", achievement_id=award.definition_id))
    return redirect(url_for("credentials.admin"))


# -- the centre's achievements ---------------------------------------------------------------------------


@bp.route("/admin/credentials/achievements")
@role_required(Role.ADMIN)
def achievements_page():
    """The achievements the centre defines, with how many trainees hold each."""
    defined = definitions.definitions()
    counts = {d.id: len(achievements.awards(d)) for d in defined}
    return render_template("projects/credentials/achievements.html", definitions=defined, counts=counts)


def _achievement_form(definition: AchievementDefinition | None) -> AchievementForm:
    form = AchievementForm(obj=definition) if definition is not None else AchievementForm()
    if definition is not None and request.method == "GET":
        form.kind.data = definition.kind.value
        form.project_id.data = definition.project_id or 0
        form.ncs_unit.data = definitions.unit_code(definition)
        form.korean_scale.data = definition.korean_scale or ""
        form.alignment.data = definitions.alignment_text(definition)
    return form


def _save_achievement(form: AchievementForm, definition: AchievementDefinition | None):
    """Save the form; the saved definition, or None when refused (the sentence is flashed, nothing kept)."""
    try:
        return definitions.save_definition(
            definition,
            current_user,
            kind=form.kind.data,
            name_ko=form.name_ko.data,
            name_en=form.name_en.data,
            description_ko=form.description_ko.data,
            description_en=form.description_en.data,
            criteria_ko=form.criteria_ko.data,
            criteria_en=form.criteria_en.data,
            achievement_type=form.achievement_type.data,
            project_id=form.project_id.data or None,
            pass_percent=form.pass_percent.data,
            ncs_unit=form.ncs_unit.data,
            criterion_title=form.criterion_title.data,
            korean_scale=form.korean_scale.data or None,
            korean_level=form.korean_level.data,
            alignment=form.alignment.data,
            active=form.active.data,
        )
    except DomainError as exc:
        flash_error(exc)
        return None


@bp.route("/admin/credentials/achievements/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_achievement():
    form = _achievement_form(None)
    if form.validate_on_submit():
        definition = _save_achievement(form, None)
        if definition is not None:
            flash(_("The achievement is saved."), "success")
            return redirect(url_for("credentials.edit_achievement", achievement_id=definition.id))
    elif request.method == "POST":
        flash(error_text(form), "error")
    status = 400 if request.method == "POST" else 200
    return render_template("projects/credentials/achievement.html", form=form, definition=None), status


@bp.route("/admin/credentials/achievements/<int:achievement_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_achievement(achievement_id: int):
    """One achievement: its definition, who holds it, and "award to the trainees who already qualify"."""
    definition = get_achievement_or_404(achievement_id)
    form = _achievement_form(definition)
    if form.validate_on_submit():
        if _save_achievement(form, definition) is not None:
            flash(_("The achievement is saved."), "success")
            return redirect(url_for("credentials.edit_achievement", achievement_id=definition.id))
    elif request.method == "POST":
        flash(error_text(form), "error")
    return render_template(
        "projects/credentials/achievement.html",
        form=form,
        definition=definition,
        awards=achievements.awards(definition),
        award_form=AwardForm(formdata=None),
        revoke_form=RevokeCompletionForm(formdata=None),
    ), 400 if request.method == "POST" else 200


@bp.route("/admin/credentials/achievements/<int:achievement_id>/award", methods=["POST"])
@role_required(Role.ADMIN)
def award_achievement(achievement_id: int):
    """Award to every trainee who already meets it: a confirmation page that says how many, then the awards
    (their credentials are issued by background jobs)."""
    definition = get_achievement_or_404(achievement_id)
    form = AwardForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
        return redirect(url_for("credentials.edit_achievement", achievement_id=definition.id))
    if form.confirmed.data != "1":
        found = achievements.qualifying(definition)
        return render_template(
            "projects/credentials/award_confirm.html", definition=definition, found=found, form=form
        )
    try:
        count = achievements.award_qualifying(definition)
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(
            ngettext(
                "%(num)d trainee is awarded it; the credential is being issued.",
                "%(num)d trainees are awarded it; their credentials are being issued.",
                count,
            ),
            "success",
        )
    return redirect(url_for("credentials.edit_achievement", achievement_id=definition.id))
