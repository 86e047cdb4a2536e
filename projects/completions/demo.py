"""Demo completion for ``lms demo``: Wang Fang's signed completion of the spring cohort (idempotent)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.extensions import db
from projects.completions import services as completions
from projects.completions.models import Completion


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded``."""
    admin = people.get("admin@demo.gongbang.kr")
    graduate, spring = people.get("wangfang@demo.gongbang.kr"), cohorts.get(("AIVIDEO", "2026-1"))
    if admin is None or graduate is None or spring is None:
        return
    done = select(Completion.id).where(Completion.user_id == graduate.id, Completion.cohort_id == spring.id)
    if db.session.scalar(done) is None:
        completions.mark_completion(graduate, spring, min(spring.end_date, date.today()), admin)
