"""Evidence pack screens: the trainee's packs and the form for one, a pack's review and consent (or deleting
a draft), its links, view log and downloads; the page a link opens (signed out), the verification page and
the status list.

Every screen under ``/my/evidence`` is the trainee's alone (``role_required(Role.TRAINEE)`` and the own-pack
loaders): no member of staff opens, makes or sends a pack.  The request edge commits; a refused change is
undone by ``flash_error`` (through ``apply_change``).
"""

from __future__ import annotations

import json
import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.errors import DomainError, apply_change, flash_error
from lms.forms import ActionForm
from lms.pdf import PdfError
from lms.security import role_required, secret_url
from lms.users.models import Role
from projects.common import ProjectError, localised, private
from projects.coursework.forms import error_text
from projects.evidence import export, links, services, verification
from projects.evidence.forms import CheckPackForm, ConsentForm, LinkForm, PackForm
from projects.evidence.loaders import get_own_link_or_404, get_own_pack_or_404
from projects.evidence.models import EvidenceLink, EvidencePack

log = logging.getLogger(__name__)

bp = Blueprint("evidence", __name__)

JSON_LD = "application/ld+json"


def fill_choices(form: PackForm, options: services.Options) -> None:
    """The trainee's own records as the form's checkboxes (none ticked)."""
    form.completions.choices = [
        (c.id, f"{localised(c.cohort.programme, 'name')} · {c.completed_on.isoformat()}")
        for c in options.completions
    ]
    form.units.choices = [
        (u.code, f"{u.code} {u.name_ko}" + (f" ({u.name_en})" if u.name_en else "")) for u in options.units
    ]
    form.attendance.choices = [
        (c.id, f"{localised(c.programme, 'name')} · {c.start_date.isoformat()}–{c.end_date.isoformat()}")
        for c in options.cohorts
    ]
    form.korean.choices = [
        (
            e.id,
            (
                _("TOPIK level %(level)s", level=e.level)
                if e.scale.value == "topik"
                else _("KIIP stage %(level)s", level=e.level)
            ),
        )
        for e in options.korean
    ]
    form.items.choices = [(i.id, localised(i, "title") or _("Untitled")) for i in options.items]


def chosen(form: PackForm) -> dict[str, list]:
    return {part: list(getattr(form, part).data or []) for part in services.PARTS}


@bp.route("/my/evidence", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def index():
    """The trainee's packs, and the form for a new one (a draft until they consent on its page)."""
    form = PackForm()
    fill_choices(form, services.options(current_user))
    if form.validate_on_submit():
        try:
            pack = services.create_pack(
                current_user, form.recipient_kind.data, form.recipient_name.data, chosen(form)
            )
        except DomainError as exc:
            flash_error(exc)
        else:
            return redirect(url_for("evidence.pack", pack_id=pack.id))
    elif form.is_submitted():
        flash(error_text(form), "error")
    status = 400 if form.is_submitted() else 200
    return private(
        render_template("projects/evidence/index.html", form=form, packs=services.packs_of(current_user))
    ), status


def _render_pack(pack: EvidencePack, consent_form: ConsentForm | None = None):
    return render_template(
        "projects/evidence/pack.html",
        pack=pack,
        facts=pack.snapshot if pack.issued else services.snapshot(pack),
        state=services.pack_state(pack),
        kind=export.KIND_LABELS[pack.recipient_kind.value],
        consent_form=consent_form or ConsentForm(formdata=None),
        link_form=LinkForm(formdata=None),
        action_form=ActionForm(formdata=None),
        link_state=links.link_state,
        views=links.view_log(pack) if pack.issued else [],
        verify_url=services.verification_url(pack) if pack.issued else "",
    )


@bp.route("/my/evidence/<int:pack_id>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def pack(pack_id: int):
    """A draft's review (what will be shared, with whom) and its consent; an issued pack's links and log."""
    pack = get_own_pack_or_404(pack_id, current_user)
    form = ConsentForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(error_text(form), "error")
            return private(_render_pack(pack, form)), 400
        if apply_change(
            lambda: services.issue_pack(pack, current_user, consent=form.consent.data),
            _("The pack is issued. Make a link to share it."),
        ):
            return redirect(url_for("evidence.pack", pack_id=pack.id))
    return private(_render_pack(pack, form))


@bp.route("/my/evidence/<int:pack_id>/links", methods=["POST"])
@role_required(Role.TRAINEE)
def create_link(pack_id: int):
    pack = get_own_pack_or_404(pack_id, current_user)
    form = LinkForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
        return redirect(url_for("evidence.pack", pack_id=pack.id))
    try:
        link, token = links.create_link(pack, current_user, days=form.days.data)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("evidence.pack", pack_id=pack.id))
    # The token exists only in this answer: no-store keeps it out of caches and the back button.
    return private(
        render_template(
            "projects/evidence/link_created.html",
            pack=pack,
            link=link,
            url=url_for("evidence.shared", token=token, _external=True),
        )
    )


@bp.route("/my/evidence/<int:pack_id>/links/<int:link_id>/revoke", methods=["POST"])
@role_required(Role.TRAINEE)
def revoke_link(pack_id: int, link_id: int):
    pack = get_own_pack_or_404(pack_id, current_user)
    link = get_own_link_or_404(pack, link_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    apply_change(lambda: links.revoke_link(link, current_user), _("The link no longer works."))
    return redirect(url_for("evidence.pack", pack_id=pack.id))


@bp.route("/my/evidence/<int:pack_id>/revoke", methods=["POST"])
@role_required(Role.TRAINEE)
def revoke_pack(pack_id: int):
    pack = get_own_pack_or_404(pack_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    apply_change(
        lambda: services.revoke_pack(pack, current_user),
        _("The pack is withdrawn: its links stop and it checks as revoked."),
    )
    return redirect(url_for("evidence.pack", pack_id=pack.id))


@bp.route("/my/evidence/<int:pack_id>/delete", methods=["POST"])
@role_required(Role.TRAINEE)
def delete_pack(pack_id: int):
    """Delete a pack never issued (the page asks first); an issued one is refused: it can be withdrawn."""
    pack = get_own_pack_or_404(pack_id, current_user)
    if not ActionForm().validate_on_submit():
        abort(400)
    if apply_change(lambda: services.delete_pack(pack, current_user), _("The draft pack is deleted.")):
        return redirect(url_for("evidence.index"))
    return redirect(url_for("evidence.pack", pack_id=pack_id))


def _download(pack: EvidencePack, kind: str, back: str):
    """The issued pack's PDF or credential JSON, always as a download."""
    if not pack.issued or pack.credential is None:
        abort(404)
    if kind == "pdf":
        try:
            body, mimetype = export.pack_pdf(pack), "application/pdf"
        except PdfError as exc:
            log.warning("evidence pack %s: no PDF: %s", pack.id, exc)
            flash_error(ProjectError("pack_pdf_unavailable"))
            return redirect(back)
    else:
        body, mimetype = json.dumps(pack.credential, ensure_ascii=False, indent=2).encode(), JSON_LD
    response = private(Response(body, mimetype=mimetype))
    response.headers["Content-Disposition"] = f'attachment; filename="evidence-pack-{pack.id}.{kind}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/my/evidence/<int:pack_id>/pack.<any(pdf, json):kind>")
@role_required(Role.TRAINEE)
def download(pack_id: int, kind: str):
    pack = get_own_pack_or_404(pack_id, current_user)
    return _download(pack, kind, url_for("evidence.pack", pack_id=pack.id))


def get_link_or_gone(token: str) -> EvidenceLink | Response:
    """The live link of *token*, or the page saying it stopped (410 for a revoked or expired link, 404 for
    any other token), which shows nothing of the pack."""
    link = links.live_link(token)
    if link is not None:
        return link
    known = links.link_by_token(token)
    status = 410 if known is not None and links.link_state(known) in ("revoked", "expired") else 404
    page = render_template("projects/evidence/link_stopped.html")
    return private(current_app.make_response((page, status)))


@bp.route("/evidence/l/<token>")
@secret_url()
def shared(token: str):
    """Public: the pack a link opens, in Korean and English, with its verification state and downloads."""
    link = get_link_or_gone(token)
    if isinstance(link, Response):
        return link
    pack = link.pack
    links.log_view(link, "page")
    return private(
        render_template(
            "projects/evidence/shared.html",
            pack=pack,
            facts=pack.snapshot or {},
            kind=export.KIND_LABELS[pack.recipient_kind.value],
            verdict=verification.check_document(pack.credential),
            token=token,
            link=link,
        )
    )


@bp.route("/evidence/l/<token>/pack.<any(pdf, json):kind>")
@secret_url()
def shared_download(token: str, kind: str):
    link = get_link_or_gone(token)
    if isinstance(link, Response):
        return link
    links.log_view(link, kind)
    return _download(link.pack, kind, url_for("evidence.shared", token=token))


@bp.route("/evidence/verify", methods=["GET", "POST"])
def verify_page():
    """Public: check a pack's credential, pasted or as its file."""
    form = CheckPackForm()
    verdict = None
    if form.validate_on_submit():
        upload = form.upload.data
        if upload and getattr(upload, "filename", ""):
            verdict = verification.check_text(upload.read(verification.credentials.UPLOAD_MAX + 1))
        elif (form.document.data or "").strip():
            verdict = verification.check_text(form.document.data)
        else:
            flash(_("Paste the pack's credential or choose its file."), "error")
    elif request.method == "POST":
        flash(error_text(form), "error")
    return private(
        render_template(
            "projects/evidence/verify.html", form=form, verdict=verdict, code=None, kinds=export.KIND_LABELS
        )
    )


@bp.route("/evidence/verify/<code>")
@secret_url()
def verify_code(code: str):
    """Public: the state of the pack a printed QR code names, and what it claims while it stands."""
    verdict = verification.check_code(code)
    form = CheckPackForm(formdata=None)
    page = render_template(
        "projects/evidence/verify.html", form=form, verdict=verdict, code=code, kinds=export.KIND_LABELS
    )
    return private(current_app.make_response((page, 404 if verdict.status == "unknown" else 200)))


@bp.route("/evidence/status/revocation")
def status_list():
    """The signed Bitstring Status List of withdrawn packs (short cache: a withdrawal shows soon)."""
    response = jsonify(verification.status_list_credential())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
