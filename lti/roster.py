"""Names and Role Provisioning Services: bring an LMS course's roster into its linked cohort."""

from __future__ import annotations

import logging

from sqlalchemy import select

from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.programmes.models import Enrolment, EnrolmentStatus
from lms.users.models import Role
from lti import client
from lti.launch import LaunchError, is_teacher
from lti.models import Account, Context

log = logging.getLogger(__name__)


class RosterError(DomainError):
    """The course cannot be synced (``not_linked``, ``no_service``; sentences in :mod:`lti.messages`)."""


def sync_roster(context_id: int) -> dict:
    """Enrol the course's active learners (and teachers) in the cohort; withdraw those the LMS says left.

    Members are matched and created as in a launch. Only enrolments of people linked to this platform are
    withdrawn: trainees enrolled in Gongbang directly are never touched by an LMS.

    :raises RosterError: when the course is not linked or has no roster service.
    :raises client.PlatformError: when the platform cannot be reached or refuses.
    """
    from lti.services import account_for, join_cohort

    context = db.session.get(Context, context_id)
    if context is None or context.cohort is None:
        raise RosterError("not_linked")
    if not context.memberships_url:
        raise RosterError("no_service")
    _ctx, members = client.memberships(context.platform, context.memberships_url)
    result = {"added": 0, "withdrawn": 0, "unchanged": 0, "skipped": 0}
    for member in members:
        sub, roles, status = member.get("user_id"), member.get("roles") or [], member.get("status", "Active")
        if not sub or not isinstance(roles, list):
            result["skipped"] += 1
            continue
        claims = {
            "sub": str(sub),
            "email": member.get("email"),
            "name": member.get("name"),
            "given_name": member.get("given_name"),
            "family_name": member.get("family_name"),
        }
        if status != "Active":
            result["withdrawn" if _withdraw(context, str(sub)) else "unchanged"] += 1
            continue
        try:
            user = account_for(context.platform, claims, is_teacher(roles))
        except LaunchError:
            result["skipped"] += 1
            continue
        before = _enrolled(context, user.id)
        join_cohort(context.cohort, user, is_teacher(roles))
        result["unchanged" if before or user.role is not Role.TRAINEE else "added"] += 1
    context.synced_at, context.sync_result = utcnow(), result
    db.session.flush()
    log.info("lti: roster of context %s synced: %s", context.id, result)
    return result


def _enrolled(context: Context, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.cohort_id == context.cohort_id,
                Enrolment.user_id == user_id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
        is not None
    )


def _withdraw(context: Context, sub: str) -> bool:
    user_id = db.session.scalar(
        select(Account.user_id).where(Account.platform_id == context.platform_id, Account.sub == sub)
    )
    enrolment = (
        db.session.scalar(
            select(Enrolment).where(
                Enrolment.cohort_id == context.cohort_id,
                Enrolment.user_id == user_id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
        if user_id
        else None
    )
    if enrolment is None:
        return False
    enrolment.status = EnrolmentStatus.WITHDRAWN
    return True


def record_failure(context_id: int, error: str) -> None:
    context = db.session.get(Context, context_id)
    if context is not None:
        context.synced_at, context.sync_result = utcnow(), {"error": error[:500]}
        db.session.flush()
