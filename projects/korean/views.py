"""Korean evidence screens: a trainee's records (and the form for one), the records waiting for staff, a
trainee's history, the decision, the choice to share, and the score report as a download.

The request edge commits; a refused change is undone by ``flash_error`` (through ``apply_change``).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.errors import apply_change
from lms.users.models import Role
from projects.common import ProjectError, private
from projects.korean import services
from projects.korean.forms import DecisionForm, EvidenceForm, ShareForm
from projects.korean.loaders import get_evidence_or_404, get_reviewed_trainee_or_404
from projects.korean.models import EvidenceStatus

bp = Blueprint("korean", __name__, url_prefix="/korean")

#: The largest score report accepted.
MAX_DOCUMENT_BYTES = 10_000_000


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    """A trainee's records and the form for a new one; the records waiting for an instructor or admin."""
    form = EvidenceForm()
    if current_user.role is Role.TRAINEE:
        if form.validate_on_submit() and _add(form):
            return redirect(url_for("korean.index"))
    elif form.is_submitted():
        abort(403)
    return private(
        render_template(
            "projects/korean/index.html",
            form=form,
            records=services.history(current_user.id) if current_user.role is Role.TRAINEE else [],
            hours=services.korean_hours(current_user.id),
            waiting=services.waiting_for(current_user),
            **_page_parts(),
        )
    ), 400 if form.errors else 200


def _page_parts() -> dict:
    return {
        "decision_form": DecisionForm(formdata=None),
        "share_form": ShareForm(formdata=None),
        "pending": EvidenceStatus.PENDING,
        "expired": services.is_expired,
    }


def _add(form: EvidenceForm) -> bool:
    from lms.i18n import format_size
    from media import services as media_services
    from media.sniff import HEAD_SIZE
    from media.storage import TooLarge

    upload = form.document.data

    def change():
        head = upload.stream.read(HEAD_SIZE)
        upload.stream.seek(0)
        if not services.document_ok(head):
            raise ProjectError("bad_document")
        try:
            document = media_services.register_upload(
                current_user,
                upload.stream,
                filename=upload.filename,
                declared_type=upload.mimetype,
                spec={"kinds": ["image", "document"], "max_size_bytes": MAX_DOCUMENT_BYTES},
            )
        except TooLarge as exc:
            raise ProjectError("document_too_big", size=format_size(MAX_DOCUMENT_BYTES)) from exc
        services.add_evidence(current_user, form.scale.data, form.level.data, form.test_date.data, document)

    return apply_change(change, _("Your record is sent. Staff will check it."))


@bp.route("/trainees/<int:user_id>")
@login_required
def trainee(user_id: int):
    """One trainee's history, for the trainee and those who check their records."""
    person = get_reviewed_trainee_or_404(user_id, current_user)
    return private(
        render_template(
            "projects/korean/trainee.html",
            person=person,
            records=services.history(person.id),
            hours=services.korean_hours(person.id),
            **_page_parts(),
        )
    )


@bp.route("/evidence/<int:evidence_id>/decide", methods=["POST"])
@login_required
def decide(evidence_id: int):
    evidence = get_evidence_or_404(evidence_id, current_user, review=True)
    form = DecisionForm()
    if form.validate_on_submit():
        verify = form.verify.data == "1"
        apply_change(
            lambda: services.decide_evidence(
                evidence, current_user, verify=verify, note=form.note.data or ""
            ),
            _("The record is verified.") if verify else _("The record is rejected."),
        )
    return redirect(url_for("korean.trainee", user_id=evidence.user_id))


@bp.route("/evidence/<int:evidence_id>/share", methods=["POST"])
@login_required
def share(evidence_id: int):
    evidence = get_evidence_or_404(evidence_id, current_user)
    if evidence.user_id != current_user.id:
        abort(403)
    form = ShareForm()
    if form.validate_on_submit():
        apply_change(lambda: services.set_shared(evidence, current_user, form.shared.data), _("Saved."))
    return redirect(url_for("korean.index"))


@bp.route("/evidence/<int:evidence_id>/document")
@login_required
def document(evidence_id: int):
    """The score report, for its trainee and those who check it; always a download (never shown inline)."""
    from media.views import send_original

    evidence = get_evidence_or_404(evidence_id, current_user)
    if evidence.media is None:
        abort(404)
    return send_original(evidence.media, cache="private, no-store")
