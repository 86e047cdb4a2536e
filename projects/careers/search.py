"""Employer search: trainees who chose to be seen by employers, filtered by training, competencies and more.

Approved employers, liaisons and admins search; an employer sees a first name and an initial until the
trainee accepted one of their interests (:func:`projects.careers.services.has_contact`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, func, or_, select

from lms.extensions import db
from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus
from lms.users.models import KoreanTest, Role, User
from projects.careers.services import (
    CareersError,
    employer_of,
    has_contact,
    is_broker,
    may_search,
    public_name,
)
from projects.careers.signals import korean_matches, verified_korean
from projects.completions.models import Completion
from projects.portfolios.models import Portfolio, PortfolioCompetency, Visibility

#: Portfolio visibilities that put a trainee in employer search.
SEARCHABLE = (Visibility.EMPLOYERS, Visibility.LINK)
#: The most competencies, or skills, one search of the API asks for: as many as a portfolio may show.
MAX_TERMS = 20


@dataclass
class SearchFilters:
    """What an employer asks for; empty fields do not filter."""

    programme_id: int | None = None
    cohort_id: int | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    competencies: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    min_korean_level: int | None = None
    #: The scale of ``min_korean_level``: ``"topik"`` or ``"kiip"`` (a KIIP stage is no TOPIK level).
    korean_scale: str = "topik"
    region: str | None = None


@dataclass
class SearchResult:
    """One trainee as the viewer may see them in the results."""

    trainee: User
    portfolio: Portfolio
    #: First name and initial, or the full name once contact is shared with this viewer.
    display_name: str
    contact: bool
    #: The self-declared Korean level, only when the trainee chose to share it.
    korean_level: int | None
    competencies: list[PortfolioCompetency]
    #: The latest completion (not revoked): a graduate.
    graduated_on: date | None = None
    #: Otherwise the end of the latest cohort they are enrolled in (in training until then, or it has ended).
    training_until: date | None = None
    #: The scale of the self-declared level (``"topik"``/``"kiip"``).
    korean_test: str | None = None
    #: Levels staff verified from a score report and the trainee shares: ``(scale, level)`` pairs.
    korean_verified: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class SearchPage:
    """A page of results, with the attributes the pagination macro reads."""

    items: list[SearchResult]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


def visible_to_employers(trainee_id: int) -> bool:
    """Whether the trainee is in employer search (opted in, active account)."""
    return (
        db.session.scalar(
            select(
                exists().where(
                    Portfolio.owner_id == trainee_id,
                    Portfolio.visibility.in_(SEARCHABLE),
                    User.id == Portfolio.owner_id,
                    User.active.is_(True),
                    User.role == Role.TRAINEE,
                )
            )
        )
        or False
    )


def _searchable_query(filters: SearchFilters):
    query = (
        select(Portfolio.id, Portfolio.skills)
        .join(User, User.id == Portfolio.owner_id)
        .where(Portfolio.visibility.in_(SEARCHABLE), User.active.is_(True), User.role == Role.TRAINEE)
    )
    if filters.cohort_id or filters.programme_id:
        in_cohort = (
            select(Enrolment.user_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
        )
        completed = (
            select(Completion.user_id)
            .join(Cohort, Cohort.id == Completion.cohort_id)
            .where(Completion.revoked_at.is_(None))
        )
        if filters.cohort_id:
            in_cohort, completed = (q.where(Cohort.id == filters.cohort_id) for q in (in_cohort, completed))
        if filters.programme_id:
            in_cohort, completed = (
                q.where(Cohort.programme_id == filters.programme_id) for q in (in_cohort, completed)
            )
        query = query.where(or_(User.id.in_(in_cohort), User.id.in_(completed)))
    if filters.completed_from or filters.completed_to:
        done = select(Completion.user_id).where(Completion.revoked_at.is_(None))
        if filters.completed_from:
            done = done.where(Completion.completed_on >= filters.completed_from)
        if filters.completed_to:
            done = done.where(Completion.completed_on <= filters.completed_to)
        query = query.where(User.id.in_(done))
    for key in dict.fromkeys(filters.competencies):  # a key asked for twice is one clause
        query = query.where(
            Portfolio.id.in_(select(PortfolioCompetency.portfolio_id).where(PortfolioCompetency.key == key))
        )
    if filters.min_korean_level is not None:
        query = query.where(_korean_clause(filters.korean_scale, filters.min_korean_level))
    if filters.region:
        # A trainee happy to work anywhere matches every region.
        query = query.where(Portfolio.region.in_((filters.region, "anywhere")))
    return query.order_by(Portfolio.published_at.desc().nulls_last(), Portfolio.id.desc())


def _korean_clause(scale: str, min_level: int):
    """Trainees at *min_level* or above on *scale* alone, by a shared self-declared level or a verified,
    shared and valid score report.  A hidden level never matches, so it is never revealed."""
    declared = and_(
        User.share_korean.is_(True), User.korean_test == KoreanTest(scale), User.korean_level >= min_level
    )
    verified = korean_matches(scale, min_level)
    return declared if verified is None else or_(declared, User.id.in_(verified))


def _declared_scale(trainee: User) -> str | None:
    return trainee.korean_test.value if trainee.share_korean and trainee.korean_test else None


def search_trainees(viewer: User, filters: SearchFilters, page: int = 1, per_page: int = 20) -> SearchPage:
    """Trainees who opted in to employer visibility, filtered; a page of results for *viewer*.

    Every skill asked for must be part of some skill of the trainee, case- and width-insensitively
    ("premiere" finds "Premiere Pro"). Skills are a JSON list, whose SQL differs between SQLite and
    PostgreSQL (``json_each`` against ``jsonb_array_elements_text``), so the other filters run in SQL and
    only the ids and skills of what they leave are read, matched here, and then paged, which keeps the total
    and the pages right.

    :raises CareersError: ``not_allowed`` unless *viewer* is an approved employer, a liaison or an admin.
    """
    if not may_search(viewer):
        raise CareersError("not_allowed")
    wanted = [_norm(s) for s in filters.skills if _norm(s)]
    ids = []
    for portfolio_id, skills in db.session.execute(_searchable_query(filters)):
        have = [_norm(s) for s in (skills or []) if isinstance(s, str)]
        if all(any(w in h for h in have) for w in wanted):
            ids.append(portfolio_id)
    page = max(1, page)
    chosen = ids[(page - 1) * per_page : page * per_page]
    portfolios = {p.id: p for p in db.session.scalars(select(Portfolio).where(Portfolio.id.in_(chosen)))}
    employer = employer_of(viewer)
    graduated, training = _training_dates([p.owner_id for p in portfolios.values()])
    items = []
    for pid in chosen:
        portfolio = portfolios[pid]
        trainee = portfolio.owner
        contact = is_broker(viewer) or has_contact(employer, trainee.id)
        items.append(
            SearchResult(
                trainee=trainee,
                portfolio=portfolio,
                contact=contact,
                display_name=trainee.name if contact else public_name(trainee.name),
                korean_level=trainee.korean_level if trainee.share_korean else None,
                competencies=list(portfolio.competencies),
                graduated_on=graduated.get(trainee.id),
                training_until=None if trainee.id in graduated else training.get(trainee.id),
                korean_test=_declared_scale(trainee),
                korean_verified=verified_korean(trainee),
            )
        )
    return SearchPage(items=items, page=page, per_page=per_page, total=len(ids))


def _training_dates(user_ids: list[int]) -> tuple[dict[int, date], dict[int, date]]:
    """Per trainee, the latest completion date, and the end of the latest cohort they are (or were) in."""
    if not user_ids:
        return {}, {}
    graduated = dict(
        db.session.execute(
            select(Completion.user_id, func.max(Completion.completed_on))
            .where(Completion.user_id.in_(user_ids), Completion.revoked_at.is_(None))
            .group_by(Completion.user_id)
        ).all()
    )
    training = dict(
        db.session.execute(
            select(Enrolment.user_id, func.max(Cohort.end_date))
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Enrolment.user_id.in_(user_ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .group_by(Enrolment.user_id)
        ).all()
    )
    return graduated, training


def competency_choices() -> list[tuple[str, str, str]]:
    """``(key, label_ko, label_en)`` of competencies shown by searchable portfolios."""
    rows = db.session.execute(
        select(
            PortfolioCompetency.key,
            func.max(PortfolioCompetency.label_ko),
            func.max(PortfolioCompetency.label_en),
        )
        .join(Portfolio, Portfolio.id == PortfolioCompetency.portfolio_id)
        .where(Portfolio.visibility.in_(SEARCHABLE))
        .group_by(PortfolioCompetency.key)
        .order_by(PortfolioCompetency.key)
    )
    return [(key, label_ko, label_en) for key, label_ko, label_en in rows]


def cohorts_of(user_id: int) -> list[Cohort]:
    """The cohorts a trainee is or was in (not withdrawn), or completed."""
    ids = set(
        db.session.scalars(
            select(Enrolment.cohort_id).where(
                Enrolment.user_id == user_id, Enrolment.status != EnrolmentStatus.WITHDRAWN
            )
        )
    )
    ids |= set(
        db.session.scalars(
            select(Completion.cohort_id).where(Completion.user_id == user_id, Completion.revoked_at.is_(None))
        )
    )
    return list(db.session.scalars(select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.start_date)))
