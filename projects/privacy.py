"""The projects plugin's answers about personal data (receivers of :data:`lms.signals.personal_data_requested`
and :data:`lms.signals.user_anonymised`).

The download holds the user's submissions and attempts, the grades released to them, extensions, teams,
portfolio (items, links without their token hashes, the view log), completion records, interests, the peer
reviews they wrote and their calibration tries, and the peer reviews of their work once released (without
the reviewers). Anonymising keeps grades and rubric marks for statistics and removes identity: the portfolio
and its links, the people named in the user's work, the texts they wrote (peer reviews included), the graders'
and peers' written feedback about them, and the names in their completion records (which are revoked).
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import delete, or_, select, update

from lms.extensions import db
from lms.signals import PersonalData
from lms.users.privacy import row_dict
from projects.careers.models import Employer, Interest
from projects.completions.models import Completion
from projects.coursework.models import Attempt, AttemptItem, Extension, Submission, TeamMember
from projects.grading import services as marking
from projects.grading.models import Assessment, AssessmentChange, AssessmentKind, MarkingStatus, TimedComment
from projects.peer.models import PeerCalibration, PeerReview, PeerReviewStatus
from projects.portfolios.models import Portfolio

log = logging.getLogger(__name__)


def _loaded() -> bool:
    return "projects" in current_app.extensions


def _submissions(user) -> list[Submission]:
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    return list(
        db.session.scalars(
            select(Submission)
            .where(or_(Submission.user_id == user.id, Submission.team_id.in_(teams)))
            .order_by(Submission.id)
        )
    )


def _submission_data(submission: Submission, user) -> dict:
    data = row_dict(submission)
    data["project"] = {
        "id": submission.project_id,
        "title_ko": submission.project.title_ko,
        "title_en": submission.project.title_en,
    }
    data["attempts"] = [{**row_dict(a), "items": [row_dict(i) for i in a.items]} for a in submission.attempts]
    graded = marking.get_assessment(submission)
    if graded is not None and graded.status is MarkingStatus.RELEASED:
        data["grade"] = {
            "grade": marking.format_grade(marking.grade_for(graded, user)),
            "max_grade": marking.format_grade(submission.project.max_grade),
            "feedback": graded.feedback,
            "second_locale": graded.second_locale,
            "feedback_second": graded.feedback_second,
            "marks": graded.marks,
            "released_at": graded.released_at,
            "comments": [row_dict(c, skip=("assessment_id",)) for c in graded.comments],
        }
    own = marking.get_assessment(submission, AssessmentKind.SELF)
    if own is not None:
        data["self_assessment"] = row_dict(own, skip=("version",))
    return data


def personal_data(user, **_kwargs):
    if not _loaded():
        return None
    data = {
        "submissions": [_submission_data(s, user) for s in _submissions(user)],
        "extensions": [
            row_dict(e) for e in db.session.scalars(select(Extension).where(Extension.user_id == user.id))
        ],
        "teams": [
            row_dict(t) for t in db.session.scalars(select(TeamMember).where(TeamMember.user_id == user.id))
        ],
        "completions": [
            row_dict(c) for c in db.session.scalars(select(Completion).where(Completion.user_id == user.id))
        ],
        "interests": [
            {**row_dict(i), "events": [row_dict(e) for e in i.events]}
            for i in db.session.scalars(select(Interest).where(Interest.trainee_id == user.id))
        ],
    }
    data["peer_reviews_written"] = [
        {**row_dict(r, skip=("version",)), "comments": [row_dict(c) for c in r.comments]}
        for r in db.session.scalars(select(PeerReview).where(PeerReview.reviewer_id == user.id))
    ]
    data["peer_calibrations"] = [
        row_dict(c)
        for c in db.session.scalars(select(PeerCalibration).where(PeerCalibration.reviewer_id == user.id))
    ]
    data["peer_reviews_received"] = _reviews_received(user)
    portfolio = db.session.scalar(select(Portfolio).where(Portfolio.owner_id == user.id))
    if portfolio is not None:
        from projects.portfolios.services import view_log

        data["portfolio"] = {
            **row_dict(portfolio),
            "items": [row_dict(i) for i in portfolio.items],
            "competencies": [row_dict(c) for c in portfolio.competencies],
            "links": [row_dict(link) for link in portfolio.links],
            "views": [row_dict(v) for v in view_log(portfolio, limit=100_000)],
        }
    employer = db.session.scalar(select(Employer).where(Employer.user_id == user.id))
    if employer is not None:
        data["employer"] = row_dict(employer)
    from projects.credentials import services as credentials

    data["open_badges"] = credentials.personal_data(user)
    from projects.attendance import privacy as attendance

    data["attendance"] = attendance.personal_data(user)
    from projects.ncs import services as ncs

    data["ncs_coverage"] = ncs.coverage_data(user)  # the NCS units shown and the graded work that shows each
    return [PersonalData("projects", data)]


def _reviews_received(user) -> list[dict]:
    """The submitted peer reviews of the user's work whose grade was released, without who wrote them."""
    released = [
        s.id
        for s in _submissions(user)
        if (graded := marking.get_assessment(s)) is not None and graded.status is MarkingStatus.RELEASED
    ]
    if not released:
        return []
    reviews = db.session.scalars(
        select(PeerReview).where(
            PeerReview.submission_id.in_(released), PeerReview.status == PeerReviewStatus.SUBMITTED
        )
    )
    return [
        {
            "submission_id": r.submission_id,
            "marks": r.marks,
            "feedback": r.feedback,
            "comments": [
                {"seconds": c.seconds, "criterion_id": c.criterion_id, "text": c.text} for c in r.comments
            ],
        }
        for r in reviews
    ]


def anonymise(user, by=None, **_kwargs) -> None:
    """Receiver of ``user_anonymised`` (see the module's policy)."""
    if not _loaded():
        return
    portfolio = db.session.scalar(select(Portfolio).where(Portfolio.owner_id == user.id))
    if portfolio is not None:
        db.session.delete(portfolio)  # items, links, view log and competencies go with it
    for completion in db.session.scalars(select(Completion).where(Completion.user_id == user.id)):
        record = completion.record or {}
        completion.record = {
            "v": record.get("v"),
            "anonymised": True,
            "programme": record.get("programme"),
            "cohort": record.get("cohort"),
            "completed_on": record.get("completed_on"),
        }
        if completion.revoked_at is None:
            from projects.completions.services import revoke_completion

            revoke_completion(completion, "account anonymised", by)
    from projects.credentials import services as credentials

    credentials.anonymise(user)  # revoked, and the stored copies emptied
    from projects.attendance import privacy as attendance

    attendance.anonymise(user)  # marks kept for the hours; reasons, excuses and check-in traces removed
    own = [s.id for s in db.session.scalars(select(Submission).where(Submission.user_id == user.id))]
    if own:
        attempts = select(Attempt.id).where(Attempt.submission_id.in_(own))
        # Attempts are immutable through the ORM (projects.models.coursework); removing a departed person's
        # identity is the one rewrite allowed, done as plain UPDATEs that leave dates, lateness and files'
        # ids.
        db.session.execute(
            update(Attempt)
            .where(Attempt.submission_id.in_(own))
            .values(people=[], ai_tools="", ai_generated="")
        )
        db.session.execute(
            update(AttemptItem)
            .where(AttemptItem.attempt_id.in_(attempts))
            .values(file_name="", text="", link_url="")
        )
        db.session.execute(
            update(Submission).where(Submission.id.in_(own)).values(people=[], ai_tools="", ai_generated="")
        )
        graded = select(Assessment.id).where(Assessment.submission_id.in_(own))
        db.session.execute(delete(TimedComment).where(TimedComment.assessment_id.in_(graded)))
        db.session.execute(delete(AssessmentChange).where(AssessmentChange.assessment_id.in_(graded)))
        for assessment in db.session.scalars(select(Assessment).where(Assessment.submission_id.in_(own))):
            assessment.feedback = assessment.feedback_second = ""
            assessment.marks = {
                cid: {**mark, "comment": "", "comment_second": ""}
                for cid, mark in (assessment.marks or {}).items()
            }
    # Peer reviews: what they wrote about others, and what others wrote about their work.
    for review in db.session.scalars(
        select(PeerReview).where(or_(PeerReview.reviewer_id == user.id, PeerReview.submission_id.in_(own)))
    ):
        review.feedback = ""
        review.marks = {cid: {**mark, "comment": ""} for cid, mark in (review.marks or {}).items()}
    db.session.execute(update(Interest).where(Interest.trainee_id == user.id).values(trainee_note=""))
    db.session.flush()
    log.info("projects data of user %s anonymised (%s own submission(s))", user.id, len(own))
