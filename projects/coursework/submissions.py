"""Submissions: the draft a trainee (or team) prepares, and the immutable attempts handed in.

A file reaches the draft through the media checks: a new upload waits as the
item's *candidate*; :func:`on_media_processed` promotes it once it is
accepted and leaves it (with its reasons) otherwise, so a rejected file never
replaces an accepted one.  :func:`submit` copies the draft into a numbered
:class:`~projects.models.Attempt` in one transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple, cast

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from lms.db import utcnow
from lms.extensions import db
from lms.faults import crash_point
from lms.users.models import Role, User
from media.models import MediaFile, MediaStatus
from projects.common import ProjectError
from projects.coursework import caption_rules, signals
from projects.coursework.models import (
    Attempt,
    AttemptItem,
    Deliverable,
    DraftItem,
    Project,
    Submission,
    SubmissionStatus,
    Team,
)
from projects.coursework.services import can_manage, can_view, dates_for, is_enrolled, team_of

log = logging.getLogger(__name__)

CONSENT_VALUES = ("given", "pending", "refused")


def submission_for(project: Project, user: User, *, create: bool = False) -> Submission | None:
    """The user's submission (their team's in a team project); created on first use when *create*."""
    team = team_of(project, user) if project.team_mode else None
    if project.team_mode and team is None:
        if create:
            raise ProjectError("no_team")
        return None
    owner = Submission.team_id == team.id if team else Submission.user_id == user.id
    submission = db.session.scalar(select(Submission).where(Submission.project_id == project.id, owner))
    if submission is None and create:
        submission = Submission(
            project_id=project.id,
            user_id=None if team else user.id,
            team_id=team.id if team else None,
            people=[],
        )
        db.session.add(submission)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            # A teammate's request created it a moment ago.
            submission = db.session.scalar(
                select(Submission).where(Submission.project_id == project.id, owner)
            )
    return submission


def can_work_on(user: User, project: Project) -> bool:
    """Trainees enrolled in the cohort work on a published project (in a team when it is a team project)."""
    if user.role is not Role.TRAINEE or not project.published or not is_enrolled(user, project.cohort_id):
        return False
    return not project.team_mode or team_of(project, user) is not None


def recipients(submission: Submission) -> list[User]:
    """The trainees a submission belongs to: its trainee, or every member of its team."""
    if submission.team_id:
        return list(cast(Team, submission.team).members)  # a team submission always has its team
    return [cast(User, submission.user)]  # user_or_team: a submission without a team has its user


def belongs_to(user: User, submission: Submission) -> bool:
    """Whether *submission* is the user's own or their team's."""
    if submission.user_id is not None:
        return submission.user_id == user.id
    team = team_of(submission.project, user)
    return team is not None and team.id == submission.team_id


def check_can_hand_in(project: Project, user: User, now: datetime | None = None) -> None:
    """Raise :class:`ProjectError` when the user may not change or submit work right now."""
    now = now or utcnow()
    if not can_work_on(user, project):
        raise ProjectError("not_allowed")
    dates = dates_for(project, user)
    if not dates.is_open(now):
        raise ProjectError("not_open", opens_at=dates.opens_at)
    if dates.is_closed(now):
        raise ProjectError("closed", cutoff_at=dates.cutoff_at)


def draft_item(submission: Submission, deliverable: Deliverable) -> DraftItem:
    item = submission.item_for(deliverable)
    if item is None:
        item = DraftItem(deliverable_id=deliverable.id)
        submission.items.append(item)
        db.session.flush()
    return item


def attach_upload(submission: Submission, deliverable: Deliverable, media: MediaFile) -> DraftItem:
    """Put a new upload forward for a deliverable; it becomes the item's file once its checks accept it."""
    if deliverable.project_id != submission.project_id or not deliverable.kind.is_file:
        raise ProjectError("wrong_deliverable")
    item = draft_item(submission, deliverable)
    item.candidate_id = media.id
    if media.status is MediaStatus.READY:
        _promote(item, media)
    db.session.flush()
    return item


def _promote(item: DraftItem, media: MediaFile) -> None:
    item.media_id, item.candidate_id = media.id, None


def on_media_processed(media: MediaFile) -> None:
    """Receiver of ``media_processed``: accepted candidates become the draft's file."""
    if media.status is not MediaStatus.READY:
        return
    for item in db.session.scalars(select(DraftItem).where(DraftItem.candidate_id == media.id)):
        _promote(item, media)
    db.session.flush()


#: The hand-in forms' limits, kept by the service too: longer input is refused, never cut.
LINK_MAX, ANSWER_MAX, PERSON_NAME_MAX, AI_TOOLS_MAX, AI_GENERATED_MAX = 2000, 20000, 120, 500, 5000


def _refuse_long(text: str, limit: int) -> None:
    if len(text) > limit:
        raise ProjectError("too_long", limit=limit)


def save_answer(
    submission: Submission, deliverable: Deliverable, *, link_url: str = "", text: str = ""
) -> DraftItem:
    """Store the link or text of a link/text deliverable."""
    if deliverable.project_id != submission.project_id or deliverable.kind.is_file:
        raise ProjectError("wrong_deliverable")
    if link_url and not link_url.lower().startswith(("https://", "http://")):
        raise ProjectError("bad_link")
    _refuse_long(link_url.strip(), LINK_MAX)
    _refuse_long(text, ANSWER_MAX)
    item = draft_item(submission, deliverable)
    item.link_url, item.text = link_url.strip(), text
    db.session.flush()
    return item


def save_declarations(
    submission: Submission,
    *,
    ai_used: bool | None,
    ai_tools: str = "",
    ai_generated: str = "",
    people: list[dict] | None = None,
) -> None:
    """Record the AI-use disclosure and the people who appear in the work (with their consent)."""
    clean = []
    for person in people or []:
        name = str(person.get("name") or "").strip()
        consent = person.get("consent", "pending")
        if not name:
            continue
        if consent not in CONSENT_VALUES:
            raise ProjectError("bad_consent")
        _refuse_long(name, PERSON_NAME_MAX)
        clean.append({"name": name, "consent": consent})
    if ai_used and not ai_tools.strip():
        raise ProjectError("ai_tools_missing")
    _refuse_long(ai_tools.strip(), AI_TOOLS_MAX)
    _refuse_long(ai_generated.strip(), AI_GENERATED_MAX)
    submission.ai_used = ai_used
    submission.ai_tools = ai_tools.strip() if ai_used else ""
    submission.ai_generated = ai_generated.strip() if ai_used else ""
    submission.people = clean
    db.session.flush()


def missing_captions(deliverable: Deliverable, media: MediaFile) -> list[str]:
    """The caption languages *deliverable* requires that the film *media* has no reviewed track in."""
    if not deliverable.captions or media.kind != "video":
        return []
    return caption_rules.missing(
        deliverable.captions, [(t.language, t.needs_review) for t in media.caption_tracks]
    )


def missing_parts(submission: Submission) -> list[tuple[str, Deliverable | None]]:
    """What still stops the draft from being handed in: ``(code, deliverable)`` pairs."""
    missing: list[tuple[str, Deliverable | None]] = []
    for deliverable in submission.project.deliverables:
        item = submission.item_for(deliverable)
        if deliverable.kind.is_file:
            if item is not None and item.candidate is not None and not item.candidate.status.done:
                missing.append(("being_checked", deliverable))
            elif deliverable.required and (item is None or item.media is None):
                missing.append(("file_missing", deliverable))
            elif item is not None and item.media is not None and missing_captions(deliverable, item.media):
                missing.append(("captions_missing", deliverable))
        elif deliverable.required and (item is None or not (item.link_url or item.text.strip())):
            missing.append(("answer_missing", deliverable))
    if submission.ai_used is None:
        missing.append(("ai_unanswered", None))
    return missing


def submit(
    submission: Submission, user: User, *, statement_accepted: bool, now: datetime | None = None
) -> Attempt:
    """Hand in the draft as a new attempt.

    Late after the due date in force, refused after the cut-off (extensions
    count), refused past the maximum number of attempts.
    """
    now = now or utcnow()
    project = submission.project
    check_can_hand_in(project, user, now)
    if not belongs_to(user, submission):
        raise ProjectError("not_allowed")
    if not statement_accepted:
        raise ProjectError("statement")
    if missing_parts(submission):
        raise ProjectError("incomplete")
    if project.max_attempts is not None and len(submission.attempts) >= project.max_attempts:
        raise ProjectError("no_attempts_left", limit=project.max_attempts)
    dates = dates_for(project, user)
    number = (
        db.session.scalar(select(func.max(Attempt.number)).where(Attempt.submission_id == submission.id)) or 0
    ) + 1
    attempt = Attempt(
        submission=submission,
        number=number,
        submitted_by_id=user.id,
        submitted_at=now,
        due_at=dates.due_at,
        late=dates.is_late(now),
        statement_accepted=True,
        ai_used=bool(submission.ai_used),
        ai_tools=submission.ai_tools,
        ai_generated=submission.ai_generated,
        people=list(submission.people or []),
    )
    for deliverable in project.deliverables:
        item = submission.item_for(deliverable)
        if item is None or (deliverable.kind.is_file and item.media is None):
            continue
        media = item.media if deliverable.kind.is_file else None
        attempt.items.append(
            AttemptItem(
                deliverable_id=deliverable.id,
                position=deliverable.position,
                media_id=media.id if media else None,
                file_name=media.original_name if media else "",
                size_bytes=media.size_bytes if media else None,
                sha256=media.sha256 if media else "",
                link_url=item.link_url,
                text=item.text,
            )
        )
    submission.status = SubmissionStatus.SUBMITTED
    submission.attempt_count, submission.last_late, submission.last_submitted_at = number, attempt.late, now
    db.session.add(attempt)
    # The unique (submission, number) constraint turns a double click into an error, not two attempts.
    db.session.flush()
    crash_point("submit.flushed")
    log.info(
        "attempt %s (#%s) of submission %s handed in%s",
        attempt.id,
        number,
        submission.id,
        " late" if attempt.late else "",
    )
    signals.attempt_submitted.send(attempt)
    return attempt


def submissions_of(project: Project) -> list[Submission]:
    return list(
        db.session.scalars(
            select(Submission).where(Submission.project_id == project.id).order_by(Submission.id)
        )
    )


def media_visible_to(user: User, media: MediaFile) -> bool:
    """Receiver logic for ``media_access``: teammates and the project's managers see files handed in or
    drafted."""
    items = select(DraftItem.submission_id).where(
        or_(DraftItem.media_id == media.id, DraftItem.candidate_id == media.id)
    )
    handed = select(Attempt.submission_id).join(AttemptItem).where(AttemptItem.media_id == media.id)
    submissions = db.session.scalars(
        select(Submission).where(or_(Submission.id.in_(items), Submission.id.in_(handed)))
    ).all()
    for submission in submissions:
        if can_manage(user, submission.project) or (
            user.role is Role.TRAINEE and belongs_to(user, submission)
        ):
            return True
    return False


def projects_of_media(user: User, media: MediaFile) -> list[Project]:
    """The projects *media* was drafted or handed in for that *user* may see (for the file's link back)."""
    drafted = (
        select(Submission.project_id)
        .join(DraftItem)
        .where(or_(DraftItem.media_id == media.id, DraftItem.candidate_id == media.id))
    )
    handed = (
        select(Submission.project_id).join(Attempt).join(AttemptItem).where(AttemptItem.media_id == media.id)
    )
    projects = db.session.scalars(
        select(Project).where(or_(Project.id.in_(drafted), Project.id.in_(handed))).order_by(Project.id)
    ).all()
    return [p for p in projects if can_view(user, p)]


def team_label(submission: Submission) -> str:
    if submission.team_id:
        return cast(Team, submission.team).name  # a submission with a team_id always has its team
    return submission.user.name if submission.user else ""


class SimilarFile(NamedTuple):
    """A file of this submission (``mine``) that looks like another owner's (``theirs``), ``distance`` bits
    apart; ``submission`` is where theirs was handed in or drafted (None for an upload in no submission)."""

    mine: MediaFile
    submission: Submission | None
    theirs: MediaFile
    distance: int


class SimilarWork(NamedTuple):
    """What one viewer is told: each match they may open, with whether they may grade its submission, and how
    many more matches there are that they may not open (counted, nothing else said)."""

    shown: list[tuple[SimilarFile, bool]]
    hidden: int


def similar_work(submission: Submission) -> list[SimilarFile]:
    """Files of the latest attempt that look like another owner's files anywhere, closest first.

    Across projects, cohorts and years: every upload with a perceptual hash (the indexed lookup of
    :func:`media.services.similar_uploads`), within :data:`media.similarity.SIMILAR_DISTANCE` bits, which
    survives re-encoding and resizing.  Files of this same submission (a teammate's) are left out.
    """
    from media.services import similar_uploads

    mine = [i.media for i in (submission.last_attempt.items if submission.last_attempt else []) if i.media]
    found = []
    for media in mine:
        for match, distance in similar_uploads(media):
            other = _submission_of(match)
            if other is None or other.id != submission.id:
                found.append(SimilarFile(media, other, match, distance))
    return sorted(found, key=lambda entry: entry.distance)


def similar_work_for(submission: Submission, viewer: User) -> SimilarWork:
    """:func:`similar_work` as *viewer* may see it: in full the files they may open
    (:func:`media.services.can_view`: admins, the managers of a project the file was handed in to), the others
    only counted, so no name, project or cohort they may not see is given away."""
    from media.services import can_view as may_open

    shown, hidden = [], 0
    for entry in similar_work(submission):
        if may_open(viewer, entry.theirs):
            shown.append(
                (entry, entry.submission is not None and can_manage(viewer, entry.submission.project))
            )
        else:
            hidden += 1
    return SimilarWork(shown, hidden)


def _submission_of(media: MediaFile) -> Submission | None:
    """The submission *media* was handed in or drafted for (the newest, if several)."""
    handed = select(Attempt.submission_id).join(AttemptItem).where(AttemptItem.media_id == media.id)
    drafted = select(DraftItem.submission_id).where(
        or_(DraftItem.media_id == media.id, DraftItem.candidate_id == media.id)
    )
    either = or_(Submission.id.in_(handed), Submission.id.in_(drafted))
    return db.session.scalars(
        select(Submission).where(either).order_by(Submission.id.desc()).limit(1)
    ).first()
