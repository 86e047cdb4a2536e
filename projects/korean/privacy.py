"""Korean evidence in a person's personal-data download, and gone when they are anonymised.

The download holds the person's records (scale, level, test date, the decision and who made it); the score
reports themselves travel with the media plugin's part, which holds every file the person uploaded.
Anonymising deletes the records: a language level tied to a test date identifies a person, and no statistic
needs it.  Records a departed member of staff decided stay, without their name (the core clears it).
"""

from __future__ import annotations

from sqlalchemy import delete

from lms.extensions import db
from lms.signals import PersonalData
from lms.users.privacy import row_dict
from projects.common import loaded


def personal_data(user, **_kwargs):
    if not loaded():
        return None
    from projects.korean import services

    records = [
        {
            **row_dict(e, skip=("user_id",)),
            "decided_by": e.decided_by.name if e.decided_by else None,
            "expired": services.is_expired(e),
        }
        for e in services.history(user.id)
    ]
    return [
        PersonalData("korean", {"records": records, "korean_class_hours": services.korean_hours(user.id)})
    ]


def anonymise(user, by=None, **_kwargs) -> None:
    if not loaded():
        return
    from projects.korean.models import KoreanEvidence

    db.session.execute(delete(KoreanEvidence).where(KoreanEvidence.user_id == user.id))
    db.session.flush()
