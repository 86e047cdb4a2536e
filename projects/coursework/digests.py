"""The instructors' daily digest: what waits for a grade in the cohorts they teach, once a day each.

What "waits" is grading's to say (coursework cannot read grading's tables): the digest asks through
:data:`projects.coursework.signals.grading_backlog`. The claim, the texts and the writing are the reminders'
(:mod:`projects.coursework.reminder_services`); the key names the instructor and the day in their zone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor
from lms.users.models import User
from projects.coursework import reminders, signals
from projects.coursework.models import Project
from projects.coursework.notices import _path
from projects.coursework.reminder_services import Text, Writer, claim, project_title

log = logging.getLogger(__name__)

#: A digest covers cohorts still running, or ended this recently (late grading of the last projects).
DIGEST_REACH = timedelta(days=30)


def send_grading_digests(now: datetime) -> int:
    """Tell each instructor, once a day in their zone (from :data:`reminders.DIGEST_HOUR`), what waits for a
    grade in the cohorts they teach; flushed, not committed. How many digests were written.

    What "waits" is grading's to say (:data:`projects.coursework.signals.grading_backlog`). A fixed number of
    statements: the instructors, the backlog, the titles, the claims, the notifications, the mail.
    """
    today = now.astimezone(UTC).date()
    teaching = list(
        db.session.execute(
            select(
                CohortInstructor.user_id,
                CohortInstructor.cohort_id,
                User.email,
                User.locale,
                User.timezone,
            )
            .join(User, User.id == CohortInstructor.user_id)
            .join(Cohort, Cohort.id == CohortInstructor.cohort_id)
            .where(User.active.is_(True), Cohort.end_date >= today - DIGEST_REACH)
            .order_by(CohortInstructor.user_id, CohortInstructor.cohort_id)
        )
    )
    ready = [row for row in teaching if reminders.digest_day(now, row.timezone) is not None]
    if not ready:
        return 0
    backlog: dict[int, int] = {}
    for _receiver, answer in signals.grading_backlog.send(sorted({r.cohort_id for r in ready})):
        backlog.update(answer or {})
    if not backlog:
        return 0
    projects = list(
        db.session.execute(
            select(Project.id, Project.cohort_id, Project.title_ko, Project.title_en)
            .where(Project.id.in_(sorted(backlog)))
            .order_by(Project.due_at, Project.id)
        )
    )
    by_cohort: dict[int, list] = defaultdict(list)
    for project in projects:
        by_cohort[project.cohort_id].append(project)
    waiting: dict[int, list] = defaultdict(list)
    person_of = {}
    for row in ready:
        waiting[row.user_id] += by_cohort.get(row.cohort_id, [])
        person_of[row.user_id] = row
    keys = {
        user_id: reminders.digest_key(user_id, reminders.digest_day(now, person_of[user_id].timezone))
        for user_id, items in waiting.items()
        if items
    }
    claimed = claim(
        [
            {"key": key, "kind": reminders.DIGEST, "user_id": uid, "project_id": None}
            for uid, key in keys.items()
        ]
    )
    writer = Writer()
    path = _path("projects.index")
    for user_id, key in sorted(keys.items()):
        if key not in claimed:
            continue
        items = tuple((p.id, backlog[p.id]) for p in waiting[user_id])
        make = _digest_text(waiting[user_id], backlog)
        writer.add(person_of[user_id], reminders.DIGEST, key, ("digest", items), make, path)
    written = writer.flush()
    log.info("grading digests: %s instructor(s) with work waiting, %s sent", len(keys), written)
    return written


def _digest_text(projects: list, backlog: dict[int, int]):
    def make(_writer: Writer, lang: str) -> Text:
        total = sum(backlog[p.id] for p in projects)
        with force_locale(lang):  # one digest per instructor: no need for the reminders' shortcuts
            subject = ngettext(
                "Waiting for grading: %(num)s hand-in", "Waiting for grading: %(num)s hand-ins", total
            )
            lines = [
                ngettext(
                    "%(num)s hand-in is waiting for a grade:",
                    "%(num)s hand-ins are waiting for a grade:",
                    total,
                ),
                *(
                    _("- %(project)s: %(count)s", project=project_title(p, lang), count=backlog[p.id])
                    for p in projects
                ),
            ]
        return Text(subject, "\n".join(lines))

    return make
