"""Employers and the liaison's approval: sign-up, decisions, who may broker or search, names before contact.

The liaison (Chamber of Commerce) stands between employers and trainees: employers sign up and wait for the
liaison's approval; approved employers search only trainees who chose to be seen by employers (see
:mod:`projects.careers.search`), and see a first name and an initial until a trainee accepts their interest;
every interest goes through the liaison (see :mod:`projects.careers.interests`). Placement figures are in
:mod:`projects.careers.placement`.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from lms.auth.services import hasher, normalise_email
from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.notifications.kinds import register_kind
from lms.notifications.services import notify
from lms.passwords import check_password
from lms.users.models import Role, User
from projects.careers.models import Employer, EmployerStatus, Interest, InterestStatus

log = logging.getLogger(__name__)

register_kind("employer_account", _l("Employer sign-up and review"), group=_l("Careers"))
#: Sent to an address that already has an account: a security notice, never turned off.
register_kind("signup_attempt", _l("Sign-up attempts with my address"), required=True, group=_l("Account"))

#: Once accepted, both sides see each other's contact details, whatever happens next.
CONTACT_SHARED = (
    InterestStatus.ACCEPTED,
    InterestStatus.INTERVIEW,
    InterestStatus.HIRED,
    InterestStatus.NOT_HIRED,
)


class CareersError(DomainError):
    """A rule the user ran into; ``code`` picks the sentence (see :mod:`projects.careers.messages`)."""

    @property
    def status(self) -> int:  # type: ignore[override]
        """``not_allowed`` refuses access (403, as the API has always answered it); the rest are 422."""
        return 403 if self.code == "not_allowed" else 422


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
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.LIAISON, Role.ADMIN)
    )


def may_search(user: User) -> bool:
    """Approved employers search trainees; liaisons and admins too (they broker)."""
    return is_approved_employer(user) or is_broker(user)


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


EMPLOYER_FIELDS = (
    "company",
    "business_number",
    "industry",
    "region",
    "address",
    "website",
    "phone",
    "description",
)


def register_employer(
    *,
    email: str,
    password: str,
    contact_name: str,
    company: str,
    business_number: str,
    industry: str = "",
    region: str | None = None,
    address: str = "",
    website: str = "",
    phone: str = "",
    description: str = "",
    locale: str | None = None,
) -> Employer | None:
    """Sign an employer up: a new account with the employer role and a PENDING company record.

    The liaisons are notified. When the address already has an account nothing is created and ``None`` is
    returned; the caller shows the same confirmation either way, so sign-up tells nobody which addresses
    exist (the owner of the address is mailed instead).

    :raises CareersError: ``bad_business_number``, ``bad_region`` or ``password`` (``problems``: the
        policy's codes).
    """
    from lms.mail import queue_mail

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
        queue_mail(
            existing.email,
            "Gongbang: sign-up attempt / 가입 시도",
            "Someone tried to sign up as an employer with this address, which already has an account. "
            "If it was you, sign in or reset your password.\n\n"
            "누군가 이미 계정이 있는 이 주소로 기업 회원 가입을 시도했습니다. "
            "본인이라면 로그인하거나 비밀번호를 재설정하세요.",
            recipient_id=existing.id,
            kind="signup_attempt",
        )
        log.info("employer sign-up with an existing address (user %s)", existing.id)
        return None
    user = User(
        email=email,
        name=contact_name.strip(),
        role=Role.EMPLOYER,
        locale=locale,
        organisation=company.strip(),
        password_hash=hasher().hash(password),
    )
    db.session.add(user)
    db.session.flush()
    employer = Employer(
        user_id=user.id,
        company=company.strip(),
        business_number=digits,
        industry=industry.strip(),
        region=region or None,
        address=address.strip(),
        website=website.strip(),
        phone=phone.strip(),
        description=description.strip(),
        status=EmployerStatus.PENDING,
    )
    db.session.add(employer)
    db.session.flush()
    url = url_for("careers.employer", employer_id=employer.id)
    for liaison in brokers(Role.LIAISON) or brokers(Role.ADMIN):
        notify(
            liaison,
            lambda: _(
                "%(company)s signed up as an employer and waits for your review.", company=employer.company
            ),
            url,
            kind="employer_account",
        )
    log.info("employer %s (%s) signed up as user %s", employer.id, employer.company, user.id)
    return employer


def brokers(role: Role) -> list[User]:
    """The active accounts of *role* (liaisons, or admins where no liaison exists) who hear of new steps."""
    return list(db.session.scalars(select(User).where(User.role == role, User.active.is_(True))))


#: decision -> (statuses it may follow, whether a reason is required).
DECISIONS = {
    EmployerStatus.APPROVED: (
        {EmployerStatus.PENDING, EmployerStatus.REJECTED, EmployerStatus.SUSPENDED},
        False,
    ),
    EmployerStatus.REJECTED: ({EmployerStatus.PENDING}, True),
    EmployerStatus.SUSPENDED: ({EmployerStatus.APPROVED}, True),
}


#: The longest reason for a decision (the form's limit).
REASON_MAX = 2000


def decide_employer(employer: Employer, decision: EmployerStatus, by: User, reason: str = "") -> Employer:
    """Approve, reject or suspend an employer (liaison or admin); the employer is notified with the reason.

    :raises CareersError: ``not_allowed`` (not a broker), ``bad_decision`` (not from the current status),
        ``reason_missing``, ``too_long``.
    """
    if not is_broker(by):
        raise CareersError("not_allowed")
    allowed_from, needs_reason = DECISIONS.get(decision, (set(), False))
    if employer.status not in allowed_from:
        raise CareersError("bad_decision")
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise CareersError("reason_missing")
    if len(reason) > REASON_MAX:
        raise CareersError("too_long", limit=REASON_MAX)
    employer.status, employer.decision_reason = decision, reason
    employer.decided_by_id, employer.decided_at = by.id, utcnow()
    db.session.flush()
    messages = {
        EmployerStatus.APPROVED: lambda: _(
            "The Chamber of Commerce approved %(company)s: you can now search "
            "trainees' and graduates' portfolios.",
            company=employer.company,
        ),
        EmployerStatus.REJECTED: lambda: _(
            "The Chamber of Commerce did not approve %(company)s: %(reason)s",
            company=employer.company,
            reason=reason,
        ),
        EmployerStatus.SUSPENDED: lambda: _(
            "The Chamber of Commerce suspended %(company)s: %(reason)s",
            company=employer.company,
            reason=reason,
        ),
    }
    notify(employer.user, messages[decision], url_for("careers.status"), kind="employer_account")
    log.info("employer %s %s by user %s", employer.id, decision.value, by.id)
    return employer


def employers_by_status(status: EmployerStatus | None = None) -> list[Employer]:
    """Employers of *status* (all when None), newest sign-up first."""
    query = select(Employer).order_by(Employer.created_at.desc(), Employer.id.desc())
    if status is not None:
        query = query.where(Employer.status == status)
    return list(db.session.scalars(query))


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
    return (
        db.session.scalar(
            select(
                exists().where(
                    Interest.employer_id == employer.id,
                    Interest.trainee_id == trainee_id,
                    Interest.status.in_(CONTACT_SHARED),
                )
            )
        )
        or False
    )
