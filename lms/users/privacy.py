"""Personal data: a user's download of everything stored about them, and anonymising a departed account.

The core knows only its own tables; plugins add theirs by answering
:data:`lms.signals.personal_data_requested` and :data:`lms.signals.user_anonymised`.
"""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from zipfile import ZIP_DEFLATED

from sqlalchemy import delete, inspect, select, update
from zipstream import ZipStream

from lms import signals
from lms.api.models import ApiToken
from lms.archives import UniqueNames
from lms.auth.models import AuthToken, UserSession
from lms.calendar.models import CalendarFeed
from lms.db import utcnow
from lms.extensions import db
from lms.mail import forget_recipient
from lms.notifications.models import DigestEntry, Notification, NotificationPreference
from lms.programmes.models import Enrolment
from lms.users.models import User

log = logging.getLogger(__name__)

#: Where anonymised accounts' addresses point: the ``.invalid`` top-level domain never receives mail (RFC
#: 2606).
ANONYMISED_DOMAIN = "anonymised.invalid"
#: Columns that are secrets or their hashes: never part of a download.
SECRET_COLUMNS = re.compile(r"(hash|password|secret)", re.IGNORECASE)


def row_dict(obj, *, skip: tuple[str, ...] = ()) -> dict:
    """The columns of an ORM object as JSON-able values, less secrets and *skip*."""
    out = {}
    for column in inspect(obj).mapper.column_attrs:
        if column.key in skip or SECRET_COLUMNS.search(column.key):
            continue
        out[column.key] = jsonable(getattr(obj, column.key))
    return out


def jsonable(value):
    """*value* as strict JSON takes it: dates as ISO strings, and no NaN or infinity (``null`` instead), which
    strict parsers refuse."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def core_data(user: User) -> dict:
    """What the core stores about *user*: the account, enrolments, sessions, API tokens, notifications."""

    def rows(model, order):
        return [
            row_dict(r, skip=("user_id",))
            for r in db.session.scalars(select(model).where(model.user_id == user.id).order_by(order))
        ]

    enrolments = [
        {**row_dict(e, skip=("user_id",)), "programme": e.cohort.programme.code, "cohort": e.cohort.code}
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_at)
        )
    ]
    return {
        "account": row_dict(user),
        "enrolments": enrolments,
        "sessions": rows(UserSession, UserSession.created_at),
        "api_tokens": rows(ApiToken, ApiToken.created_at),
        "notifications": rows(Notification, Notification.created_at),
        "message_preferences": rows(NotificationPreference, NotificationPreference.kind),
        "digest_waiting": rows(DigestEntry, DigestEntry.created_at),
    }


def personal_data(user: User) -> tuple[dict, list[tuple[str, str]]]:
    """``({part: data}, [(name in the archive, path)])``: the core's part and every plugin's."""
    parts = {"core": core_data(user)}
    files: list[tuple[str, str]] = []
    for contribution in signals.values_from_signal(signals.personal_data_requested.send(user)):
        parts[contribution.plugin] = jsonable(contribution.data)
        files += [(f"files/{contribution.plugin}/{name}", str(path)) for name, path in contribution.files]
    return parts, files


def personal_data_archive(user: User) -> ZipStream:
    """A ZIP of ``personal-data.json`` (every part) and the user's files, streamed as it is read."""
    parts, files = personal_data(user)
    archive = ZipStream(compress_type=ZIP_DEFLATED, sized=False)
    document = {"generated_at": utcnow().isoformat(), "user_id": user.id, **parts}
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)
    archive.add(text.encode("utf-8"), "personal-data.json")
    names = UniqueNames()
    names.add("personal-data.json")
    for name, path in files:
        archive.add_path(path, names.add(name))
    log.info("personal data of user %s assembled: %s file(s)", user.id, len(files))
    return archive


def is_anonymised(user: User) -> bool:
    return user.email.endswith("@" + ANONYMISED_DOMAIN)


def anonymise_user(user: User, by: User) -> None:
    """Remove a departed user's identity: plugins first (files, portfolios, names in their tables), then the
    account: a placeholder name and address, no password, disabled, profile cleared, sessions, tokens,
    notifications and the calendar address deleted.  The row stays so that grades kept for statistics still
    have an owner id.

    :raises ValueError: anonymising oneself.
    """
    if user.id == by.id:
        raise ValueError("self")
    signals.user_anonymised.send(user, by=by)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(AuthToken).where(AuthToken.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(DigestEntry).where(DigestEntry.user_id == user.id))  # message texts
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(name="—"))
    # The outbox holds invitations and notices with the name, address and set-password links.
    forget_recipient(user.email)
    user.name = f"Anonymised {user.id}"
    user.email = f"user-{user.id}@{ANONYMISED_DOMAIN}"
    user.password_hash = None
    user.active = False
    for name in ("locale", "organisation", "nationality", "korean_test", "korean_level", "last_login_at"):
        setattr(user, name, None)
    user.share_nationality = user.share_korean = False
    db.session.flush()
    log.info("user %s anonymised by %s", user.id, by.id)
