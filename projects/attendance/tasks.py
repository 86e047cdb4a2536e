"""Background jobs of attendance: the early-warning sweep (trainees nobody tapped are absent too, and a
roll call warns only those it marks)."""

from __future__ import annotations

import logging

from celery import shared_task

from lms.db import utcnow
from lms.jobs import commit
from projects.attendance import rates

log = logging.getLogger(__name__)


@shared_task(name="projects.attendance_warnings")
def attendance_warnings() -> dict[str, int]:
    """Warn about every trainee below the minimum in the cohorts that had a session in the last day; safe to
    run twice (each warning is sent once per trainee and period).  Commits per cohort."""
    now = utcnow()
    totals = {"cohorts": 0, "below": 0}
    for cohort in rates.cohorts_in_session(now):
        totals["below"] += rates.warn_cohort(cohort, now=now)
        totals["cohorts"] += 1
        commit()
    log.info("attendance warnings: %s", totals)
    return totals
