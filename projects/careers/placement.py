"""Placement figures per cohort and programme: graduates, who is visible to employers, interests and hires.

Read by liaisons and admins on the placement page, in its CSV export and through the API.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from lms.extensions import db
from lms.programmes.models import Cohort, Enrolment, EnrolmentStatus, Programme
from lms.users.models import User
from projects.careers.models import Interest, InterestEvent, InterestStatus
from projects.careers.search import SEARCHABLE
from projects.completions.models import Completion
from projects.portfolios.models import Portfolio

S = InterestStatus


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
    cohorts = list(
        db.session.scalars(select(Cohort).join(Programme).order_by(Programme.code, Cohort.start_date))
    )
    members: dict[int, set[int]] = {c.id: set() for c in cohorts}
    for cohort_id, user_id in db.session.execute(
        select(Enrolment.cohort_id, Enrolment.user_id).where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
    ):
        members[cohort_id].add(user_id)
    graduates: dict[int, set[int]] = {c.id: set() for c in cohorts}
    for cohort_id, user_id in db.session.execute(
        select(Completion.cohort_id, Completion.user_id).where(Completion.revoked_at.is_(None))
    ):
        graduates[cohort_id].add(user_id)
        members[cohort_id].add(user_id)
    visible = set(
        db.session.scalars(
            select(Portfolio.owner_id)
            .join(User, User.id == Portfolio.owner_id)
            .where(Portfolio.visibility.in_(SEARCHABLE), User.active.is_(True))
        )
    )
    reached: dict[int, set[InterestStatus]] = {}
    for interest_id, status in db.session.execute(select(InterestEvent.interest_id, InterestEvent.status)):
        reached.setdefault(interest_id, set()).add(status)
    interests = [
        (i.id, i.trainee_id, reached.get(i.id, set()) | {i.status})
        for i in db.session.scalars(select(Interest))
    ]

    def figures(people: set[int], grads: set[int], **extra) -> Figures:
        mine = [(iid, steps) for iid, trainee_id, steps in interests if trainee_id in people]
        hired = {
            trainee_id for _iid, trainee_id, steps in interests if trainee_id in people and S.HIRED in steps
        }
        return Figures(
            graduates=len(grads),
            visible=len(people & visible),
            interests=len(mine),
            accepted=sum(1 for _i, steps in mine if S.ACCEPTED in steps),
            interviews=sum(1 for _i, steps in mine if S.INTERVIEW in steps),
            hires=len(hired),
            placed=len(hired & grads),
            **extra,
        )

    per_cohort = [figures(members[c.id], graduates[c.id], cohort=c, programme=c.programme) for c in cohorts]
    per_programme = []
    for programme in db.session.scalars(select(Programme).order_by(Programme.code)):
        ids = [c.id for c in cohorts if c.programme_id == programme.id]
        people = set().union(*(members[i] for i in ids)) if ids else set()
        grads = set().union(*(graduates[i] for i in ids)) if ids else set()
        per_programme.append(figures(people, grads, programme=programme))
    return per_cohort, per_programme


CSV_COLUMNS = (
    "level",
    "programme",
    "cohort",
    "graduates",
    "visible_to_employers",
    "interests",
    "accepted",
    "interviews",
    "hires",
    "placed_graduates",
    "placement_rate",
)


def placement_rows() -> list[list]:
    """The figures as CSV rows (programmes first, then cohorts), rates as fractions with three decimals."""
    per_cohort, per_programme = placement_figures()
    rows = []
    for level, items in (("programme", per_programme), ("cohort", per_cohort)):
        for f in items:
            rows.append(
                [
                    level,
                    f.programme.code if f.programme else "",
                    f.cohort.code if f.cohort else "",
                    f.graduates,
                    f.visible,
                    f.interests,
                    f.accepted,
                    f.interviews,
                    f.hires,
                    f.placed,
                    "" if f.rate is None else f"{f.rate:.3f}",
                ]
            )
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
    # Up to 480 px: "Korean language and settlement · 2026년 2기 / 2026 Autumn" needs about 410, and a label
    # cut at the chart's left edge is unreadable; the chart scrolls in its own box on a phone.
    label_width = round(min(480, max(120, max([0] + [text_width(f.label) for f in figures]) + 16)))
    rows = []
    for n, f in enumerate(figures):
        y = n * (2 * bar + gap) + 4
        rows.append(
            {
                "label": f.label,
                "y": y,
                "graduates": f.graduates,
                "hires": f.hires,
                "graduates_w": round(span * f.graduates / top, 1),
                "hires_w": round(span * f.hires / top, 1),
                "rate": f.rate,
            }
        )
    height = max(40, len(figures) * (2 * bar + gap) + 8)
    return {
        "rows": rows,
        "width": label_width + span + 40,
        "height": height,
        "bar": bar,
        "x0": label_width,
        "top": top,
    }
