"""Background jobs of the LTI plugin: sending scores and syncing rosters (ids only, safe to repeat)."""

from __future__ import annotations

import logging

from celery import shared_task

from lms.extensions import db
from lms.jobs import commit, discard_pending
from lti import client, grades, keys, roster

log = logging.getLogger(__name__)

MAX_RETRIES = 5


@shared_task(name="lti.send_score", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_score(self, sync_id: int) -> str | None:
    """Send one released score to its line item; retried with backoff while the platform is unreachable."""
    # The platform fetches our JWKS to check the token request: the keys must be committed first.
    keys.ensure_keys()
    commit()
    try:
        sync = grades.send(sync_id)
        commit()
        return sync.status.value if sync else None
    except client.PlatformError as exc:
        db.session.rollback()
        discard_pending()
        final = not exc.transient or self.request.retries >= MAX_RETRIES
        grades.record_failure(sync_id, str(exc), final)
        commit()
        if final:
            return "failed"
        if self.request.is_eager:
            # Eager runs (tests) propagate Celery's Retry instead of running again: try again at once.
            return self.apply(args=[sync_id], retries=self.request.retries + 1).result
        # 30 s, 60 s, 120 s, ...: a platform down for maintenance has time to come back.
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task(name="lti.sync_roster", acks_late=True)
def sync_roster(context_id: int) -> dict | None:
    """Bring the course's roster into its cohort (NRPS)."""
    keys.ensure_keys()
    commit()
    try:
        result = roster.sync_roster(context_id)
    except (client.PlatformError, roster.RosterError) as exc:
        db.session.rollback()
        discard_pending()
        roster.record_failure(context_id, str(exc))
        commit()
        return {"error": str(exc)}
    commit()
    return result
