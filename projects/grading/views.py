"""Grading screens: the grading screen (whole rubric or one criterion across submissions), timed comments,
adjustments, release, feedback and self-assessment for trainees, analytics and the gradebook.

Registered on the projects blueprint (``projects.coursework.views.bp``); the request edge commits, except
where a save must answer a concurrent one (see :func:`_save_grader_marks`).  The rubric library's screens are
in :mod:`projects.grading.rubric_views`.
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError

from lms.errors import apply_change, describe, flash_error
from lms.extensions import db
from lms.forms import ActionForm
from lms.jobs import commit
from lms.pagination import paginate_list
from lms.security import role_required
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.coursework import signals as coursework_signals
from projects.coursework import submissions
from projects.coursework.views import bp
from projects.grading import comments, rubrics
from projects.grading import services as marking
from projects.grading.gradebook import cohort_gradebook, criterion_distribution
from projects.grading.loaders import (
    get_assessment_or_404,
    get_cohort_or_404,
    get_managed_project_or_404,
    get_project_or_404,
    get_submission_or_404,
)
from projects.grading.models import AssessmentKind, MarkingStatus
from projects.grading.services import StaleAssessment

STAFF = (Role.ADMIN, Role.INSTRUCTOR)


@bp.route("/<int:project_id>/submissions/<int:submission_id>/grade", methods=["GET", "POST"])
@login_required
def grade(project_id: int, submission_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, submission_id)
    try:
        assessment = marking.start_assessment(submission, current_user)
    except ProjectError as exc:
        flash_error(exc)
        return redirect(url_for("projects.project_rubric", project_id=project.id))
    conflict = draft = None
    if request.method == "POST" and ActionForm().validate_on_submit():
        typed = {
            "marks": _marks_from(request.form, assessment),
            "feedback": request.form.get("feedback", ""),
            # Absent from a form (an older page, a script): kept as they are, never wiped.
            "second_locale": request.form.get("second_locale", "") or None
            if "second_locale" in request.form
            else marking.KEEP,
            "feedback_second": request.form.get("feedback_second", "")
            if "feedback_second" in request.form
            else marking.KEEP,
            "status": _status_from(request.form),
        }
        outcome = _save_grader_marks(assessment, typed)
        if outcome is None:
            flash(_("The assessment is saved."), "success")
            return redirect(url_for("projects.grade", project_id=project.id, submission_id=submission.id))
        # Show the form as the grader filled it in, not as it was saved (the edge rolls the 4xx back).
        conflict, draft = (typed, None) if outcome == "conflict" else (None, typed)
    page = _render_grade(project, submission, assessment, conflict=conflict, draft=draft)
    return page, 409 if conflict else (422 if draft else 200)


def _render_grade(project, submission, assessment, *, conflict: dict | None, draft: dict | None) -> str:
    return render_template(
        "projects/grade.html",
        project=project,
        submission=submission,
        assessment=assessment,
        result=marking.compute(assessment, partial=True),
        conflict=conflict,
        draft=draft,
        history=marking.history(assessment),
        form=ActionForm(),
        self_assessment=marking.get_assessment(submission, AssessmentKind.SELF),
        similar=submissions.similar_work_for(submission, current_user),
        label=submissions.team_label(submission),
    )


def _save_grader_marks(assessment, typed: dict) -> str | None:
    """Save the grading form: None when saved, ``"conflict"`` when someone saved first, else ``"refused"``.

    The save runs in a savepoint, so a refused one is undone alone: an assessment this request started stays
    for the page.
    """
    try:
        if typed["status"] is None:
            raise ProjectError("bad_status")
        with db.session.begin_nested():
            marking.save_assessment(
                assessment, expected_version=request.form.get("version", type=int), by=current_user, **typed
            )
        commit()  # not at the edge: a save committed meanwhile fails only now, and gets the conflict page
    except StaleAssessment:
        return "conflict"
    except StaleDataError:
        db.session.rollback()  # the failed commit left the session unusable; the page shows the other save
        return "conflict"
    except ProjectError as exc:
        flash(describe(exc), "error")
        return "refused"
    return None


def _status_from(form) -> MarkingStatus | None:
    """The status the form chose (None for a value the form never offers)."""
    try:
        return MarkingStatus(form.get("status", "in_progress"))
    except ValueError:
        return None


def _marks_from(form, assessment) -> dict:
    return {
        c["id"]: {
            "level_id": form.get(f"level-{c['id']}") or None,
            "points": form.get(f"points-{c['id']}"),
            "comment": form.get(f"comment-{c['id']}", ""),
            "comment_second": form.get(f"comment2-{c['id']}"),  # None when the form has no such box
        }
        for c in assessment.rubric_version.criteria
    }


@bp.route("/<int:project_id>/submissions/<int:submission_id>/comments", methods=["POST"])
@login_required
def add_comment(project_id: int, submission_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, submission_id)
    assessment = get_assessment_or_404(submission)
    if ActionForm().validate_on_submit():
        form = request.form
        apply_change(
            lambda: comments.add_comment(
                assessment,
                media_id=form.get("media_id", type=int) or 0,
                seconds=form.get("seconds"),
                criterion_id=form.get("criterion_id") or None,
                text=form.get("text", ""),
                text_second=form.get("text_second", ""),
                by=current_user,
            ),
            _("The comment is pinned to that moment."),
        )
    return redirect(
        url_for("projects.grade", project_id=project.id, submission_id=submission.id, _anchor="timed")
    )


@bp.route("/<int:project_id>/submissions/<int:submission_id>/adjustments", methods=["POST"])
@login_required
def adjust(project_id: int, submission_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, submission_id)
    assessment = get_assessment_or_404(submission)
    member = db.session.get(User, request.form.get("user_id", type=int) or 0) or abort(404)
    if ActionForm().validate_on_submit():
        apply_change(
            lambda: marking.set_adjustment(
                assessment,
                member,
                request.form.get("points") or 0,
                request.form.get("reason", ""),
                current_user,
            ),
            _("The adjustment is saved."),
        )
    return redirect(url_for("projects.grade", project_id=project.id, submission_id=submission.id))


@bp.route("/<int:project_id>/release", methods=["POST"])
@bp.route("/<int:project_id>/submissions/<int:submission_id>/release", methods=["POST"])
@login_required
def release(project_id: int, submission_id: int | None = None):
    project = get_managed_project_or_404(project_id, current_user)
    if ActionForm().validate_on_submit():
        if submission_id:
            targets = [get_assessment_or_404(get_submission_or_404(project, submission_id))]
        else:
            targets = [a for s in submissions.submissions_of(project) if (a := marking.get_assessment(s))]
            if request.form.get("confirmed") != "1":
                return _confirm_release(project, targets)
        count = marking.release(targets, current_user)
        flash(_("%(count)s grade(s) released to trainees.", count=count), "success")
    if submission_id:
        return redirect(url_for("projects.grade", project_id=project.id, submission_id=submission_id))
    return redirect(url_for("projects.review_list", project_id=project.id))


def _confirm_release(project, targets) -> str:
    """The "release every ready grade" step: how many grades and trainees it reaches; nothing changes yet."""
    ready = [a for a in targets if a.status is MarkingStatus.READY and a.kind is AssessmentKind.GRADER]
    trainees = {person.id for a in ready for person in marking.recipients(a.submission)}
    return render_template(
        "projects/confirm.html",
        project=project,
        question=_(
            "Release %(grades)s ready grade(s) to %(count)s trainee(s) of cohort %(cohort)s?",
            grades=len(ready),
            count=len(trainees),
            cohort=project.cohort.name,
        ),
        detail=_("Each of them is notified and sees their grade and feedback."),
        action=url_for("projects.release", project_id=project.id),
        confirm_label=_("Release"),
        back=url_for("projects.review_list", project_id=project.id),
        form=ActionForm(),
        nothing=not ready,
    )


@bp.route("/<int:project_id>/feedback")
@login_required
def feedback(project_id: int):
    """The trainee's released grade, rubric marks and comments (nothing before release)."""
    from lms.notifications.services import mark_read

    project = get_project_or_404(project_id, current_user)
    assessment = marking.released_for(project, current_user)
    if assessment is not None:
        mark_read(current_user, request.path)
    return render_template(
        "projects/feedback.html",
        project=project,
        assessment=assessment,
        grade=marking.grade_for(assessment, current_user) if assessment else None,
    )


@bp.route("/<int:project_id>/work/self-assessment", methods=["GET", "POST"])
@login_required
def self_assess(project_id: int):
    project = get_project_or_404(project_id, current_user)
    if (
        not project.self_assessment
        or project.rubric_version_id is None
        or not submissions.can_work_on(current_user, project)
    ):
        abort(404)
    submission = submissions.submission_for(project, current_user, create=True)
    assessment = marking.start_assessment(submission, current_user, AssessmentKind.SELF)
    if request.method == "POST" and ActionForm().validate_on_submit():
        try:
            # A savepoint: a refused save is undone alone, the self-assessment this request started stays.
            with db.session.begin_nested():
                marking.save_assessment(
                    assessment,
                    expected_version=request.form.get("version", type=int),
                    marks=_marks_from(request.form, assessment),
                    feedback=request.form.get("feedback", ""),
                    status=MarkingStatus.IN_PROGRESS,
                    by=current_user,
                )
        except ProjectError as exc:
            flash(describe(exc), "error")
        else:
            flash(_("Your self-assessment is saved."), "success")
            return redirect(url_for("projects.work", project_id=project.id))
    return render_template(
        "projects/self_assess.html", project=project, assessment=assessment, form=ActionForm()
    )


@bp.route("/<int:project_id>/by-criterion", methods=["GET", "POST"])
@login_required
def by_criterion(project_id: int):
    """Mark one criterion across every submission in turn."""
    project = get_managed_project_or_404(project_id, current_user)
    if project.rubric_version is None:
        return redirect(url_for("projects.project_rubric", project_id=project.id))
    criteria = project.rubric_version.criteria
    criterion = next((c for c in criteria if c["id"] == request.args.get("criterion")), criteria[0])
    handed_in = [s for s in submissions.submissions_of(project) if s.attempts]
    index = min(max(request.args.get("i", 0, type=int), 0), max(len(handed_in) - 1, 0))
    submission = handed_in[index] if handed_in else None
    assessment = marking.start_assessment(submission, current_user) if submission else None
    if request.method == "POST" and assessment is not None and ActionForm().validate_on_submit():
        saved = _save_one_criterion(assessment, criterion["id"])
        return redirect(
            url_for(
                "projects.by_criterion",
                project_id=project.id,
                criterion=criterion["id"],
                i=index + 1 if saved and index + 1 < len(handed_in) else index,
            )
        )
    return render_template(
        "projects/by_criterion.html",
        project=project,
        criteria=criteria,
        criterion=criterion,
        submission=submission,
        assessment=assessment,
        index=index,
        count=len(handed_in),
        form=ActionForm(),
        label=submissions.team_label(submission) if submission else "",
    )


def _save_one_criterion(assessment, criterion_id: str) -> bool:
    """Save the form's mark for one criterion, keeping the others; False (and why, flashed) when refused."""
    marks = dict(assessment.marks or {})
    marks[criterion_id] = {
        "level_id": request.form.get("level") or None,
        "points": request.form.get("points"),
        "comment": request.form.get("comment", ""),
    }
    status = assessment.status
    if status is MarkingStatus.NOT_STARTED:
        status = MarkingStatus.IN_PROGRESS
    try:
        marking.save_assessment(
            assessment,
            expected_version=request.form.get("version", type=int),
            marks=marks,
            feedback=assessment.feedback,
            status=status,
            by=current_user,
        )
        commit()  # not at the edge: a save committed meanwhile fails only now, and is answered below
    except (StaleAssessment, StaleDataError):
        db.session.rollback()
        flash(_("Someone else saved this assessment meanwhile. Check the mark and save again."), "error")
        return False
    except ProjectError as exc:
        flash_error(exc)
        return False
    return True


@bp.route("/<int:project_id>/analytics")
@login_required
def analytics(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    return render_template(
        "projects/analytics.html", project=project, distribution=criterion_distribution(project)
    )


@bp.route("/cohorts/<int:cohort_id>/gradebook")
@bp.route("/cohorts/<int:cohort_id>/gradebook.csv", endpoint="gradebook_csv")
@role_required(*STAFF)
def gradebook(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, current_user)
    projects, trainees, cells = cohort_gradebook(cohort.id)
    wanted = request.args.get("filter", "")
    if wanted == "missing":
        trainees = [t for t in trainees if any(not cells[(t.id, p.id)].handed_in for p in projects)]
    if request.endpoint == "projects.gradebook_csv":
        return _gradebook_csv(cohort, projects, trainees, cells, _extra_columns(projects, trainees))
    # The cells of a whole cohort are a dozen plain-row queries; rendering is what grows, so only a page is.
    page = paginate_list(trainees, per_page=100)
    return render_template(
        "projects/gradebook.html",
        cohort=cohort,
        projects=projects,
        page=page,
        rows=_gradebook_rows(projects, page.items, cells, _extra_columns(projects, page.items)),
        current_filter=wanted,
    )


def _extra_columns(projects, trainees) -> dict[int, list[tuple[str, dict]]]:
    """Other domains' columns (peer review's), by the project they follow."""
    extra: dict[int, list[tuple[str, dict]]] = {}
    for _receiver, columns in coursework_signals.gradebook_columns.send(projects, trainees=trainees):
        for project_id, label, values in columns or []:
            extra.setdefault(project_id, []).append((label, values))
    return extra


def _gradebook_rows(projects, trainees, cells, extra=None) -> list[tuple[str, Markup]]:
    """Each trainee's name and the row's cells as ready-made HTML (escaped here).

    A template loop or macro call per cell made a 300 x 20 gradebook four
    times slower than this; the translated labels are escaped once.
    """
    labels = {
        MarkingStatus.NOT_STARTED: _("Not started"),
        MarkingStatus.IN_PROGRESS: _("In progress"),
        MarkingStatus.READY: _("Ready for release"),
        MarkingStatus.RELEASED: _("Released"),
    }
    status_html = {status: f"<br><small>{escape(text)}</small>" for status, text in labels.items()}
    status_html[None] = f"<small>{escape(_('Handed in, not graded yet'))}</small>"
    late = f' <span class="badge media-pending">{escape(_("late"))}</span>'
    missing = f'<small class="muted">{escape(_("Not handed in"))}</small>'
    extended = f' <span class="badge">{escape(_("extended"))}</span>'
    columns = [(p.id, p.published) for p in projects]
    rows = []
    for trainee in trainees:
        tid, out = trainee.id, []
        for pid, published in columns:
            cell = cells[(tid, pid)]
            grade = "" if cell.grade is None else f"<strong>{marking.format_grade(cell.grade)}</strong>"
            tail = late if cell.late else (missing if not cell.handed_in and published else "")
            status = status_html[cell.status] if cell.handed_in else ""
            more = "".join(
                f"<br><small>{escape(label)}: {marking.format_grade(values.get(tid))}</small>"
                for label, values in (extra or {}).get(pid, ())
                if values.get(tid) is not None
            )
            out.append(f"<td>{grade}{status}{tail}{extended if cell.extended else ''}{more}</td>")
        rows.append((trainee.name, Markup("".join(out))))
    return rows


def _gradebook_csv(cohort, projects, trainees, cells, extra=None) -> Response:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 (Korean names) only with a BOM
    writer = csv.writer(out)
    extra = extra or {}
    heading = [_("Name"), _("Email")]
    for p in projects:
        heading += [p.title] + [f"{p.title}: {label}" for label, _values in extra.get(p.id, ())]
    # Titles are typed by instructors: a heading cell can start a formula as much as a name can.
    writer.writerow([rubrics.safe_cell(v) for v in heading])
    for trainee in trainees:
        row = [trainee.name, trainee.email]
        for project in projects:
            cell = cells[(trainee.id, project.id)]
            row.append(marking.format_grade(cell.grade))
            row += [
                marking.format_grade(values.get(trainee.id)) for _label, values in extra.get(project.id, ())
            ]
        writer.writerow([rubrics.safe_cell(v) for v in row])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="gradebook-cohort-{cohort.id}.csv"'
    return response
