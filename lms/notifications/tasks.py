"""Periodic work of the notifications: the daily digest."""

from __future__ import annotations

from celery import shared_task

from lms.jobs import commit
from lms.notifications import delivery


@shared_task(name="lms.send_digests")
def send_digests() -> int:
    """Periodic: queue the daily digests that are due (:func:`~lms.notifications.delivery.send_digests`).

    Runs every quarter hour, so each time zone's digest hour is met soon after it starts; safe to run twice.
    """
    queued = delivery.send_digests()
    commit()
    return queued
