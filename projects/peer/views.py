"""Peer review's pages, on the projects blueprint: the instructor's set-up and results, the trainee's reviews
and practice on examples."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.exc import StaleDataError

from lms.errors import apply_change, describe
from lms.extensions import db
from lms.forms import ActionForm
from lms.jobs import commit
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.loaders import get_managed_project_or_404, get_submission_or_404
from projects.coursework.views import bp
from projects.peer import calibration, comments, grades
from projects.peer import rubric as peer_rubric
from projects.peer import services as peer
from projects.peer.forms import OverrideForm, PeerSettingsForm
from projects.peer.loaders import (
    get_example_or_404,
    get_managed_review_or_404,
    get_review_or_404,
    get_reviewer_project_or_404,
    get_timed_comment_or_404,
)


def _marks_from(form, project) -> dict:
    """The rubric inputs of a review form, in the shape of an assessment's marks (the peer rubric's
    criteria)."""
    return {
        c.id: {
            "level_id": form.get(f"level-{c.id}") or None,
            "points": form.get(f"points-{c.id}"),
            "comment": form.get(f"comment-{c.id}", ""),
        }
        for c in peer.rubric_of(project).criteria
    }


def _rubric_or_none(project, settings=None):
    """The rubric version reviewers mark with, for a page (None: there is none yet)."""
    try:
        return peer_rubric.rubric_version_of(project, settings)
    except ProjectError:
        return None


@bp.route("/<int:project_id>/peer", methods=["GET", "POST"])
@login_required
def peer_setup(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    settings = peer.settings_for(project)
    form = PeerSettingsForm(obj=settings)
    form.offer_rubrics(project, settings, current_user)
    if form.validate_on_submit() and apply_change(
        lambda: peer.configure(project, current_user, **form.values()), _("Peer review settings are saved.")
    ):
        return redirect(url_for("projects.peer_setup", project_id=project.id))
    settings = peer.settings_for(project)  # a refusal rolled the session back
    rubric = _rubric_or_none(project, settings)
    return render_template(
        "projects/peer/setup.html",
        project=project,
        settings=settings,
        form=form,
        rubric=rubric,
        own_rubric=peer_rubric.own_rubric(project, settings),
        locked=peer_rubric.peer_marks_exist(project),
        # Without any rubric there is no peer grade yet; the page still opens, to choose one.
        overview=grades.overview(project) if settings and rubric else None,
        examples=calibration.examples_of(project) if settings else [],
        tries=calibration.tries_on(project) if settings else {},
        grades_fit=bool(rubric) and calibration.grades_fit(project),
        action=ActionForm(),
        override=OverrideForm(),
    )


@bp.route("/<int:project_id>/peer/allocate", methods=["GET", "POST"])
@login_required
def peer_allocate(project_id: int):
    """Share out the reviews: a confirmation page that says how many works and reviewers (GET, or a POST
    without ``confirmed=1``), then the allocation."""
    project = get_managed_project_or_404(project_id, current_user)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit() and request.form.get("confirmed") == "1":
        apply_change(lambda: peer.allocate_reviews(project, current_user), _("Reviews are shared out."))
        return redirect(url_for("projects.peer_setup", project_id=project.id))
    try:
        plan = peer.allocation_plan(project)
    except ProjectError as exc:
        flash(describe(exc), "error")
        return redirect(url_for("projects.peer_setup", project_id=project.id))
    return render_template("projects/peer/allocate_confirm.html", project=project, plan=plan, form=form)


@bp.route("/<int:project_id>/peer/examples", methods=["POST"])
@login_required
def peer_add_example(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, request.form.get("submission_id", type=int) or 0)
    if ActionForm().validate_on_submit():
        apply_change(
            lambda: calibration.example_from_grade(project, submission, current_user),
            _("The work is an example now. Your marks are the reference."),
        )
    return redirect(url_for("projects.peer_setup", project_id=project.id))


@bp.route("/<int:project_id>/peer/examples/new", methods=["GET", "POST"])
@login_required
def peer_new_example(project_id: int):
    """Make the chosen work (``submission_id``) an example by marking its reference with the peer rubric.

    The setup page's form comes by POST with ``step=open`` and is sent on to the GET (no token in a URL);
    a work that is an example already opens that example's reference."""
    project = get_managed_project_or_404(project_id, current_user)
    submission_id = request.values.get("submission_id", type=int)
    if not submission_id:
        flash(_("Choose a work."), "error")
        return redirect(url_for("projects.peer_setup", project_id=project.id, _anchor="examples"))
    submission = get_submission_or_404(project, submission_id)
    example = calibration.example_of(project, submission)
    if request.method == "GET" or request.form.get("step") == "open":
        if example is not None:
            return redirect(
                url_for("projects.peer_example_reference", project_id=project.id, example_id=example.id)
            )
        if request.method == "POST":
            return redirect(
                url_for("projects.peer_new_example", project_id=project.id, submission_id=submission.id), 303
            )
    return _reference_page(project, submission, example)


@bp.route("/<int:project_id>/peer/examples/<int:example_id>/reference", methods=["GET", "POST"])
@login_required
def peer_example_reference(project_id: int, example_id: int):
    """Change an example's reference marks (refused once a trainee has practised on it)."""
    project = get_managed_project_or_404(project_id, current_user)
    example = get_example_or_404(project, example_id)
    return _reference_page(project, example.submission, example)


def _reference_page(project, submission, example):
    """The work as reviewers see it and the peer rubric in reference mode; a POST saves the marks (a new
    example, or the example's new reference) and a refusal shows the page again with everything typed."""
    rubric = _rubric_or_none(project)
    if rubric is None:
        flash(_("Peer review needs a rubric. Attach a rubric to the project first."), "error")
        return redirect(url_for("projects.peer_setup", project_id=project.id))
    marks = example.reference if example is not None else {}
    if request.method == "POST" and ActionForm().validate_on_submit():
        marks = _marks_from(request.form, project)
        try:
            if example is None:
                calibration.add_example(project, submission, marks, current_user)
            else:
                calibration.change_reference(example, marks, current_user)
        except ProjectError as exc:
            flash(describe(exc), "error")
        else:
            flash(_("The reference is saved. Trainees compare their marks with it."), "success")
            return redirect(url_for("projects.peer_setup", project_id=project.id, _anchor="examples"))
    return render_template(
        "projects/peer/reference.html",
        project=project,
        rubric=rubric,
        submission=submission,
        example=example,
        marks=marks,
        practised=example is not None and calibration.practised(example),
        attempt=submission.attempts[-1] if submission.attempts else None,
        form=ActionForm(),
    )


@bp.route("/<int:project_id>/peer/examples/<int:example_id>/delete", methods=["POST"])
@login_required
def peer_remove_example(project_id: int, example_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    example = get_example_or_404(project, example_id)
    if ActionForm().validate_on_submit():
        apply_change(lambda: calibration.remove_example(example, current_user), _("The example is removed."))
    return redirect(url_for("projects.peer_setup", project_id=project.id, _anchor="examples"))


@bp.route("/<int:project_id>/peer/works/<int:submission_id>/override", methods=["POST"])
@login_required
def peer_override(project_id: int, submission_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    submission = get_submission_or_404(project, submission_id)
    form = OverrideForm()
    if form.validate_on_submit():
        apply_change(
            lambda: grades.override(submission, form.grade.data, form.reason.data, current_user),
            _("The peer grade is changed."),
        )
    else:
        flash(_("Write a reason."), "error")
    return redirect(url_for("projects.peer_setup", project_id=project.id))


@bp.route("/<int:project_id>/peer/reviews")
@login_required
def peer_reviews(project_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    settings = peer.settings_for(project)
    return render_template(
        "projects/peer/reviews.html",
        project=project,
        settings=settings,
        rubric=_rubric_or_none(project, settings),
        reviews=peer.reviews_by(project, current_user),
        examples=calibration.practice_for(project, current_user),
        calibrated=calibration.calibrated(project, current_user),
        received=grades.received(project, current_user),
    )


@bp.route("/<int:project_id>/peer/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def peer_review(project_id: int, review_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    review = get_review_or_404(project, review_id, current_user)
    marks, conflict = review.marks or {}, False
    if request.method == "POST" and ActionForm().validate_on_submit():
        marks = _marks_from(request.form, project)
        try:
            with db.session.begin_nested():
                peer.submit_review(
                    review,
                    current_user,
                    expected_version=request.form.get("version", type=int) or 0,
                    marks=marks,
                    feedback=request.form.get("feedback", ""),
                )
            commit()
        except (peer.StaleReview, StaleDataError):
            db.session.rollback()
            conflict = True
        except ProjectError as exc:
            flash(describe(exc), "error")
        else:
            flash(_("Your review is saved."), "success")
            return redirect(url_for("projects.peer_reviews", project_id=project.id))
    return _render_review(project, review, marks, conflict)


def _render_review(project, review, marks: dict, conflict: bool) -> str:
    """The review screen: the work (names hidden when authors are anonymous), its timed comments (changeable
    while the review is open to its reviewer) and the rubric with *marks*."""
    settings = peer.settings_for(project)
    return render_template(
        "projects/peer/review.html",
        project=project,
        rubric=peer_rubric.rubric_version_of(project, settings),
        review=review,
        marks=marks,
        feedback=request.form.get("feedback", review.feedback),
        attempt=review.submission.attempts[-1] if review.submission.attempts else None,
        anonymous=settings is None or settings.anonymous_authors,
        comments_open=comments.comments_open(review, current_user),
        conflict=conflict,
        form=ActionForm(),
    )


@bp.route("/<int:project_id>/peer/reviews/<int:review_id>/comments", methods=["POST"])
@login_required
def peer_add_comment(project_id: int, review_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    review = get_review_or_404(project, review_id, current_user)
    if ActionForm().validate_on_submit():
        form = request.form
        apply_change(
            lambda: comments.add_timed_comment(
                review,
                current_user,
                media_id=form.get("media_id", type=int) or 0,
                seconds=form.get("seconds"),
                criterion_id=form.get("criterion_id") or None,
                text=form.get("text", ""),
            ),
            _("The comment is pinned to that moment."),
        )
    return redirect(
        url_for("projects.peer_review", project_id=project.id, review_id=review.id, _anchor="timed")
    )


@bp.route("/<int:project_id>/peer/reviews/<int:review_id>/comments/<int:comment_id>", methods=["POST"])
@login_required
def peer_edit_comment(project_id: int, review_id: int, comment_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    review = get_review_or_404(project, review_id, current_user)
    comment = get_timed_comment_or_404(review, comment_id)
    if ActionForm().validate_on_submit():
        form = request.form
        apply_change(
            lambda: comments.edit_timed_comment(
                comment,
                current_user,
                text=form.get("text", ""),
                seconds=form.get("seconds"),
                criterion_id=form.get("criterion_id", ""),
            ),
            _("The comment is changed."),
        )
    return redirect(
        url_for(
            "projects.peer_review",
            project_id=project.id,
            review_id=review.id,
            _anchor=f"comment-{comment.id}",
        )
    )


@bp.route("/<int:project_id>/peer/reviews/<int:review_id>/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def peer_remove_comment(project_id: int, review_id: int, comment_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    review = get_review_or_404(project, review_id, current_user)
    comment = get_timed_comment_or_404(review, comment_id)
    if ActionForm().validate_on_submit():
        apply_change(
            lambda: comments.remove_timed_comment(comment, current_user), _("The comment is removed.")
        )
    return redirect(
        url_for("projects.peer_review", project_id=project.id, review_id=review.id, _anchor="timed")
    )


@bp.route("/<int:project_id>/peer/allocation")
@login_required
def peer_allocation(project_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    if peer.settings_for(project) is None:
        abort(404)
    return render_template(
        "projects/peer/allocation.html",
        project=project,
        reviews=peer.allocation_of(project),
        candidates=peer.candidates_for(project),
        form=ActionForm(),
    )


@bp.route("/<int:project_id>/peer/allocation/<int:review_id>", methods=["POST"])
@login_required
def peer_reallocate(project_id: int, review_id: int):
    project = get_managed_project_or_404(project_id, current_user)
    review = get_managed_review_or_404(project, review_id)
    reviewer = db.session.get(User, request.form.get("reviewer_id", type=int) or 0)
    if not ActionForm().validate_on_submit():
        pass  # a form without its token moves nothing
    elif reviewer is None or reviewer.id not in {u.id for u in peer.candidates_for(project)}:
        flash(_("Choose another reviewer."), "error")
    else:
        before = review.reviewer.name
        apply_change(
            lambda: peer.reallocate(review, reviewer, current_user),
            _("The review moved from %(before)s to %(after)s.", before=before, after=reviewer.name),
        )
    return redirect(url_for("projects.peer_allocation", project_id=project.id, _anchor=f"review-{review.id}"))


@bp.route("/<int:project_id>/peer/examples/<int:example_id>", methods=["GET", "POST"])
@login_required
def peer_practise(project_id: int, example_id: int):
    project = get_reviewer_project_or_404(project_id, current_user)
    example = get_example_or_404(project, example_id)
    attempt, marks = None, {}
    if request.method == "POST" and ActionForm().validate_on_submit():
        marks = _marks_from(request.form, project)
        try:
            attempt = calibration.calibrate(example, current_user, marks)
        except ProjectError as exc:
            flash(describe(exc), "error")
    return render_template(
        "projects/peer/practise.html",
        project=project,
        rubric=peer_rubric.rubric_version_of(project),
        example=example,
        marks=marks,
        result=attempt,
        comparison=calibration.comparison(example, marks) if attempt is not None else None,
        work=example.submission.attempts[-1] if example.submission.attempts else None,
        form=ActionForm(),
    )
