"""Background jobs of credentials: signing a credential (canonicalising its JSON-LD takes about 6 ms, a
cohort's completions a few seconds) happens here, after the request committed what to issue.

Both jobs take an id, are acknowledged late and are safe to run again: a completion's current credential or
an award's issued one is found and kept, and the row is locked while signing, so two workers never issue
twice.  An award's notice to the trainee is written in the same transaction as its credential, so it goes
once too (a completion's trainee was told when the record was made: no second notice here).
"""

from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from lms.extensions import db
from lms.jobs import commit, discard_pending
from projects.common import ProjectError
from projects.completions.models import Completion
from projects.credentials import achievements
from projects.credentials import services as credentials
from projects.credentials.models import AchievementAward

log = logging.getLogger(__name__)

MAX_RETRIES = 5


def _locked(model, row_id: int):
    """The row, locked until the commit (PostgreSQL; SQLite writes one at a time anyway)."""
    return db.session.scalar(
        select(model).where(model.id == row_id).with_for_update().execution_options(populate_existing=True)
    )


def _retry(task, exc: Exception):
    db.session.rollback()
    discard_pending()
    # 10 s, 20 s, 40 s ...: the database may be back by then.
    return task.retry(exc=exc, countdown=10 * 2**task.request.retries, max_retries=MAX_RETRIES)


@shared_task(name="projects.issue_completion_credential", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def issue_completion_credential(self, completion_id: int) -> str | None:
    """Issue a completion record's Open Badges credential; the code of its current one."""
    try:
        completion = _locked(Completion, completion_id)
        if completion is None or completion.revoked_at is not None:
            db.session.rollback()
            return None
        badge = credentials.issue_for_completion(completion)
        commit()
        return badge.code
    except ProjectError as exc:  # the status list is full: nothing to retry
        db.session.rollback()
        log.error("completion %s: no credential issued (%s)", completion_id, exc.code)
        return None
    except OperationalError as exc:
        raise _retry(self, exc) from exc


@shared_task(name="projects.issue_achievement_credential", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def issue_achievement_credential(self, award_id: int) -> str | None:
    """Issue an achievement award's Open Badges credential; its code."""
    try:
        award = _locked(AchievementAward, award_id)
        badge = achievements.issue_award(award) if award is not None else None
        commit()
        return badge.code if badge is not None else None
    except ProjectError as exc:
        db.session.rollback()
        log.error("achievement award %s: no credential issued (%s)", award_id, exc.code)
        return None
    except OperationalError as exc:
        raise _retry(self, exc) from exc
