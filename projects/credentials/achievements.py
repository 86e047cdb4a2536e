"""The centre's own achievements: who meets them, their awards, and their credentials.

An administrator defines an achievement (:mod:`projects.credentials.definitions`) of one of three kinds
(:class:`~projects.credentials.models.AchievementKind`):

- ``project_passed``: a project's released grade reached the definition's pass mark, a percentage of the
  project's maximum grade (grading has no pass mark of its own: a grade is points out of the maximum);
- ``competency_shown``: an NCS unit the trainee showed (:func:`projects.ncs.services.coverage`), or, where
  no unit is mapped, a rubric criterion of that title scored at least NCS's share of its points;
- ``korean_stage``: a KIIP stage or TOPIK level reached, verified by staff (:mod:`.signals`).

A trainee who meets an active definition is *awarded* it once (a unique pair; a second try records
nothing): when a grade is released (``assessment_released``), when a Korean result is verified
(``korean_result_verified``), or when an administrator awards it to everyone who already meets it.  The
award only records what to issue; a background job signs the credential after the commit
(:func:`projects.credentials.tasks.issue_achievement_credential`), with the same issuer, key, status list
and hashed recipient as completions' (:func:`~projects.credentials.services.build_credential`), and tells
the trainee once it is signed (:func:`issue_award`).

Services take plain values, ``flush()`` and log; the request (or the job) commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.db import utcnow
from lms.extensions import db
from lms.jobs import enqueue
from lms.notifications.services import notify
from lms.users.models import Role, User
from projects.common import ProjectError, localised
from projects.coursework.models import Project, Submission
from projects.coursework.submissions import recipients
from projects.credentials import services as credentials
from projects.credentials.definitions import definition_achievement, definitions
from projects.credentials.models import AchievementAward, AchievementDefinition, AchievementKind, OpenBadge
from projects.grading import services as grading
from projects.grading.models import Assessment, AssessmentKind, MarkingStatus
from projects.ncs import services as ncs

log = logging.getLogger(__name__)


# -- who meets a definition ------------------------------------------------------------------------------


def _percent(points: Decimal, maximum: Decimal) -> Decimal:
    return points * 100 / maximum if maximum else Decimal(0)


def _passed(definition: AchievementDefinition, user: User) -> str | None:
    project = db.session.get(Project, definition.project_id) if definition.project_id else None
    if project is None:
        return None
    assessment = grading.released_for(project, user)
    grade = grading.grade_for(assessment, user) if assessment is not None else None
    if grade is None or _percent(grade, project.max_grade) < (definition.pass_percent or 0):
        return None
    title = project.title_ko or project.title_en
    return f"{title}: {grading.format_grade(grade)}/{grading.format_grade(project.max_grade)}"


def _shown(definition: AchievementDefinition, user: User) -> str | None:
    if definition.ncs_unit_id is not None:
        for entry in ncs.coverage(user):
            if entry["unit"].id == definition.ncs_unit_id:
                first = entry["evidence"][0]
                return f"NCS {entry['unit'].code}: {first['project'].title_ko or first['project'].title_en}"
        return None
    wanted = definition.criterion_title.strip().casefold()
    if not wanted:
        return None
    for assessment in ncs.released_assessments(user):
        for criterion, share in ncs.shown_criteria(assessment):
            titles = {(criterion.get(k) or "").strip().casefold() for k in ("title_ko", "title_en")}
            if wanted in titles:
                project = assessment.submission.project
                return f"{project.title_ko or project.title_en}: {round(share * 100)}%"
    return None


def _korean(definition: AchievementDefinition, results: Iterable[tuple[str, int]]) -> str | None:
    for scale, level in results:
        if scale == definition.korean_scale and level >= (definition.korean_level or 0):
            return f"{scale.upper()} {level}"
    return None


def meets(
    definition: AchievementDefinition, user: User, korean: Iterable[tuple[str, int]] | None = None
) -> str | None:
    """What shows that *user* meets *definition* ("Project: 85/100"), or None.  *korean*: the Korean
    results to read (asked of the Korean domain when None)."""
    if user.role is not Role.TRAINEE:
        return None
    if definition.kind is AchievementKind.PROJECT_PASSED:
        return _passed(definition, user)
    if definition.kind is AchievementKind.COMPETENCY_SHOWN:
        return _shown(definition, user)
    from projects.credentials.signals import verified_korean

    return _korean(definition, verified_korean(user) if korean is None else korean)


def _candidates(definition: AchievementDefinition) -> list[User]:
    """The trainees who might meet *definition*: with released work (in its project), or any active
    trainee for a Korean stage."""
    if definition.kind is AchievementKind.KOREAN_STAGE:
        stmt = select(User).where(User.role == Role.TRAINEE, User.active.is_(True))
        return list(db.session.scalars(stmt.order_by(User.id)))
    if definition.kind is AchievementKind.PROJECT_PASSED and definition.project_id is None:
        return []
    released = (
        select(Submission)
        .join(Assessment, Assessment.submission_id == Submission.id)
        .where(Assessment.kind == AssessmentKind.GRADER, Assessment.status == MarkingStatus.RELEASED)
    )
    if definition.kind is AchievementKind.PROJECT_PASSED:
        released = released.where(Submission.project_id == definition.project_id)
    people: dict[int, User] = {}
    for submission in db.session.scalars(released):
        for person in recipients(submission):
            people.setdefault(person.id, person)
    return [people[i] for i in sorted(people)]


def qualifying(definition: AchievementDefinition) -> list[tuple[User, str]]:
    """``(trainee, evidence)`` for each trainee who meets *definition* and was not awarded it yet."""
    awarded = set(
        db.session.scalars(
            select(AchievementAward.user_id).where(AchievementAward.definition_id == definition.id)
        )
    )
    found = []
    for user in _candidates(definition):
        if user.id in awarded:
            continue
        evidence = meets(definition, user)
        if evidence is not None:
            found.append((user, evidence))
    return found


# -- awards ----------------------------------------------------------------------------------------------


def award_of(definition: AchievementDefinition, user: User) -> AchievementAward | None:
    return db.session.scalar(
        select(AchievementAward).where(
            AchievementAward.definition_id == definition.id, AchievementAward.user_id == user.id
        )
    )


def record_award(definition: AchievementDefinition, user: User, evidence: str) -> AchievementAward | None:
    """Award *definition* to *user* and have its credential issued after the commit; None when they already
    have it (exactly once per trainee and definition, even for two transactions at once)."""
    if award_of(definition, user) is not None:
        return None
    award = AchievementAward(definition_id=definition.id, user_id=user.id, evidence=evidence[:1000])
    try:
        # Another transaction awarding the same pair meets the unique constraint.
        with db.session.begin_nested():
            db.session.add(award)
    except IntegrityError:
        return None
    from projects.credentials import tasks

    enqueue(tasks.issue_achievement_credential, award.id)
    log.info("achievement %s awarded to user %s", definition.id, user.id)
    return award


def award_qualifying(definition: AchievementDefinition) -> int:
    """Award an active definition to every trainee who already meets it; how many were awarded.

    :raises ProjectError: ``achievement_inactive``.
    """
    if not definition.active:
        raise ProjectError("achievement_inactive")
    found = qualifying(definition)
    return sum(record_award(definition, user, evidence) is not None for user, evidence in found)


def on_assessment_released(assessment: Assessment) -> int:
    """A grade released: the project passes and competencies its trainees now meet; how many awarded."""
    if assessment.kind is not AssessmentKind.GRADER or assessment.status is not MarkingStatus.RELEASED:
        return 0
    project_id = assessment.submission.project_id
    wanted = [
        d
        for d in definitions(active_only=True)
        if d.kind is AchievementKind.COMPETENCY_SHOWN
        or (d.kind is AchievementKind.PROJECT_PASSED and d.project_id == project_id)
    ]
    return _award_each(wanted, recipients(assessment.submission))


def on_korean_verified(user: User, scale: str, level: int) -> int:
    """A Korean result verified: the Korean stages it reaches."""
    wanted = definitions(active_only=True, kind=AchievementKind.KOREAN_STAGE)
    return _award_each(wanted, [user], korean=[(scale, level)])


def _award_each(
    wanted: list[AchievementDefinition], people: list[User], korean: list[tuple[str, int]] | None = None
) -> int:
    awarded = 0
    for user in people:
        for definition in wanted:
            if award_of(definition, user) is not None:
                continue
            evidence = meets(definition, user, korean)
            if evidence is not None and record_award(definition, user, evidence) is not None:
                awarded += 1
    return awarded


def awards(definition: AchievementDefinition, limit: int = 500) -> list[AchievementAward]:
    stmt = select(AchievementAward).where(AchievementAward.definition_id == definition.id)
    return list(db.session.scalars(stmt.order_by(AchievementAward.id.desc()).limit(limit)))


def awards_of(user: User) -> list[AchievementAward]:
    stmt = select(AchievementAward).where(AchievementAward.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(AchievementAward.id.desc())))


def waiting_awards(user: User) -> list[AchievementAward]:
    """Awards whose credential the job has not issued yet (shown as "being issued")."""
    return [a for a in awards_of(user) if a.badge_id is None and a.issued_at is None]


# -- the credential --------------------------------------------------------------------------------------


def issue_award(award: AchievementAward) -> OpenBadge | None:
    """Sign the award's credential and tell the trainee (what the job runs); its badge when already issued
    (nothing is signed or sent again), None when the trainee is gone from it (an anonymised account)."""
    if award.badge_id is not None:
        return award.badge
    if award.issued_at is not None:  # issued, then the account was anonymised: nothing to sign again
        return None
    badge = credentials.sign_badge(award.user, definition_achievement(award.definition))
    award.badge_id, award.issued_at = badge.id, utcnow()
    db.session.flush()
    _tell_trainee(award, badge)
    log.info("open badge %s issued for achievement award %s", badge.id, award.id)
    return badge


def _tell_trainee(award: AchievementAward, badge: OpenBadge) -> None:
    """The trainee's notice of a credential just signed, in their language, pointing at it on "My
    credentials".  Sent in the transaction that sets ``badge_id`` (the job's, under the award's lock): a job
    that fails rolls it back with the credential, and a job run again finds ``badge_id`` set and sends
    nothing, so one award gets one notice.  The kind is completions' ``certificate`` ("A certificate or
    credential is issued"): one choice on the preferences page covers both."""
    definition = award.definition
    notify(
        award.user,
        lambda: _(
            "You earned the achievement “%(achievement)s”. Its credential is in My credentials.",
            achievement=localised(definition, "name"),
        ),
        f"{_path('credentials.mine')}#credential-{badge.id}",
        once=True,
        kind="certificate",
    )


def _path(endpoint: str, **values) -> str:
    """A site path for a notice; the job that signs has no request."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def badge_award(badge: OpenBadge) -> AchievementAward | None:
    return db.session.scalar(select(AchievementAward).where(AchievementAward.badge_id == badge.id))


def anonymise(user: User) -> None:
    """The departed person's awards: kept (so nothing is issued again), the evidence emptied; their
    credentials are revoked with the others (:func:`projects.credentials.services.anonymise`)."""
    for award in awards_of(user):
        award.evidence = ""
        if award.issued_at is None:
            award.issued_at = utcnow()  # never issued now: the job finds it closed
    db.session.flush()


def personal_data(user: User) -> list[dict]:
    return [
        {
            "id": a.id,
            "achievement": credentials.both_languages(a.definition.name_ko, a.definition.name_en),
            "kind": a.definition.kind.value,
            "evidence": a.evidence,
            "awarded_at": a.awarded_at.isoformat(),
            "issued_at": a.issued_at.isoformat() if a.issued_at else None,
            "credential_code": a.badge.code if a.badge else None,
        }
        for a in awards_of(user)
    ]
