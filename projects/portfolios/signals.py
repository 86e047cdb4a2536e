"""What portfolios ask about employers and credentials: questions the domains above them answer.

Portfolios sit below the employer domain and never import it, yet who may read a portfolio shared "with
employers", and how a trainee's name reads to an employer, are that domain's rules.  So portfolios send these
signals and the employer domain connects its answers in its ``init_app``.  With no receiver nobody is an
approved employer, no employer has contact with a trainee, no account stands for a company, and the
portfolio page offers no "express interest" button.  Likewise the credentials domain says which of a
trainee's credentials the portfolio's PDF shows a QR code for; with no receiver, none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace

from lms.users.models import User

_signals = Namespace()

#: Asks whether a signed-in user is an employer approved to read portfolios shared with employers.
#: sender: the ``User``. A receiver returns ``True`` to say so; anything else leaves it to the others.
employer_approval = _signals.signal("portfolio-employer-approval")

#: Asks whether a trainee accepted an employer's interest, so the employer sees the trainee's full name.
#: sender: the employer's ``User``; kwargs: ``trainee_id``. A receiver returns ``True`` to say so.
employer_contact = _signals.signal("portfolio-employer-contact")

#: Asks which company an employer account stands for (the view log names it). sender: the ``User``.
#: A receiver returns the company's name, or ``None``.
employer_company = _signals.signal("portfolio-employer-company")

#: Asks how a trainee's name reads to an employer before contact. sender: the trainee's ``User``.
#: A receiver returns the shortened name, or ``None``.
public_name_asked = _signals.signal("portfolio-public-name")

#: Asks where an employer reading a trainee's portfolio may express interest in the trainee.
#: sender: the employer's ``User``; kwargs: ``trainee_id``. A receiver returns the URL, or ``None``.
interest_url_asked = _signals.signal("portfolio-interest-url")

#: Asks which of a trainee's credentials anyone may check, for the QR codes of the portfolio's PDF.
#: sender: the trainee's ``User``. A receiver returns a list of :class:`Checkable` (those still standing).
credentials_asked = _signals.signal("portfolio-credentials")


@dataclass(frozen=True)
class Checkable:
    """A credential as the portfolio's PDF shows it: its name, the public address it is checked at (the
    QR code's content) and when it was issued."""

    name: str
    url: str
    issued_at: datetime


def is_approved_employer(user: User) -> bool:
    """Whether *user* is an employer approved to read portfolios shared with employers."""
    return any(answer is True for _receiver, answer in employer_approval.send(user))


def has_contact(employer: User, trainee_id: int) -> bool:
    """Whether the trainee *trainee_id* accepted an interest of the *employer* account."""
    return any(answer is True for _receiver, answer in employer_contact.send(employer, trainee_id=trainee_id))


def company_of(user: User) -> str | None:
    """The name of the company *user* stands for, or None."""
    return next((answer for _receiver, answer in employer_company.send(user) if answer), None)


def interest_url(employer: User, trainee_id: int) -> str | None:
    """Where *employer* may express interest in the trainee *trainee_id*, or None."""
    return next(
        (answer for _receiver, answer in interest_url_asked.send(employer, trainee_id=trainee_id) if answer),
        None,
    )


def public_name(user: User) -> str:
    """The trainee's name as an employer sees it before contact; with no answer, only the first written word
    (never the whole name)."""
    answer = next((answer for _receiver, answer in public_name_asked.send(user) if answer), None)
    return answer or ((user.name or "").split() or [""])[0]


def credentials_of(trainee: User) -> list[Checkable]:
    """The trainee's credentials that anyone may check (none when no domain answers)."""
    return [found for _receiver, answer in credentials_asked.send(trainee) for found in answer or ()]
