"""Background jobs of coursework: the reminder run (deadline reminders, late notices, grading digests)."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from lms.db import utcnow
from lms.faults import crash_point
from lms.jobs import commit
from projects.coursework import digests, reminder_services

log = logging.getLogger(__name__)


@shared_task(name="projects.send_reminders")
def send_reminders(batch: int | None = None) -> dict[str, int]:
    """Send every reminder due now and the day's grading digests; safe to run twice or in two workers.

    Commits after each page of enrolments (the task is the transaction edge), so a worker that dies loses
    only the page in flight, claims included; the next run (the beat's, every ``REMINDER_MINUTES``) sends it.
    """
    now = utcnow()
    limit = batch or current_app.config.get("REMINDER_BATCH") or reminder_services.BATCH
    projects = reminder_services.candidate_projects(now)
    totals = {"pages": 0, "due": 0, "sent": 0, "digests": 0}
    after: tuple[int, int] | None = None
    while True:
        page = reminder_services.remind_page(projects, after, now, limit)
        commit()
        crash_point("reminders.page_committed")
        totals["pages"] += 1
        totals["due"] += page.due
        totals["sent"] += page.written
        if page.after is None:
            break
        after = page.after
    totals["digests"] = digests.send_grading_digests(now)
    commit()
    log.info("reminder run: %s", totals)
    return totals
