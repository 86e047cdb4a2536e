"""Employers and their brokered interest in trainees: approval, search, interests, placement figures.

The liaison (Chamber of Commerce) stands between employers and trainees: employers sign up and wait for the
liaison's approval; approved employers search only trainees who chose to be seen by employers, and see a
first name and an initial until a trainee accepts their interest; every interest goes through the liaison,
and each step is an :class:`~projects.models.InterestEvent`.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from lms.auth.services import hasher, normalise_email
from lms.db import utcnow
from lms.extensions import db
from lms.notifications.services import notify
from lms.passwords import check_password
from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus, Programme
from lms.users.models import Role, User
from projects.careers.models import Employer, EmployerStatus, Interest, InterestEvent, InterestStatus
from projects.completions.models import Completion
from projects.portfolios.models import Portfolio, PortfolioCompetency, Visibility

log = logging.getLogger(__name__)

#: Portfolio visibilities that put a trainee in employer search.
SEARCHABLE = (Visibility.EMPLOYERS, Visibility.LINK)
#: Once accepted, both sides see each other's contact details, whatever happens next.
CONTACT_SHARED = (InterestStatus.ACCEPTED, InterestStatus.INTERVIEW, InterestStatus.HIRED, InterestStatus.NOT_HIRED)
#: Statuses a trainee never sees: the liaison has not passed the interest on (yet, or at all).
HIDDEN_FROM_TRAINEE = (InterestStatus.SUBMITTED, InterestStatus.DECLINED_BY_LIAISON)
#: Board columns, in the order an interest moves through them.
BOARD_COLUMNS = (InterestStatus.SUBMITTED, InterestStatus.FORWARDED, InterestStatus.ACCEPTED,
                 InterestStatus.INTERVIEW, InterestStatus.HIRED, InterestStatus.NOT_HIRED, InterestStatus.DECLINED,
                 InterestStatus.DECLINED_BY_LIAISON, InterestStatus.WITHDRAWN)

S = InterestStatus
#: action -> (statuses it starts from, status it leads to, who may take it: "liaison" | "trainee" | "employer").
ACTIONS = {
    "forward": ({S.SUBMITTED}, S.FORWARDED, "liaison"),
    "screen_out": ({S.SUBMITTED}, S.DECLINED_BY_LIAISON, "liaison"),
    "accept": ({S.FORWARDED}, S.ACCEPTED, "trainee"),
    "decline": ({S.FORWARDED}, S.DECLINED, "trainee"),
    "interview": ({S.ACCEPTED}, S.INTERVIEW, "liaison"),
    "hired": ({S.ACCEPTED, S.INTERVIEW}, S.HIRED, "liaison"),
    "not_hired": ({S.ACCEPTED, S.INTERVIEW}, S.NOT_HIRED, "liaison"),
    "withdraw": ({S.SUBMITTED, S.FORWARDED}, S.WITHDRAWN, "employer"),
}
#: Actions whose note is required (the reason someone else will read).
NOTE_REQUIRED = {"screen_out"}
#: Who a step's note is addressed to, besides the liaison (who reads every note). The employer's message and
#: the trainee's answer go to both sides; the liaison's note on forwarding is for the trainee and the
#: screening reason for the employer; outcome notes are the liaison's own record.
NOTE_AUDIENCE = {
    S.SUBMITTED: {"employer", "trainee"}, S.FORWARDED: {"trainee"}, S.DECLINED_BY_LIAISON: {"employer"},
    S.ACCEPTED: {"employer", "trainee"}, S.DECLINED: {"employer", "trainee"}, S.WITHDRAWN: {"employer", "trainee"},
    S.INTERVIEW: set(), S.HIRED: set(), S.NOT_HIRED: set(),
}
OUTCOME_ACTIONS = ("interview", "hired", "not_hired")

class CareersError(Exception):
    """A rule the user ran into; ``code`` picks the translated message (see ``career_views.error_message``)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def regions() -> dict[str, tuple[str, str]]:
    """Region codes -> (Korean, English) names: the portfolio's list, shared so that filters match."""
    from projects.portfolios.services import REGIONS

    return REGIONS


def company_regions() -> list[str]:
    """Region codes a company may give: where it is, so not the portfolio's "anywhere"."""
    return [code for code in regions() if code != "anywhere"]


def region_label(code: str | None) -> str:
    """The name of a region code in the reader's language (the code itself when unknown)."""
    ko, en = regions().get(code or "", (code or "", code or ""))
    return en if str(get_locale() or "ko") == "en" else ko


# Employers -------------------------------------------------------------------------------------------------


def employer_of(user: User) -> Employer | None:
    """The company record of an employer account (None for other roles or before sign-up finished)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.role != Role.EMPLOYER:
        return None
    return db.session.scalar(select(Employer).where(Employer.user_id == user.id))


def is_approved_employer(user: User) -> bool:
    """Whether *user* is an employer the liaison approved and has not suspended."""
    employer = employer_of(user)
    return employer is not None and employer.status == EmployerStatus.APPROVED and user.active


def is_broker(user: User) -> bool:
    """Liaisons and admins run the board, approve employers and read placement figures."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.role in (Role.LIAISON, Role.ADMIN))


def valid_business_number(number: str) -> bool:
    """Whether *number* is a well-formed 사업자등록번호: 10 digits whose last is the check digit.

    The National Tax Service's rule: weights 1,3,7,1,3,7,1,3,5 on the first nine digits, plus the tens of
    (9th digit × 5); the check digit is what brings the sum to a multiple of ten.
    """
    digits = re.sub(r"[\s-]", "", number or "")
    if not re.fullmatch(r"\d{10}", digits):
        return False
    d = [int(c) for c in digits]
    total = sum(x * w for x, w in zip(d, (1, 3, 7, 1, 3, 7, 1, 3, 5))) + d[8] * 5 // 10
    return (10 - total % 10) % 10 == d[9]


def format_business_number(number: str) -> str:
    """``1234567890`` → ``123-45-67890`` (the way it is printed on the certificate)."""
    digits = re.sub(r"\D", "", number or "")
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if len(digits) == 10 else number


EMPLOYER_FIELDS = ("company", "business_number", "industry", "region", "address", "website", "phone",
                   "description")


def register_employer(*, email: str, password: str, contact_name: str, company: str, business_number: str,
                      industry: str = "", region: str | None = None, address: str = "", website: str = "",
                      phone: str = "", description: str = "", locale: str | None = None) -> Employer | None:
    """Sign an employer up: a new account with the employer role and a PENDING company record.

    The liaisons are notified. When the address already has an account nothing is created and ``None`` is
    returned; the caller shows the same confirmation either way, so sign-up tells nobody which addresses
    exist (the owner of the address is mailed instead).

    :raises CareersError: ``bad_business_number``, ``bad_region`` or ``password`` (``problems``: policy codes).
    """
    from lms.jobs import enqueue
    from lms.mail import send_mail

    email = normalise_email(email)
    digits = re.sub(r"[\s-]", "", business_number or "")
    if not valid_business_number(digits):
        raise CareersError("bad_business_number")
    if region and region not in company_regions():
        raise CareersError("bad_region")
    problems = check_password(password, personal=(email, contact_name, company))
    if problems:
        raise CareersError("password", problems=problems)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        enqueue(send_mail, existing.email, "Gongbang: sign-up attempt / 가입 시도",
                "Someone tried to sign up as an employer with this address, which already has an account. If it "
                "was you, sign in or reset your password.\n\n누군가 이미 계정이 있는 이 주소로 기업 회원 가입을 "
                "시도했습니다. 본인이라면 로그인하거나 비밀번호를 재설정하세요.")
        log.info("employer sign-up with an existing address (user %s)", existing.id)
        return None
    user = User(email=email, name=contact_name.strip(), role=Role.EMPLOYER, locale=locale,
                organisation=company.strip(), password_hash=hasher().hash(password))
    db.session.add(user)
    db.session.flush()
    employer = Employer(user_id=user.id, company=company.strip(), business_number=digits,
                        industry=industry.strip(), region=region or None, address=address.strip(),
                        website=website.strip(), phone=phone.strip(), description=description.strip(),
                        status=EmployerStatus.PENDING)
    db.session.add(employer)
    db.session.flush()
    url = url_for("careers.employer", employer_id=employer.id)
    for liaison in _brokers(Role.LIAISON) or _brokers(Role.ADMIN):
        notify(liaison, lambda: _("%(company)s signed up as an employer and waits for your review.",
                                  company=employer.company), url)
    log.info("employer %s (%s) signed up as user %s", employer.id, employer.company, user.id)
    return employer


def _brokers(role: Role) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == role, User.active.is_(True))))


#: decision -> (statuses it may follow, whether a reason is required).
DECISIONS = {
    EmployerStatus.APPROVED: ({EmployerStatus.PENDING, EmployerStatus.REJECTED, EmployerStatus.SUSPENDED}, False),
    EmployerStatus.REJECTED: ({EmployerStatus.PENDING}, True),
    EmployerStatus.SUSPENDED: ({EmployerStatus.APPROVED}, True),
}


def decide_employer(employer: Employer, decision: EmployerStatus, by: User, reason: str = "") -> Employer:
    """Approve, reject or suspend an employer (liaison or admin); the employer is notified with the reason.

    :raises CareersError: ``not_allowed`` (not a broker), ``bad_decision`` (not from the current status),
        ``reason_missing``.
    """
    if not is_broker(by):
        raise CareersError("not_allowed")
    allowed_from, needs_reason = DECISIONS.get(decision, (set(), False))
    if employer.status not in allowed_from:
        raise CareersError("bad_decision")
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise CareersError("reason_missing")
    employer.status, employer.decision_reason = decision, reason
    employer.decided_by_id, employer.decided_at = by.id, utcnow()
    db.session.flush()
    messages = {
        EmployerStatus.APPROVED: lambda: _("The Chamber of Commerce approved %(company)s: you can now search "
                                           "trainees' and graduates' portfolios.", company=employer.company),
        EmployerStatus.REJECTED: lambda: _("The Chamber of Commerce did not approve %(company)s: %(reason)s",
                                           company=employer.company, reason=reason),
        EmployerStatus.SUSPENDED: lambda: _("The Chamber of Commerce suspended %(company)s: %(reason)s",
                                            company=employer.company, reason=reason),
    }
    notify(employer.user, messages[decision], url_for("careers.status"))
    log.info("employer %s %s by user %s", employer.id, decision.value, by.id)
    return employer


def employers_by_status(status: EmployerStatus | None = None) -> list[Employer]:
    query = select(Employer).order_by(Employer.created_at.desc(), Employer.id.desc())
    if status is not None:
        query = query.where(Employer.status == status)
    return list(db.session.scalars(query))


# Names -----------------------------------------------------------------------------------------------------

_PAREN = re.compile(r"\s*[(（][^)）]*[)）]\s*")


def _is_cjk(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(("HANGUL", "CJK UNIFIED"))


def public_name(full_name: str) -> str:
    """What an employer sees before contact: a first name and the initial of the last name.

    Names are written in many orders here (Vietnamese and Chinese put the family name first, Burmese has no
    family name), so no order is guessed: the first written word is kept and the last word shortened to its
    initial ("Nguyen Thi Lan" → "Nguyen L."). A single word stays as it is (a single name), except a Korean or
    Chinese name in one word, whose first character is the family name ("김서연" → "서연 김."). A name in
    parentheses (another script) is left out.
    """
    name = _PAREN.sub(" ", full_name or "").strip() or (full_name or "").strip("() （）")
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        word = words[0]
        if 2 <= len(word) <= 5 and all(_is_cjk(c) for c in word):
            return f"{word[1:]} {word[0]}."
        return word
    return f"{words[0]} {words[-1][0]}."


def has_contact(employer: Employer | None, trainee_id: int) -> bool:
    """Whether the trainee accepted an interest of *employer* (so both sides see contact details)."""
    if employer is None:
        return False
    return db.session.scalar(select(exists().where(
        Interest.employer_id == employer.id, Interest.trainee_id == trainee_id,
        Interest.status.in_(CONTACT_SHARED)))) or False


# Search ----------------------------------------------------------------------------------------------------


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
    region: str | None = None


@dataclass
class SearchResult:
    trainee: User
    portfolio: Portfolio
    #: First name and initial, or the full name once contact is shared with this viewer.
    display_name: str
    contact: bool
    #: The Korean level, only when the trainee chose to share it.
    korean_level: int | None
    competencies: list[PortfolioCompetency]
    #: The latest completion (not revoked): a graduate.
    graduated_on: date | None = None
    #: Otherwise the end of the latest cohort they are enrolled in (in training until then, or it has ended).
    training_until: date | None = None


@dataclass
class SearchPage:
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


def may_search(user: User) -> bool:
    return is_approved_employer(user) or is_broker(user)


def visible_to_employers(trainee_id: int) -> bool:
    """Whether the trainee is in employer search (opted in, active account)."""
    return db.session.scalar(select(exists().where(
        Portfolio.owner_id == trainee_id, Portfolio.visibility.in_(SEARCHABLE), User.id == Portfolio.owner_id,
        User.active.is_(True), User.role == Role.TRAINEE))) or False


def _searchable_query(filters: SearchFilters):
    query = (select(Portfolio.id, Portfolio.skills)
             .join(User, User.id == Portfolio.owner_id)
             .where(Portfolio.visibility.in_(SEARCHABLE), User.active.is_(True), User.role == Role.TRAINEE))
    if filters.cohort_id or filters.programme_id:
        in_cohort = select(Enrolment.user_id).join(Cohort, Cohort.id == Enrolment.cohort_id).where(
            Enrolment.status != EnrolmentStatus.WITHDRAWN)
        completed = select(Completion.user_id).join(Cohort, Cohort.id == Completion.cohort_id).where(
            Completion.revoked_at.is_(None))
        if filters.cohort_id:
            in_cohort, completed = (q.where(Cohort.id == filters.cohort_id) for q in (in_cohort, completed))
        if filters.programme_id:
            in_cohort, completed = (q.where(Cohort.programme_id == filters.programme_id)
                                    for q in (in_cohort, completed))
        query = query.where(or_(User.id.in_(in_cohort), User.id.in_(completed)))
    if filters.completed_from or filters.completed_to:
        done = select(Completion.user_id).where(Completion.revoked_at.is_(None))
        if filters.completed_from:
            done = done.where(Completion.completed_on >= filters.completed_from)
        if filters.completed_to:
            done = done.where(Completion.completed_on <= filters.completed_to)
        query = query.where(User.id.in_(done))
    for key in filters.competencies:
        query = query.where(Portfolio.id.in_(select(PortfolioCompetency.portfolio_id)
                                             .where(PortfolioCompetency.key == key)))
    if filters.min_korean_level is not None:
        # Only trainees who share their level count: a hidden level never matches, so it is never revealed.
        query = query.where(User.share_korean.is_(True), User.korean_level >= filters.min_korean_level)
    if filters.region:
        # A trainee happy to work anywhere matches every region.
        query = query.where(Portfolio.region.in_((filters.region, "anywhere")))
    return query.order_by(Portfolio.published_at.desc().nulls_last(), Portfolio.id.desc())


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
    chosen = ids[(page - 1) * per_page: page * per_page]
    portfolios = {p.id: p for p in db.session.scalars(select(Portfolio).where(Portfolio.id.in_(chosen)))}
    employer = employer_of(viewer)
    graduated, training = _training_dates([p.owner_id for p in portfolios.values()])
    items = []
    for pid in chosen:
        portfolio = portfolios[pid]
        trainee = portfolio.owner
        contact = is_broker(viewer) or has_contact(employer, trainee.id)
        items.append(SearchResult(
            trainee=trainee, portfolio=portfolio, contact=contact,
            display_name=trainee.name if contact else public_name(trainee.name),
            korean_level=trainee.korean_level if trainee.share_korean else None,
            competencies=list(portfolio.competencies), graduated_on=graduated.get(trainee.id),
            training_until=None if trainee.id in graduated else training.get(trainee.id)))
    return SearchPage(items=items, page=page, per_page=per_page, total=len(ids))


def _training_dates(user_ids: list[int]) -> tuple[dict[int, date], dict[int, date]]:
    """Per trainee, the latest completion date, and the end of the latest cohort they are (or were) enrolled in."""
    if not user_ids:
        return {}, {}
    graduated = dict(db.session.execute(
        select(Completion.user_id, func.max(Completion.completed_on))
        .where(Completion.user_id.in_(user_ids), Completion.revoked_at.is_(None)).group_by(Completion.user_id)).all())
    training = dict(db.session.execute(
        select(Enrolment.user_id, func.max(Cohort.end_date)).join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id.in_(user_ids), Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .group_by(Enrolment.user_id)).all())
    return graduated, training


def competency_choices() -> list[tuple[str, str, str]]:
    """``(key, label_ko, label_en)`` of competencies shown by searchable portfolios."""
    rows = db.session.execute(
        select(PortfolioCompetency.key, func.max(PortfolioCompetency.label_ko), func.max(PortfolioCompetency.label_en))
        .join(Portfolio, Portfolio.id == PortfolioCompetency.portfolio_id)
        .where(Portfolio.visibility.in_(SEARCHABLE)).group_by(PortfolioCompetency.key)
        .order_by(PortfolioCompetency.key))
    return [tuple(r) for r in rows]


# Interests -------------------------------------------------------------------------------------------------


def _event(interest: Interest, status: InterestStatus, by: User | None, note: str = "") -> None:
    interest.events.append(InterestEvent(status=status, by_id=by.id if by else None, note=note, at=utcnow()))


def express_interest(employer_user: User, trainee: User, role_title: str, message: str = "") -> Interest:
    """An approved employer's interest in a trainee for a role; it waits for the liaison's review.

    :raises CareersError: ``not_allowed`` (not approved, or the trainee is not visible to employers),
        ``role_missing``, ``duplicate`` (an open interest of this employer in this trainee exists).
    """
    if not is_approved_employer(employer_user) or not visible_to_employers(trainee.id):
        raise CareersError("not_allowed")
    role_title, message = (role_title or "").strip(), (message or "").strip()
    if not role_title:
        raise CareersError("role_missing")
    employer = employer_of(employer_user)
    open_statuses = (S.SUBMITTED, S.FORWARDED, S.ACCEPTED, S.INTERVIEW)
    if db.session.scalar(select(exists().where(Interest.employer_id == employer.id, Interest.trainee_id ==
                                               trainee.id, Interest.status.in_(open_statuses)))):
        raise CareersError("duplicate")
    interest = Interest(employer_id=employer.id, trainee_id=trainee.id, role_title=role_title[:160],
                        message=message, status=S.SUBMITTED)
    db.session.add(interest)
    _event(interest, S.SUBMITTED, employer_user, message)
    db.session.flush()
    url = url_for("careers.interest", interest_id=interest.id)
    for liaison in _brokers(Role.LIAISON) or _brokers(Role.ADMIN):
        notify(liaison, lambda: _("%(company)s is interested in a trainee for “%(role)s”: please review it.",
                                  company=employer.company, role=interest.role_title), url)
    log.info("interest %s: employer %s in trainee %s", interest.id, employer.id, trainee.id)
    return interest


def actor_kind(user: User, interest: Interest) -> str | None:
    """How *user* stands to *interest*: ``liaison``, ``trainee``, ``employer`` or None (no business)."""
    if is_broker(user):
        return "liaison"
    if user.role == Role.TRAINEE and interest.trainee_id == user.id and user.active:
        return "trainee" if interest_visible_to_trainee(interest) else None
    employer = employer_of(user)
    if employer is not None and employer.id == interest.employer_id and is_approved_employer(user):
        return "employer"
    return None


def interest_visible_to_trainee(interest: Interest) -> bool:
    """The trainee sees an interest once the liaison forwarded it (and keeps seeing it afterwards)."""
    if interest.status in HIDDEN_FROM_TRAINEE:
        return False
    return any(e.status == S.FORWARDED for e in interest.events)


@dataclass
class HistoryEntry:
    """A step of an interest as one reader may see it: the note only when it is addressed to them."""

    status: InterestStatus
    at: object
    by_id: int | None
    note: str


def note_for(kind: str | None, status: InterestStatus, note: str) -> str:
    """*note* (written with a step to *status*) if a reader of *kind* is meant to read it, else ``""``."""
    return note if kind == "liaison" or kind in NOTE_AUDIENCE.get(status, set()) else ""


def liaison_note_for(kind: str | None, interest: Interest) -> str:
    """The liaison's note (to the trainee on forwarding, or the screening reason) if it is meant for *kind*."""
    step = S.DECLINED_BY_LIAISON if interest.status is S.DECLINED_BY_LIAISON else S.FORWARDED
    return note_for(kind, step, interest.liaison_note or "")


def history_for(kind: str | None, interest: Interest) -> list[HistoryEntry]:
    """The steps of *interest* a reader of *kind* sees: a trainee sees none from before forwarding."""
    return [HistoryEntry(e.status, e.at, e.by_id, note_for(kind, e.status, e.note or ""))
            for e in interest.events if kind != "trainee" or e.status not in HIDDEN_FROM_TRAINEE]


def can_view_interest(user: User, interest: Interest) -> bool:
    return actor_kind(user, interest) is not None


def actions_for(user: User, interest: Interest) -> list[str]:
    """The actions *user* may take on *interest* now."""
    kind = actor_kind(user, interest)
    return [name for name, (sources, _target, who) in ACTIONS.items()
            if who == kind and interest.status in sources]


def move_interest(interest: Interest, action: str, by: User, note: str = "") -> Interest:
    """Take *action* on *interest* (forward, screen_out, accept, decline, interview, hired, not_hired,
    withdraw); records an event and notifies those concerned.

    :raises CareersError: ``not_allowed`` (not this user's action), ``bad_step`` (not from this status),
        ``reason_missing``.
    """
    if action not in ACTIONS:
        raise CareersError("bad_step")
    sources, target, who = ACTIONS[action]
    if actor_kind(by, interest) != who:
        raise CareersError("not_allowed")
    if interest.status not in sources:
        raise CareersError("bad_step")
    note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise CareersError("reason_missing")
    interest.status = target
    if who == "liaison" and action in ("forward", "screen_out"):
        interest.liaison_note = note
    elif who == "trainee":
        interest.trainee_note = note
    _event(interest, target, by, note)
    db.session.flush()
    _notify_step(interest, action)
    log.info("interest %s: %s by user %s", interest.id, action, by.id)
    return interest


def _notify_step(interest: Interest, action: str) -> None:
    url = url_for("careers.interest", interest_id=interest.id)
    company, role = interest.employer.company, interest.role_title
    employer_user, trainee = interest.employer.user, interest.trainee
    liaisons = _brokers(Role.LIAISON) or _brokers(Role.ADMIN)
    if action == "forward":
        notify(trainee, lambda: _("%(company)s is interested in you for “%(role)s”. Accept or decline.",
                                  company=company, role=role), url)
        notify(employer_user, lambda: _("Your interest for “%(role)s” was passed on to the trainee.", role=role),
               url)
    elif action == "screen_out":
        notify(employer_user, lambda: _("The Chamber of Commerce did not pass on your interest for “%(role)s”: "
                                        "%(reason)s", role=role, reason=interest.liaison_note), url)
    elif action in ("accept", "decline"):
        if action == "accept":
            notify(employer_user, lambda: _("A trainee accepted your interest for “%(role)s”: their contact "
                                            "details are on the interest page.", role=role), url)
        else:
            notify(employer_user, lambda: _("The trainee declined your interest for “%(role)s”.", role=role), url)
        for liaison in liaisons:
            notify(liaison, (lambda: _("%(name)s accepted the interest of %(company)s.", name=trainee.name,
                                       company=company)) if action == "accept" else
                   (lambda: _("%(name)s declined the interest of %(company)s.", name=trainee.name, company=company)),
                   url, email=False)
    elif action in OUTCOME_ACTIONS:
        labels = {"interview": lambda: _("Interview arranged: %(company)s, “%(role)s”.", company=company, role=role),
                  "hired": lambda: _("Hired: %(company)s, “%(role)s”. Congratulations!", company=company, role=role),
                  "not_hired": lambda: _("Not hired this time: %(company)s, “%(role)s”.", company=company,
                                         role=role)}
        for person in (trainee, employer_user):
            notify(person, labels[action], url)
    elif action == "withdraw":
        for liaison in liaisons:
            notify(liaison, lambda: _("%(company)s withdrew its interest for “%(role)s”.", company=company,
                                      role=role), url, email=False)
        if interest_visible_to_trainee(interest):
            notify(trainee, lambda: _("%(company)s withdrew its interest for “%(role)s”.", company=company,
                                      role=role), url)


def interests_for(user: User) -> list[Interest]:
    """The interests *user* may see: an employer's own, a trainee's forwarded ones, all for brokers."""
    query = select(Interest).order_by(Interest.updated_at.desc(), Interest.id.desc())
    if is_broker(user):
        return list(db.session.scalars(query))
    employer = employer_of(user)
    if employer is not None:
        return list(db.session.scalars(query.where(Interest.employer_id == employer.id))) \
            if is_approved_employer(user) else []
    if user.role == Role.TRAINEE:
        return [i for i in db.session.scalars(query.where(Interest.trainee_id == user.id))
                if interest_visible_to_trainee(i)]
    return []


def board() -> dict[InterestStatus, list[Interest]]:
    """The liaison's board: interests per status column, oldest update first (what waits longest on top)."""
    columns: dict[InterestStatus, list[Interest]] = {status: [] for status in BOARD_COLUMNS}
    for interest in db.session.scalars(select(Interest).order_by(Interest.updated_at, Interest.id)):
        columns[interest.status].append(interest)
    return columns


def cohorts_of(user_id: int) -> list[Cohort]:
    """The cohorts a trainee is or was in (not withdrawn), or completed."""
    ids = set(db.session.scalars(select(Enrolment.cohort_id).where(
        Enrolment.user_id == user_id, Enrolment.status != EnrolmentStatus.WITHDRAWN)))
    ids |= set(db.session.scalars(select(Completion.cohort_id).where(Completion.user_id == user_id,
                                                                     Completion.revoked_at.is_(None))))
    return list(db.session.scalars(select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.start_date)))


# Placement figures -----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """Placement figures of one cohort or programme."""

    graduates: int = 0
    visible: int = 0
    interests: int = 0
    accepted: int = 0
    interviews: int = 0
    hires: int = 0
    #: Graduates with at least one hire: the numerator of the placement rate.
    placed: int = 0
    cohort: Cohort | None = None
    programme: Programme | None = None

    @property
    def label(self) -> str:
        """The programme's name in the reader's language, then the cohort's (read within a request)."""
        name = self.programme.name if self.programme else ""
        return f"{name} · {self.cohort.name}" if self.cohort else name

    @property
    def rate(self) -> float | None:
        """Placement rate: hired graduates / graduates (None without graduates)."""
        return self.placed / self.graduates if self.graduates else None


def placement_figures() -> tuple[list[Figures], list[Figures]]:
    """Figures per cohort and per programme.

    A trainee counts in each cohort they are enrolled in (not withdrawn) or completed; a programme counts
    each person once. ``graduates``: trainees with a (not revoked) completion of the cohort; ``visible``:
    members visible to employers now; ``interests``: interests in members (any status); ``accepted`` and
    ``interviews``: interests that reached that step (from their events); ``hires``: members hired at
    least once; ``placed``: graduates hired at least once.
    """
    cohorts = list(db.session.scalars(select(Cohort).join(Programme).order_by(Programme.code, Cohort.start_date)))
    members: dict[int, set[int]] = {c.id: set() for c in cohorts}
    for cohort_id, user_id in db.session.execute(select(Enrolment.cohort_id, Enrolment.user_id).where(
            Enrolment.status != EnrolmentStatus.WITHDRAWN)):
        members[cohort_id].add(user_id)
    graduates: dict[int, set[int]] = {c.id: set() for c in cohorts}
    for cohort_id, user_id in db.session.execute(select(Completion.cohort_id, Completion.user_id).where(
            Completion.revoked_at.is_(None))):
        graduates[cohort_id].add(user_id)
        members[cohort_id].add(user_id)
    visible = set(db.session.scalars(select(Portfolio.owner_id).join(User, User.id == Portfolio.owner_id).where(
        Portfolio.visibility.in_(SEARCHABLE), User.active.is_(True))))
    reached: dict[int, set[InterestStatus]] = {}
    for interest_id, status in db.session.execute(select(InterestEvent.interest_id, InterestEvent.status)):
        reached.setdefault(interest_id, set()).add(status)
    interests = [(i.id, i.trainee_id, reached.get(i.id, set()) | {i.status})
                 for i in db.session.scalars(select(Interest))]

    def figures(people: set[int], grads: set[int], **extra) -> Figures:
        mine = [(iid, steps) for iid, trainee_id, steps in interests if trainee_id in people]
        hired = {trainee_id for _iid, trainee_id, steps in interests if trainee_id in people and S.HIRED in steps}
        return Figures(graduates=len(grads), visible=len(people & visible), interests=len(mine),
                       accepted=sum(1 for _i, steps in mine if S.ACCEPTED in steps),
                       interviews=sum(1 for _i, steps in mine if S.INTERVIEW in steps),
                       hires=len(hired), placed=len(hired & grads), **extra)

    per_cohort = [figures(members[c.id], graduates[c.id], cohort=c,
                          programme=c.programme) for c in cohorts]
    per_programme = []
    for programme in db.session.scalars(select(Programme).order_by(Programme.code)):
        ids = [c.id for c in cohorts if c.programme_id == programme.id]
        people = set().union(*(members[i] for i in ids)) if ids else set()
        grads = set().union(*(graduates[i] for i in ids)) if ids else set()
        per_programme.append(figures(people, grads, programme=programme))
    return per_cohort, per_programme


CSV_COLUMNS = ("level", "programme", "cohort", "graduates", "visible_to_employers", "interests", "accepted",
               "interviews", "hires", "placed_graduates", "placement_rate")


def placement_rows() -> list[list]:
    """The figures as CSV rows (programmes first, then cohorts), rates as fractions with three decimals."""
    per_cohort, per_programme = placement_figures()
    rows = []
    for level, items in (("programme", per_programme), ("cohort", per_cohort)):
        for f in items:
            rows.append([level, f.programme.code if f.programme else "", f.cohort.code if f.cohort else "",
                         f.graduates, f.visible, f.interests, f.accepted, f.interviews, f.hires, f.placed,
                         "" if f.rate is None else f"{f.rate:.3f}"])
    return rows


def text_width(text: str, size: int = 12) -> float:
    """Roughly how wide *text* is drawn at *size* px: wide (Hangul, CJK) characters take a full em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text)


def chart_geometry(figures: list[Figures], span: int = 440, bar: int = 14, gap: int = 10) -> dict:
    """Bar positions for the placement chart: per row, a graduates bar and a hires bar on one scale.

    Pure arithmetic, so the template only draws; the scale's top is the largest count (at least 1). The
    label column is as wide as the longest label (programme and cohort names), within bounds; the page
    scrolls the chart sideways on narrow screens rather than shrinking its text.
    """
    top = max([1] + [max(f.graduates, f.hires) for f in figures])
    label_width = round(min(360, max(120, max([0] + [text_width(f.label) for f in figures]) + 16)))
    rows = []
    for n, f in enumerate(figures):
        y = n * (2 * bar + gap) + 4
        rows.append({"label": f.label, "y": y, "graduates": f.graduates, "hires": f.hires,
                     "graduates_w": round(span * f.graduates / top, 1), "hires_w": round(span * f.hires / top, 1),
                     "rate": f.rate})
    return {"rows": rows, "width": label_width + span + 40, "height": max(40, len(figures) * (2 * bar + gap) + 8),
            "bar": bar, "x0": label_width, "top": top}
