"""Portfolios: a trainee's chosen, released and graded work, and who may read it.

Only the owner sees unpublished items; everyone else (staff, approved
employers, link holders) sees published items whose grade is still released,
and only the renditions Gongbang made of their files, never the upload.
Share links and the view log are in :mod:`projects.portfolios.links`; who is an
approved employer the employer domain answers (:mod:`projects.portfolios.signals`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import or_, select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.services import teaches_trainee
from lms.users.models import Role, User
from media.models import MediaFile, MediaStatus
from projects.coursework.models import Attempt, Submission, TeamMember
from projects.grading.models import Assessment, AssessmentKind, MarkingStatus
from projects.portfolios import links, signals
from projects.portfolios.messages import PortfolioError
from projects.portfolios.models import Portfolio, PortfolioItem, Visibility

log = logging.getLogger(__name__)

#: Region codes (Korean provinces and metropolitan cities) -> (Korean, English) names.
REGIONS = {
    "seoul": ("서울", "Seoul"),
    "busan": ("부산", "Busan"),
    "daegu": ("대구", "Daegu"),
    "incheon": ("인천", "Incheon"),
    "gwangju": ("광주", "Gwangju"),
    "daejeon": ("대전", "Daejeon"),
    "ulsan": ("울산", "Ulsan"),
    "sejong": ("세종", "Sejong"),
    "gyeonggi": ("경기", "Gyeonggi"),
    "gangwon": ("강원", "Gangwon"),
    "chungbuk": ("충북", "North Chungcheong"),
    "chungnam": ("충남", "South Chungcheong"),
    "jeonbuk": ("전북", "North Jeolla"),
    "jeonnam": ("전남", "South Jeolla"),
    "gyeongbuk": ("경북", "North Gyeongsang"),
    "gyeongnam": ("경남", "South Gyeongsang"),
    "jeju": ("제주", "Jeju"),
    "anywhere": ("어디든", "Anywhere"),
}
#: Visibility levels from the narrowest; each includes the readers of the ones before it.
LEVELS = [Visibility.PRIVATE, Visibility.STAFF, Visibility.EMPLOYERS, Visibility.LINK]
#: A criterion counts as an evidenced competency from this share of its points (a "good" level on most
#: four-level rubrics; below it the work shows the skill only in part).
COMPETENCY_SHARE = Decimal("0.75")
CONSENT_VALUES = ("given", "pending", "refused")
#: Renditions a reader may load: the poster, the web preview and the display picture (no sprite sheets).
READER_RENDITIONS = ("poster.jpg", "display.jpg", "preview.mp4", "preview.webm")
MAX_SKILLS = 20
#: The most people a piece of work names (coursework's declaration form takes 20).
MAX_PEOPLE = 20
#: Share links and the view log live in :mod:`projects.portfolios.links`; these names stay reachable here
#: for callers that use them through the services (the privacy export, tests, the permission matrix).
create_link, revoke_link = links.create_link, links.revoke_link
link_state, view_log = links.link_state, links.view_log


def at_least(visibility: Visibility, level: Visibility) -> bool:
    return LEVELS.index(visibility) >= LEVELS.index(level)


def public_name(user: User) -> str:
    """First name and the initial of the last ("Dilnoza K."): what employers see before contact is accepted
    (the employer domain's rule, so search results and the portfolio page name a trainee alike)."""
    return signals.public_name(user)


def portfolio_of(user: User, *, create: bool = False) -> Portfolio | None:
    """The user's portfolio (one per trainee), created empty on first use when *create*."""
    portfolio = db.session.scalar(select(Portfolio).where(Portfolio.owner_id == user.id))
    if portfolio is None and create:
        if user.role is not Role.TRAINEE:
            raise PortfolioError("not_trainee")
        portfolio = Portfolio(owner_id=user.id, skills=[], visibility=Visibility.PRIVATE)
        db.session.add(portfolio)
        db.session.flush()
    return portfolio


def is_staff_reader(viewer: User, owner: User) -> bool:
    """Admins, liaisons and the instructors of the owner's cohorts."""
    if viewer.role in (Role.ADMIN, Role.LIAISON):
        return True
    return viewer.role is Role.INSTRUCTOR and teaches_trainee(viewer, owner)


def can_read(viewer: User, portfolio: Portfolio) -> bool:
    """Whether a signed-in *viewer* may read *portfolio* (link holders go through :func:`live_link`)."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == portfolio.owner_id:
        return True
    if not portfolio.owner.active:
        return False
    if at_least(portfolio.visibility, Visibility.STAFF) and is_staff_reader(viewer, portfolio.owner):
        return True
    return at_least(portfolio.visibility, Visibility.EMPLOYERS) and signals.is_approved_employer(viewer)


def sees_full_name(viewer: User, portfolio: Portfolio) -> bool:
    """Whether *viewer* (who may read *portfolio*) sees the owner's full name: the owner, staff, and an
    employer whose interest the trainee accepted; other employers see :func:`public_name`."""
    if viewer.id == portfolio.owner_id or viewer.is_staff:
        return True
    return viewer.role is Role.EMPLOYER and signals.has_contact(viewer, portfolio.owner_id)


def item_shown(item: PortfolioItem) -> bool:
    """Whether readers other than the owner see *item*: published, and its grade still released."""
    if not item.published:
        return False
    assessment = db.session.get(Assessment, item.assessment_id) if item.assessment_id else None
    return assessment is not None and assessment.status is MarkingStatus.RELEASED


def items_for(portfolio: Portfolio, *, owner: bool) -> list[PortfolioItem]:
    """The items in order: all of them for the owner, the shown ones for everyone else."""
    return list(portfolio.items) if owner else [i for i in portfolio.items if item_shown(i)]


def reader_item(portfolio: Portfolio, item_id: int, *, owner: bool) -> PortfolioItem | None:
    """Item *item_id* if it belongs to *portfolio* and the reader may see it."""
    item = db.session.get(PortfolioItem, item_id)
    if item is None or item.portfolio_id != portfolio.id or not (owner or item_shown(item)):
        return None
    return item


def korean_shown(portfolio: Portfolio) -> bool:
    return bool(portfolio.owner.share_korean and portfolio.owner.korean_test)


@dataclass(frozen=True)
class Eligible:
    """A released, graded attempt the trainee may put in the portfolio."""

    assessment: Assessment
    attempt: Attempt

    @property
    def project(self):
        return self.assessment.submission.project


def eligible_work(user: User) -> list[Eligible]:
    """The user's (and their teams') attempts whose grader assessment is released, newest first."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    assessments = db.session.scalars(
        select(Assessment)
        .join(Submission, Assessment.submission_id == Submission.id)
        .where(
            Assessment.kind == AssessmentKind.GRADER,
            Assessment.status == MarkingStatus.RELEASED,
            Assessment.attempt_id.is_not(None),
            or_(Submission.user_id == user.id, Submission.team_id.in_(teams)),
        )
        .order_by(Assessment.released_at.desc(), Assessment.id.desc())
    ).all()
    # Only assessments with an attempt are selected, and attempt_id is a foreign key: the attempt exists.
    return [Eligible(a, cast(Attempt, db.session.get(Attempt, a.attempt_id))) for a in assessments]


def _files_of(attempt: Attempt) -> list[MediaFile]:
    return [i.media for i in attempt.items if i.media is not None]


def _default_file(attempt: Attempt) -> MediaFile | None:
    files = [m for m in _files_of(attempt) if m.status is MediaStatus.READY]
    return next((m for m in files if m.kind == "video"), files[0] if files else None)


#: The longest texts a portfolio and its items keep (the columns' and the forms' limits).
HEADLINE_MAX, ABOUT_MAX, SKILL_MAX, TITLE_MAX, REFLECTION_MAX, NOTE_MAX = 200, 5000, 60, 200, 5000, 300
#: The fields :func:`update_portfolio` changes; a field it is not given keeps its value.
PORTFOLIO_FIELDS = ("headline_ko", "headline_en", "about_ko", "about_en", "skills", "region", "visibility")
ITEM_TEXT_FIELDS = ("title_ko", "title_en", "reflection_ko", "reflection_en")


def _text(value: object, limit: int) -> str:
    """*value* stripped, refused (never cut) past *limit* characters."""
    text = str(value or "").strip()
    if len(text) > limit:
        raise PortfolioError("too_long", limit=limit)
    return text


def clean_skills(skills: Sequence[str] | str) -> list[str]:
    """Skills in order, spaces tidied, duplicates (any case) dropped, in one pass over the input.

    :raises PortfolioError: ``too_long`` (a skill past :data:`SKILL_MAX`), ``too_many_skills``.
    """
    if isinstance(skills, str):
        skills = re.split(r"[,\n]", skills)
    clean: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        skill = " ".join(str(skill).split())
        if len(skill) > SKILL_MAX:
            raise PortfolioError("too_long", limit=SKILL_MAX)
        if skill and skill.casefold() not in seen:
            seen.add(skill.casefold())
            clean.append(skill)
            if len(clean) > MAX_SKILLS:  # stop at once: the rest of a long list is never looked at
                raise PortfolioError("too_many_skills", limit=MAX_SKILLS)
    return clean


def _portfolio_values(changes: dict[str, Any]) -> dict[str, Any]:
    """The checked values of the portfolio fields in *changes*."""
    unknown = set(changes) - set(PORTFOLIO_FIELDS)
    if unknown:
        raise TypeError(f"update_portfolio() got unknown fields {sorted(unknown)}")
    values: dict[str, Any] = {}
    if "region" in changes:
        values["region"] = changes["region"] or None
        if values["region"] and values["region"] not in REGIONS:
            raise PortfolioError("bad_region")
    if "visibility" in changes:
        try:
            values["visibility"] = Visibility(changes["visibility"])
        except ValueError:
            raise PortfolioError("bad_visibility") from None
    if "skills" in changes:
        values["skills"] = clean_skills(changes["skills"])
    for name in ("headline_ko", "headline_en", "about_ko", "about_en"):
        if name in changes:
            values[name] = _text(changes[name], HEADLINE_MAX if name.startswith("headline") else ABOUT_MAX)
    return values


def update_portfolio(portfolio: Portfolio, **changes: Any) -> int:
    """Change the fields of :data:`PORTFOLIO_FIELDS` given in *changes*; the others keep their values.

    Links only live while the visibility stays "link": a change of the visibility to anything else (or a
    save of the visibility while it is something else, for links made before this rule) stops the live
    links, so that setting it back to "link" later does not silently reopen them. A change that does not
    name the visibility leaves the links alone.

    :returns: how many live share links were stopped.
    :raises PortfolioError: ``bad_region``, ``bad_visibility``, ``too_many_skills``, ``too_long``.
    """
    values = _portfolio_values(changes)
    visibility = values.pop("visibility", portfolio.visibility)
    stopped = 0
    if "visibility" in changes and not (
        portfolio.visibility is Visibility.LINK and visibility is Visibility.LINK
    ):
        stopped = links.stop_links(portfolio)
    for name, value in values.items():
        setattr(portfolio, name, value)
    portfolio.visibility = visibility
    if visibility is not Visibility.PRIVATE and portfolio.published_at is None:
        portfolio.published_at = utcnow()
    db.session.flush()
    log.info("portfolio %s saved (%s), %s links stopped", portfolio.id, visibility.value, stopped)
    return stopped


def add_item(portfolio: Portfolio, attempt_id: int) -> PortfolioItem:
    """Add one of the owner's released, graded attempts as an unpublished item at the end.

    People who appear in the work are copied from the attempt with their consent *pending*: agreeing to
    appear in coursework is not agreeing to be shown to employers, so the trainee records it anew.

    :raises PortfolioError: ``not_eligible``, ``already_added``.
    """
    found = next((e for e in eligible_work(portfolio.owner) if e.attempt.id == attempt_id), None)
    if found is None:
        raise PortfolioError("not_eligible")
    if any(i.attempt_id == attempt_id for i in portfolio.items):
        raise PortfolioError("already_added")
    project = found.project
    media = _default_file(found.attempt)
    people = [
        {
            "name": p.get("name", ""),
            "consent": "refused" if p.get("consent") == "refused" else "pending",
            "recorded_at": None,
            "note": "",
        }
        for p in (found.attempt.people or [])
        if p.get("name")
    ]
    item = PortfolioItem(
        attempt_id=attempt_id,
        assessment_id=found.assessment.id,
        media_id=media.id if media else None,
        title_ko=project.title_ko,
        title_en=project.title_en,
        people=people,
        published=False,
        position=max((i.position for i in portfolio.items), default=-1) + 1,
    )
    portfolio.items.append(item)
    db.session.flush()
    log.info("portfolio %s: attempt %s added as item %s", portfolio.id, attempt_id, item.id)
    return item


def update_item(item: PortfolioItem, **changes: Any) -> PortfolioItem:
    """Change an item's titles, reflections (Korean and/or English) and which of the attempt's files it
    shows (``media_id``; None shows none): only the fields given in *changes*, the others keep their values.

    :raises PortfolioError: ``title_missing``, ``wrong_media``, ``too_long``.
    """
    unknown = set(changes) - {*ITEM_TEXT_FIELDS, "media_id"}
    if unknown:
        raise TypeError(f"update_item() got unknown fields {sorted(unknown)}")
    values = {
        name: _text(changes[name], TITLE_MAX if name.startswith("title") else REFLECTION_MAX)
        for name in ITEM_TEXT_FIELDS
        if name in changes
    }
    if not (values.get("title_ko", item.title_ko) or values.get("title_en", item.title_en)):
        raise PortfolioError("title_missing")
    media_id = changes.get("media_id")
    if media_id is not None and media_id not in {m.id for m in _files_of(item.attempt)}:
        raise PortfolioError("wrong_media")
    for name, value in values.items():
        setattr(item, name, value)
    if "media_id" in changes:
        item.media_id = media_id
    db.session.flush()
    return item


def record_consent(item: PortfolioItem, consents: list[tuple[str, str]]) -> PortfolioItem:
    """Record each person's consent to publication, as ``(consent, note)`` in the order of ``item.people``.

    Withdrawing someone's consent unpublishes the item at once.

    :raises PortfolioError: ``bad_consent``.
    """
    if len(consents) != len(item.people or []):
        raise PortfolioError("bad_consent")
    people, now = [], utcnow().isoformat()
    for person, (consent, note) in zip(item.people, consents):
        if consent not in CONSENT_VALUES:
            raise PortfolioError("bad_consent")
        changed = consent != person.get("consent")
        people.append(
            {
                **person,
                "consent": consent,
                "note": _text(note, NOTE_MAX),
                "recorded_at": now if changed else person.get("recorded_at"),
            }
        )
    item.people = people  # a new list: JSON columns notice assignment, not changes inside
    if item.published and not consent_complete(item):
        item.published = False
        refresh_competencies(item.portfolio)
    db.session.flush()
    return item


def consent_complete(item: PortfolioItem) -> bool:
    return all(p.get("consent") == "given" for p in item.people or [])


def set_published(item: PortfolioItem, published: bool) -> PortfolioItem:
    """Publish or withdraw an item. An item is published only with a reflection in at least one language, from
    the item's page and the API alike: an employer reads the work through what the trainee says about it.

    :raises PortfolioError: ``consent_missing`` (someone in it has not consented), ``not_released`` (its grade
        was reopened), ``file_not_ready``, ``reflection_missing``.
    """
    if published:
        if not consent_complete(item):
            raise PortfolioError(
                "consent_missing",
                names=", ".join(p["name"] for p in item.people if p.get("consent") != "given"),
            )
        assessment = db.session.get(Assessment, item.assessment_id) if item.assessment_id else None
        if assessment is None or assessment.status is not MarkingStatus.RELEASED:
            raise PortfolioError("not_released")
        if item.media is not None and item.media.status is not MediaStatus.READY:
            raise PortfolioError("file_not_ready")
        if not (item.reflection_ko or item.reflection_en):
            raise PortfolioError("reflection_missing")
    item.published = published
    refresh_competencies(item.portfolio)
    db.session.flush()
    log.info("portfolio item %s %s", item.id, "published" if published else "withdrawn")
    return item


def set_poster(item: PortfolioItem, seconds: float | None, by: User) -> PortfolioItem:
    """Show the frame at *seconds* of the item's video as its poster (None: the automatic one).

    The poster is the file's own, so only the person who uploaded it may change it.

    :raises PortfolioError: ``no_video``, ``not_uploader``, ``bad_moment``.
    """
    from media import services as media_services
    from media.errors import MediaError

    media = item.media
    if media is None or media.kind != "video":
        raise PortfolioError("no_video")
    if media.owner_id != by.id:
        raise PortfolioError("not_uploader")
    if seconds is not None and (seconds < 0 or (media.duration and seconds > media.duration)):
        raise PortfolioError("bad_moment")
    try:
        media_services.set_poster(media, seconds)
    except MediaError:
        raise PortfolioError("bad_moment") from None
    item.poster_seconds = media.poster_time if seconds is not None else None
    db.session.flush()
    return item


def move_item(item: PortfolioItem, offset: int) -> None:
    """Move an item up (-1) or down (+1) in its portfolio's order."""
    items = list(item.portfolio.items)
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()


def remove_item(item: PortfolioItem) -> None:
    """Take an item out of the portfolio; its reflection and consent record go with it (the work and its
    grade stay)."""
    portfolio = item.portfolio
    portfolio.items.remove(item)
    db.session.flush()
    refresh_competencies(portfolio)


from projects.portfolios.competencies import refresh_competencies  # noqa: E402  (re-exported)
