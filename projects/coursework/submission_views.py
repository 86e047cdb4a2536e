"""Submission screens: the trainee's workspace and receipts, one submission's history, and the ZIP export.

Registered on the projects blueprint (``projects.coursework.views.bp``).
"""

from __future__ import annotations

from zipfile import ZIP_STORED

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from zipstream import ZipStream

from lms.errors import describe, flash_error
from lms.jobs import commit
from media import messages as media_messages
from media import services as media_services
from media.storage import TooLarge
from projects.common import ProjectError, UniqueNames, zip_part_name
from projects.coursework import services, submissions
from projects.coursework.forms import AnswerForm, DeclarationForm, SubmitForm, error_text
from projects.coursework.loaders import (
    get_deliverable_or_404,
    get_managed_project_or_404,
    get_own_submission_or_404,
    get_project_or_404,
    get_submission_or_404,
)
from projects.coursework.models import Deliverable, Project, Submission
from projects.coursework.views import bp

#: The caption languages a film still lacks, for the hand-in checklist (``missing_captions(d, media)``).
bp.add_app_template_global(submissions.missing_captions, "missing_captions")


@bp.url_value_preprocessor
def _upload_body_limit(endpoint: str | None, _values) -> None:
    # Before CSRFProtect reads the form (with the 16 MB limit meant for forms): see
    # media.uploads.lift_body_limit.
    if endpoint == "projects.upload":
        request.max_content_length = current_app.config["MEDIA_UPLOAD_MAX_BYTES"] + 1_000_000


def _workspace(project_id: int) -> tuple[Project, Submission]:
    """The project and the current user's own (or team's) submission, created on first use."""
    project = get_project_or_404(project_id, current_user)
    if not submissions.can_work_on(current_user, project):
        abort(404)
    submission = submissions.submission_for(project, current_user, create=True)
    # Kept now, before the change the route makes: a refusal rolls that back and must not take the new
    # (empty) submission the page shows with it.
    commit()
    return project, submission


@bp.route("/<int:project_id>/work")
@login_required
def work(project_id: int):
    project, submission = _workspace(project_id)
    return _render_work(project, submission)


def _render_work(project: Project, submission: Submission, declarations: DeclarationForm | None = None):
    """The workspace; a declarations form that failed comes back as typed, with its errors."""
    if declarations is None:
        declarations = DeclarationForm(data=_declaration_data(submission))
    else:
        # The form sits far down the page: focusing the first field with an error brings it into view.
        first = next((f for f in declarations if f.errors), None)
        if first is not None:
            first.render_kw = {**(first.render_kw or {}), "autofocus": True}
    return render_template(
        "projects/work.html",
        project=project,
        submission=submission,
        dates=services.dates_for(project, current_user),
        declarations=declarations,
        submit_form=SubmitForm(),
        answer_form=AnswerForm(),
        missing=submissions.missing_parts(submission),
    )


def _declaration_data(submission: Submission) -> dict:
    ai = {None: "", True: "yes", False: "no"}[submission.ai_used]
    people = list(submission.people or []) + [{"name": "", "consent": "pending"}] * 3
    return {
        "ai_used": ai,
        "ai_tools": submission.ai_tools,
        "ai_generated": submission.ai_generated,
        "people": people[: max(3, len(submission.people or []) + 1)],
    }


@bp.route("/<int:project_id>/work/<int:deliverable_id>/upload", methods=["POST"])
@login_required
def upload(project_id: int, deliverable_id: int):
    """The plain form upload (no JavaScript): Werkzeug spools the file to disk, storage copies it in
    chunks."""
    project, submission = _workspace(project_id)
    deliverable = get_deliverable_or_404(project, deliverable_id)
    file = request.files.get("file")
    try:
        submissions.check_can_hand_in(project, current_user)
        if file is None or not file.filename:
            flash(_("Choose a file to upload."), "error")
        else:
            media = media_services.register_upload(
                current_user,
                file.stream,
                filename=file.filename,
                declared_type=file.mimetype,
                spec=deliverable.media_spec,
                max_bytes=max_upload_bytes(deliverable),
            )
            submissions.attach_upload(submission, deliverable, media)
            flash(_("The file is uploaded and being checked."), "success")
    except ProjectError as exc:
        flash_error(exc)
    except TooLarge as exc:
        # Refused while the file was being stored, before anything reached the database.
        too_large = {"code": "too_large", "params": {"measured": request.content_length, "limit": exc.limit}}
        flash(media_messages.describe(too_large, _), "error")
    return redirect(url_for("projects.work", project_id=project.id, _anchor=f"d{deliverable.id}"))


def max_upload_bytes(deliverable: Deliverable) -> int:
    limit = current_app.config["MEDIA_UPLOAD_MAX_BYTES"]
    return min(limit, deliverable.spec.get("max_size_bytes") or limit)


@bp.route("/<int:project_id>/work/<int:deliverable_id>/answer", methods=["POST"])
@login_required
def answer(project_id: int, deliverable_id: int):
    project, submission = _workspace(project_id)
    deliverable = get_deliverable_or_404(project, deliverable_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(error_text(form), "error")
    else:
        try:
            submissions.check_can_hand_in(project, current_user)
            submissions.save_answer(
                submission, deliverable, link_url=form.link_url.data or "", text=form.text.data or ""
            )
        except ProjectError as exc:
            flash_error(exc)
        else:
            flash(_("Saved."), "success")
    return redirect(url_for("projects.work", project_id=project.id, _anchor=f"d{deliverable.id}"))


@bp.route("/<int:project_id>/work/declarations", methods=["POST"])
@login_required
def declarations(project_id: int):
    project, submission = _workspace(project_id)
    refused = _declare(project, submission, DeclarationForm())
    if refused is not None:
        return refused
    flash(_("Your declarations are saved."), "success")
    return redirect(url_for("projects.work", project_id=project.id, _anchor="declarations"))


def _declare(project: Project, submission: Submission, form: DeclarationForm):
    """Save the declarations as the form has them; None when saved, else the workspace with the form as
    typed and its errors (400, which rolls the request back)."""
    if not form.validate_on_submit():
        return _render_work(project, submission, form), 400
    try:
        submissions.check_can_hand_in(project, current_user)
        submissions.save_declarations(
            submission,
            ai_used=form.ai_used.data == "yes",
            ai_tools=form.ai_tools.data or "",
            ai_generated=form.ai_generated.data or "",
            people=[entry.data for entry in form.people],
        )
    except ProjectError as exc:
        # The field's error sits next to the field, not at the top.
        if exc.code == "ai_tools_missing":
            form.ai_tools.errors.append(describe(exc))
        else:
            flash_error(exc)
        return _render_work(project, submission, form), 400
    return None


@bp.route("/<int:project_id>/work/submit", methods=["POST"])
@login_required
def hand_in(project_id: int):
    """Hand in: first save the declarations on the same form (the workspace posts them with the statement),
    so what the trainee answered counts without a separate save; a refused hand-in still keeps them."""
    project, submission = _workspace(project_id)
    declared = DeclarationForm() if "ai_used" in request.form else None
    refused = declared and _declare(project, submission, declared)
    if refused:
        return refused
    form = SubmitForm()
    try:
        attempt = submissions.submit(
            submission, current_user, statement_accepted=form.validate_on_submit() and form.statement.data
        )
    except ProjectError as exc:
        flash_error(exc)
        if declared is not None and _declare(project, submission, declared) is None:
            flash(_("Your declarations are saved."), "success")
        return redirect(url_for("projects.work", project_id=project.id, _anchor="hand-in"))
    flash(_("Your work is handed in. Keep this receipt."), "success")
    return redirect(
        url_for("projects.receipt", project_id=project.id, submission_id=submission.id, number=attempt.number)
    )


@bp.route("/<int:project_id>/submissions/<int:submission_id>/attempts/<int:number>")
@login_required
def receipt(project_id: int, submission_id: int, number: int):
    project = get_project_or_404(project_id, current_user)
    submission = get_own_submission_or_404(project, submission_id, current_user)
    attempt = next((a for a in submission.attempts if a.number == number), None) or abort(404)
    return render_template("projects/receipt.html", project=project, submission=submission, attempt=attempt)


@bp.route("/<int:project_id>/submissions/<int:submission_id>")
@login_required
def review(project_id: int, submission_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, submission_id)
    history = sorted(
        [("attempt", a.submitted_at, a) for a in submission.attempts]
        + [
            ("extension", e.created_at, e)
            for e in services.extensions_for(project)
            if (submission.user_id and e.user_id == submission.user_id)
            or (submission.team_id and e.team_id == submission.team_id)
        ],
        key=lambda entry: entry[1],
        reverse=True,
    )
    return render_template(
        "projects/review.html",
        project=project,
        submission=submission,
        history=history,
        label=submissions.team_label(submission),
    )


@bp.route("/<int:project_id>/submissions.zip")
@login_required
def download_all(project_id: int):
    """Every latest attempt's files, streamed as a ZIP (only to those who may open each file)."""
    project = get_managed_project_or_404(project_id, current_user)
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    storage = media_services.get_storage()
    names = UniqueNames()
    for submission in submissions.submissions_of(project):
        attempt = submission.last_attempt
        if attempt is None:
            continue
        folder = submission_folder(submission)
        for item in attempt.items:
            if item.media is None or not media_services.can_view(current_user, item.media):
                continue
            name = (
                f"{folder}/attempt-{attempt.number}/"
                f"{zip_part_name(item.deliverable.name)}-{zip_part_name(item.file_name)}"
            )
            archive.add_path(str(storage.path(item.media.storage_key)), names.add(name))
    filename = f"project-{project.id}-submissions.zip"
    response = Response(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(len(archive))
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def submission_folder(submission: Submission) -> str:
    """The submission's folder in the ZIP: the trainee's (or team's) name and id, since two trainees may
    share a name (``Kim Minji-u12``, ``Team A-t3``)."""
    tag = f"t{submission.team_id}" if submission.team_id else f"u{submission.user_id}"
    label = zip_part_name(submissions.team_label(submission)) or "submission"
    return f"{label}-{tag}"
