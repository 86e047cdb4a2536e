"""The trainee hears of staff's decision on a Korean result (issue 16, item 5): a notice and a mail in their
language, the reason on a rejection, under their own preferences for the kind."""

from __future__ import annotations

from sqlalchemy import select

from lms.notifications.kinds import get_kind
from lms.notifications.models import Notification
from lms.notifications.rules import Channel, Choice
from lms.outbox import OutboxMail
from projects.korean import services
from tests.projects.test_korean import course, report  # noqa: F401  (fixture)


def _notices(db, user) -> list[Notification]:
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    return list(db.session.scalars(stmt))


def _mail_to(db, user) -> list[OutboxMail]:
    stmt = select(OutboxMail).where(OutboxMail.recipient_id == user.id).order_by(OutboxMail.id)
    return list(db.session.scalars(stmt))


def test_a_rejection_tells_the_trainee_why_in_their_language(app, db, course, login, media):  # noqa: F811
    trainee = course["trainees"][0]
    trainee.locale = "vi"
    db.session.commit()
    evidence = report(db, trainee, media, "topik", 4)
    staff = login(course["instructor"])
    staff.post(f"/korean/evidence/{evidence.id}/decide", data={"verify": "0", "note": "Blurred scan"})
    [note] = _notices(db, trainee)
    assert note.text_en == "Your Korean result is rejected: TOPIK level 4. Reason: Blurred scan"
    assert note.url == "/korean/" and note.shown
    # Written in the trainee's own language too (a Vietnamese reader gets a third text beside ko and en).
    assert note.locale == "vi" and "Blurred scan" in note.text_local and "4" in note.text_local
    assert "Blurred scan" in note.text_ko
    [mail] = _mail_to(db, trainee)
    assert mail.kind == "korean_result" and "Blurred scan" in mail.body
    # Nobody else hears of it: not the reviewer, not the other trainees.
    assert _notices(db, course["instructor"]) == [] and _notices(db, course["trainees"][1]) == []


def test_a_verification_is_announced_once_per_decision(app, db, course, media):  # noqa: F811
    trainee = course["trainees"][1]
    first, second = report(db, trainee, media, "kiip", 3, None), report(db, trainee, media, "topik", 2)
    services.decide_evidence(first, course["admin"], verify=True)
    services.decide_evidence(second, course["admin"], verify=True)
    db.session.commit()
    texts = [n.text_en for n in _notices(db, trainee)]
    assert texts == [
        "Your Korean result is verified: KIIP stage 3.",
        "Your Korean result is verified: TOPIK level 2.",
    ]


def test_the_trainees_preferences_for_the_kind_apply(app, db, course, media):  # noqa: F811
    from lms.notifications.services import save_preferences, unread_count

    assert get_kind("korean_result").listed and not get_kind("korean_result").required
    site_only, nothing = course["trainees"]
    save_preferences(site_only, {"korean_result": Choice(Channel.IN_APP)})
    save_preferences(nothing, {"korean_result": Choice(Channel.NONE)})
    db.session.commit()
    for trainee in (site_only, nothing):
        services.decide_evidence(report(db, trainee, media), course["admin"], verify=True)
    db.session.commit()
    assert unread_count(site_only) == 1 and _mail_to(db, site_only) == []
    assert unread_count(nothing) == 0 and _mail_to(db, nothing) == []
