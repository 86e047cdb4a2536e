"""API of peer review: reviewers list, read and submit their reviews (409 on a stale version) and pin comments
to moments of the video (changed or removed until the review is handed in); managers read the round's state
and keep its examples to practise on (their reference marks change, or they go, until a trainee practises).

Routed on the projects API blueprint (:mod:`projects.coursework.api`) with the pages' loaders, so the API
grants what the pages grant. Anonymity as on the pages: a reviewer's answers never name the work's authors
(nor its submission, which other answers could tie to them), and the reviewed author gets no review here at
all (they read them on the peer page after release, where reviewers are numbered, not named).
"""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy.orm.exc import StaleDataError

from lms.api.fields import AwareDateTime, Id
from lms.extensions import db
from lms.jobs import commit
from projects.common import ProjectError
from projects.coursework.api import blp
from projects.coursework.loaders import get_managed_project_or_404, get_submission_or_404
from projects.grading.api import checked_first
from projects.grading.rubrics import ID_MAX
from projects.grading.schemas import Amount
from projects.grading.services import COMMENT_MAX
from projects.peer import calibration, comments, grades
from projects.peer import rubric as peer_rubric
from projects.peer import services as peer
from projects.peer.arithmetic import Strictness
from projects.peer.loaders import (
    get_example_or_404,
    get_review_or_404,
    get_reviewer_project_or_404,
    get_timed_comment_or_404,
)
from projects.peer.models import PeerExample, PeerMethod, PeerReview


class PeerMarkSchema(Schema):
    level_id = fields.Str(validate=validate.Length(max=ID_MAX), allow_none=True, load_default=None)
    points = Amount(allow_none=True, load_default=None)
    comment = fields.Str(validate=validate.Length(max=COMMENT_MAX), load_default="")


def _marks(**kwargs) -> fields.Dict:
    return fields.Dict(
        keys=fields.Str(validate=validate.Length(max=ID_MAX)),
        values=fields.Nested(PeerMarkSchema),
        validate=validate.Length(max=50),
        metadata={"maxProperties": 50},
        **kwargs,
    )


class PeerTimedCommentSchema(Schema):
    id = fields.Int(dump_only=True)
    media_id = fields.Int(required=True)
    seconds = fields.Float(required=True, validate=validate.Range(min=0))
    criterion_id = fields.Str(validate=validate.Length(max=ID_MAX), allow_none=True, load_default=None)
    text = fields.Str(required=True, validate=validate.Length(min=1, max=COMMENT_MAX))


class PeerTimedCommentPatchSchema(Schema):
    """What a reviewer may change of their comment, each optional (``criterion_id`` null: the whole work)."""

    seconds = fields.Float(validate=validate.Range(min=0))
    criterion_id = fields.Str(validate=validate.Length(max=ID_MAX), allow_none=True)
    text = fields.Str(validate=validate.Length(min=1, max=COMMENT_MAX))


class PeerReviewSchema(Schema):
    """One review given to the token's owner. ``work`` numbers the works as the peer page does (1, 2, …)."""

    id = fields.Int(dump_only=True)
    work = fields.Int(dump_only=True)
    round = fields.Int(dump_only=True)
    status = fields.Str(dump_only=True)
    version = fields.Int(required=True)
    marks = _marks(required=True)
    feedback = fields.Str(validate=validate.Length(max=peer.FEEDBACK_MAX), load_default="")
    submitted_at = fields.DateTime(dump_only=True, allow_none=True)
    media_ids = fields.List(fields.Int(), dump_only=True)
    comments = fields.List(fields.Nested(PeerTimedCommentSchema), dump_only=True)


class PeerReviewListSchema(Schema):
    calibrated = fields.Bool()
    closes_at = fields.DateTime(allow_none=True)
    reviews = fields.List(fields.Nested(PeerReviewSchema))


class PeerRoundReviewSchema(Schema):
    id = fields.Int()
    reviewer_id = fields.Int()
    reviewer = fields.Str()
    submission_id = fields.Int()
    round = fields.Int()
    status = fields.Str()
    submitted_at = fields.DateTime(allow_none=True)


class PeerRoundWorkSchema(Schema):
    submission_id = fields.Int()
    label = fields.Str()
    submitted = fields.Int()
    allocated = fields.Int()
    peer_grade = fields.Str(allow_none=True)


class PeerRubricSchema(Schema):
    """The rubric reviewers mark with: the peer rubric (``own``) or the project's."""

    version_id = fields.Int()
    rubric_id = fields.Int()
    title = fields.Str()
    number = fields.Int()
    criteria = fields.Int()
    own = fields.Bool()


class PeerRoundSchema(Schema):
    """The round as its managers see it: names included (the pages show them to managers too).

    ``rubric_version_id`` is the setting (null: the project's rubric); ``rubric`` the rubric in use (null:
    none yet)."""

    enabled = fields.Bool()
    reviews_each = fields.Int()
    anonymous_authors = fields.Bool()
    anonymous_reviewers = fields.Bool()
    opens_at = fields.DateTime(allow_none=True)
    closes_at = fields.DateTime(allow_none=True)
    rubric_version_id = fields.Int(allow_none=True)
    rubric = fields.Nested(PeerRubricSchema, allow_none=True)
    works = fields.List(fields.Nested(PeerRoundWorkSchema))
    reviews = fields.List(fields.Nested(PeerRoundReviewSchema))


class PeerExampleSchema(Schema):
    """An example trainees practise on, as its managers see it: the work and the reference marks (the peer
    rubric's criteria, every one marked, in the shape of an assessment's marks). ``tries``: practice
    attempts on it so far; from the first one, the example stays as it is."""

    id = fields.Int(dump_only=True)
    submission_id = Id(required=True)
    reference = _marks(required=True)
    tries = fields.Int(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class PeerExamplePatchSchema(Schema):
    """New reference marks for an example nobody has practised on (every criterion of the peer rubric)."""

    reference = _marks(required=True)


class PeerSettingsPatchSchema(Schema):
    """A change to the round's settings: only the fields sent change (``rubric_version_id`` null: the
    project's rubric; refused, 422, once reviews or examples exist)."""

    enabled = fields.Bool()
    reviews_each = fields.Int(validate=validate.Range(min=1, max=10))
    anonymous_authors = fields.Bool()
    anonymous_reviewers = fields.Bool()
    opens_at = AwareDateTime(allow_none=True)
    closes_at = AwareDateTime(allow_none=True)
    method = fields.Str(validate=validate.OneOf([m.value for m in PeerMethod]))
    strictness = fields.Str(validate=validate.OneOf([s.value for s in Strictness]))
    peer_weight = Amount()
    self_weight = Amount()
    instructor_weight = Amount()
    agreement = Amount()
    attempts_enough = fields.Int(allow_none=True, validate=validate.Range(min=1, max=20))
    flexible_after_days = fields.Int(allow_none=True, validate=validate.Range(min=0, max=365))
    rubric_version_id = Id(allow_none=True)


def _dumped(review: PeerReview, number: int) -> dict:
    attempt = review.submission.attempts[-1] if review.submission.attempts else None
    return {
        "id": review.id,
        "work": number,
        "round": review.round,
        "status": review.status.value,
        "version": review.version,
        "marks": review.marks or {},
        "feedback": review.feedback or "",
        "submitted_at": review.submitted_at,
        "media_ids": [i.media_id for i in attempt.items if i.media_id] if attempt else [],
        "comments": [
            {
                "id": c.id,
                "media_id": c.media_id,
                "seconds": c.seconds,
                "criterion_id": c.criterion_id,
                "text": c.text,
            }
            for c in review.comments
        ],
    }


def _numbered(project, review: PeerReview) -> dict:
    """*review* with its number in the reviewer's list (the number the peer page shows)."""
    ids = [r.id for r in peer.reviews_by(project, g.api_user)]
    return _dumped(review, ids.index(review.id) + 1)


ROUND_SETTINGS = (
    "enabled",
    "reviews_each",
    "anonymous_authors",
    "anonymous_reviewers",
    "opens_at",
    "closes_at",
)


def _round(project, settings) -> dict:
    """The round as :class:`PeerRoundSchema` writes it."""
    try:
        rows = grades.overview(project)
    except ProjectError:  # no rubric at all yet: no peer grades either
        rows = []
    works = [
        {
            "submission_id": row.submission.id,
            "label": row.label,
            "submitted": row.submitted,
            "allocated": row.allocated,
            "peer_grade": None if row.result.final is None else f"{row.result.final:.2f}",
        }
        for row in rows
    ]
    reviews = [
        {
            "id": r.id,
            "reviewer_id": r.reviewer_id,
            "reviewer": r.reviewer.name,
            "submission_id": r.submission_id,
            "round": r.round,
            "status": r.status.value,
            "submitted_at": r.submitted_at,
        }
        for r in peer.allocation_of(project)
    ]
    try:
        version = peer_rubric.rubric_version_of(project, settings)
    except ProjectError:
        rubric = None
    else:
        rubric = {
            "version_id": version.id,
            "rubric_id": version.rubric_id,
            "title": version.rubric.title,
            "number": version.number,
            "criteria": len(version.criteria),
            "own": peer_rubric.own_rubric(project, settings),
        }
    return {
        **{k: getattr(settings, k) for k in ROUND_SETTINGS},
        "rubric_version_id": settings.rubric_version_id,
        "rubric": rubric,
        "works": works,
        "reviews": reviews,
    }


@blp.route("/<int:project_id>/peer/reviews")
class PeerReviews(MethodView):
    @blp.response(200, PeerReviewListSchema)
    def get(self, project_id):
        """The reviews given to the token's owner, with whether they passed calibration (404 where peer review
        is off or they do not work on the project)."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        settings = peer.settings_for(project)
        reviews = peer.reviews_by(project, g.api_user)
        return {
            "calibrated": calibration.calibrated(project, g.api_user),
            "closes_at": settings.closes_at if settings else None,
            "reviews": [_dumped(r, n) for n, r in enumerate(reviews, start=1)],
        }


def _manager_check(project_id: int) -> None:
    get_managed_project_or_404(project_id, g.api_user)


def _reviewer_check(project_id: int, review_id: int) -> None:
    get_review_or_404(get_reviewer_project_or_404(project_id, g.api_user), review_id, g.api_user)


@blp.route("/<int:project_id>/peer/reviews/<int:review_id>")
class PeerReviewOne(MethodView):
    @blp.response(200, PeerReviewSchema)
    def get(self, project_id, review_id):
        """One of the token owner's reviews (anyone else's: 404)."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        return _numbered(project, get_review_or_404(project, review_id, g.api_user))

    @checked_first(_reviewer_check)
    @blp.arguments(PeerReviewSchema)
    @blp.response(200, PeerReviewSchema)
    @blp.alt_response(409, description="The review changed since the given version; nothing was saved.")
    def put(self, data, project_id, review_id):
        """Submit the review (every criterion marked) with the ``version`` read before; a stale version gets
        409 and nothing is overwritten. Refused (422) outside the window or before calibration."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        review = get_review_or_404(project, review_id, g.api_user)
        try:
            peer.submit_review(
                review,
                g.api_user,
                expected_version=data["version"],
                marks=data["marks"],
                feedback=data["feedback"],
            )
            commit()  # here: a save committed meanwhile fails only now, and gets the 409
        except (peer.StaleReview, StaleDataError):
            db.session.rollback()
            abort(409, message=_("The review was saved elsewhere (now version %(v)s).", v=review.version))
        return _numbered(project, review)


@blp.route("/<int:project_id>/peer/reviews/<int:review_id>/comments")
class PeerReviewComments(MethodView):
    @checked_first(_reviewer_check)
    @blp.arguments(PeerTimedCommentSchema)
    @blp.response(201, PeerTimedCommentSchema)
    def post(self, data, project_id, review_id):
        """Pin a comment to a moment of one of the reviewed work's videos (``media_ids`` of the review)."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        review = get_review_or_404(project, review_id, g.api_user)
        return comments.add_timed_comment(review, g.api_user, **data)


def _comment_check(project_id: int, review_id: int, comment_id: int) -> None:
    project = get_reviewer_project_or_404(project_id, g.api_user)
    get_timed_comment_or_404(get_review_or_404(project, review_id, g.api_user), comment_id)


@blp.route("/<int:project_id>/peer/reviews/<int:review_id>/comments/<int:comment_id>")
class PeerReviewComment(MethodView):
    @checked_first(_comment_check)
    @blp.arguments(PeerTimedCommentPatchSchema)
    @blp.response(200, PeerTimedCommentSchema)
    def patch(self, data, project_id, review_id, comment_id):
        """Change the moment, the criterion or the text of one of the token owner's comments (only the fields
        sent); refused (422) once the review is handed in or the window is closed."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        comment = get_timed_comment_or_404(get_review_or_404(project, review_id, g.api_user), comment_id)
        if "criterion_id" in data:
            data["criterion_id"] = data["criterion_id"] or ""
        return comments.edit_timed_comment(comment, g.api_user, **data)

    @checked_first(_comment_check)
    @blp.response(204)
    def delete(self, project_id, review_id, comment_id):
        """Remove one of the token owner's comments; refused (422) as changes are."""
        project = get_reviewer_project_or_404(project_id, g.api_user)
        comment = get_timed_comment_or_404(get_review_or_404(project, review_id, g.api_user), comment_id)
        comments.remove_timed_comment(comment, g.api_user)


@blp.route("/<int:project_id>/peer")
class PeerRound(MethodView):
    @blp.response(200, PeerRoundSchema)
    def get(self, project_id):
        """The round's settings, each work's reviews and peer grade, and who reviews what (managers only)."""
        project = get_managed_project_or_404(project_id, g.api_user)
        settings = peer.settings_for(project)
        if settings is None:
            abort(404)
        return _round(project, settings)

    @checked_first(_manager_check)
    @blp.arguments(PeerSettingsPatchSchema)
    @blp.response(200, PeerRoundSchema)
    def patch(self, data, project_id):
        """Change the round's settings sent (managers only; the first change sets peer review up); what is not
        sent, the peer rubric too, stays. Refused (422) for a value out of range, a rubric outside the
        caller's library, or a new rubric once reviews or examples exist."""
        project = get_managed_project_or_404(project_id, g.api_user)
        settings = peer.configure(project, g.api_user, **data)
        return _round(project, settings)


def _example(example: PeerExample, tries: int) -> dict:
    """*example* as :class:`PeerExampleSchema` writes it."""
    return {
        "id": example.id,
        "submission_id": example.submission_id,
        "reference": example.reference or {},
        "tries": tries,
        "created_at": example.created_at,
    }


def _example_check(project_id: int, example_id: int) -> None:
    get_example_or_404(get_managed_project_or_404(project_id, g.api_user), example_id)


@blp.route("/<int:project_id>/peer/examples")
class PeerExamples(MethodView):
    @blp.response(200, PeerExampleSchema(many=True))
    def get(self, project_id):
        """The project's examples to practise on, with their reference marks (managers only; a project has a
        few, so the list is whole)."""
        project = get_managed_project_or_404(project_id, g.api_user)
        tries = calibration.tries_on(project)
        return [_example(e, tries.get(e.id, 0)) for e in calibration.examples_of(project)]

    @checked_first(_manager_check)
    @blp.arguments(PeerExampleSchema)
    @blp.response(201, PeerExampleSchema)
    def post(self, data, project_id):
        """Make a work of the project an example with the given reference marks (managers only). Refused
        (422) while a criterion of the peer rubric is unmarked or a mark does not fit it; a work that is an
        example already gets the new reference, refused (422) once trainees practised on it."""
        project = get_managed_project_or_404(project_id, g.api_user)
        submission = get_submission_or_404(project, data["submission_id"])
        example = calibration.add_example(project, submission, data["reference"], g.api_user)
        return _example(example, 0)


@blp.route("/<int:project_id>/peer/examples/<int:example_id>")
class PeerExampleOne(MethodView):
    @checked_first(_example_check)
    @blp.arguments(PeerExamplePatchSchema)
    @blp.response(200, PeerExampleSchema)
    def patch(self, data, project_id, example_id):
        """Change the example's reference marks (managers only); refused (422) once a trainee has practised
        on it, or for marks that leave a criterion out or do not fit it."""
        project = get_managed_project_or_404(project_id, g.api_user)
        example = get_example_or_404(project, example_id)
        return _example(calibration.change_reference(example, data["reference"], g.api_user), 0)

    @checked_first(_example_check)
    @blp.response(204)
    def delete(self, project_id, example_id):
        """Remove the example (managers only); refused (422) once a trainee has practised on it."""
        project = get_managed_project_or_404(project_id, g.api_user)
        calibration.remove_example(get_example_or_404(project, example_id), g.api_user)
