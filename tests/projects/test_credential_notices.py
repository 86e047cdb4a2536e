"""The trainee hears once that a credential was issued to them (issue 17): an achievement's notice is sent by
the job that signs it, in the same transaction, so a job run twice or retried after a failed commit sends
one; it is in the trainee's language, points at the credential on "My credentials", and their preferences
for the kind apply.  A revoked or anonymised trainee's award gets none, and a completion keeps its one notice
(sent when the record is made), however often its credential job runs."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lms.jobs import commit
from lms.notifications.models import Notification
from lms.notifications.rules import Channel, Choice
from lms.notifications.services import save_preferences
from lms.outbox import OutboxMail
from lms.users.privacy import anonymise_user
from projects.completions import services as completions
from projects.credentials import achievements, definitions, tasks
from projects.credentials import services as credentials
from projects.credentials.models import AchievementAward, OpenBadge

SENTENCE = "You earned the achievement “{}”. Its credential is in My credentials."


def _notices(db, user) -> list[Notification]:
    db.session.expire_all()
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    return [n for n in db.session.scalars(stmt) if n.url.startswith("/my/credentials")]


def _mail(db, user) -> list[OutboxMail]:
    stmt = select(OutboxMail).where(OutboxMail.recipient_id == user.id, OutboxMail.kind == "certificate")
    return list(db.session.scalars(stmt.order_by(OutboxMail.id)))


@pytest.fixture
def stage(db, make_user):
    """A Korean-stage achievement named in both languages, and the admin who defined it."""
    admin = make_user("admin", locale="en")
    definition = definitions.save_definition(
        None,
        admin,
        kind="korean_stage",
        name_ko="한국어 3단계",
        name_en="Korean stage 3",
        korean_scale="kiip",
        korean_level=3,
    )
    commit()
    return {"admin": admin, "definition": definition}


def _unissued(db, definition, trainee) -> AchievementAward:
    """An award whose job has not run yet (recorded without queuing it)."""
    award = AchievementAward(definition_id=definition.id, user_id=trainee.id, evidence="KIIP 4")
    db.session.add(award)
    db.session.commit()
    return award


def test_one_notice_per_award_in_the_trainees_language_even_when_the_job_runs_twice(
    app, db, client, login, course, stage
):
    trainee = course["trainees"][0]
    trainee.locale = "vi"
    db.session.commit()
    assert achievements.on_korean_verified(trainee, "kiip", 4) == 1
    commit()  # the job signs after the commit (eager in tests)
    award = achievements.award_of(stage["definition"], trainee)
    assert award.badge is not None
    for _again in range(2):
        assert tasks.issue_achievement_credential.apply(args=[award.id]).get() == award.badge.code
    [note] = _notices(db, trainee)
    assert note.url == f"/my/credentials#credential-{award.badge_id}" and note.shown
    assert note.text_en == SENTENCE.format("Korean stage 3")
    assert "한국어 3단계" in note.text_ko and "Korean stage 3" not in note.text_ko
    # A Vietnamese reader gets a third text, with the name in both languages (content_text).
    assert note.locale == "vi" and "한국어 3단계 / Korean stage 3" in note.text_local
    [mail] = _mail(db, trainee)
    assert "Korean stage 3" in mail.body and f"/my/credentials#credential-{award.badge_id}" in mail.body
    # The link leads to that credential on the trainee's page.
    login(trainee)
    page = client.get("/my/credentials", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="credential-{award.badge_id}"' in page
    # Nobody else is told.
    assert _notices(db, course["trainees"][1]) == [] and _notices(db, stage["admin"]) == []


def test_a_job_whose_commit_fails_leaves_no_notice_and_its_retry_sends_one(app, db, course, stage):
    trainee = course["trainees"][0]
    award = _unissued(db, stage["definition"], trainee)
    achievements.issue_award(award)  # signed and told, then the transaction fails
    db.session.rollback()
    assert _notices(db, trainee) == [] and _mail(db, trainee) == []
    assert db.session.get(AchievementAward, award.id).badge_id is None
    for _again in range(2):
        assert tasks.issue_achievement_credential.apply(args=[award.id]).get()
    assert len(_notices(db, trainee)) == 1 and len(_mail(db, trainee)) == 1


def test_each_award_gets_its_own_notice(app, db, course, stage):
    trainee = course["trainees"][0]
    other = definitions.save_definition(
        None, stage["admin"], kind="korean_stage", name_ko="한국어 2단계", korean_scale="kiip", korean_level=2
    )
    commit()
    assert achievements.on_korean_verified(trainee, "kiip", 4) == 2
    commit()
    notes = _notices(db, trainee)
    badges = {a.badge_id for a in achievements.awards_of(trainee)}
    assert len(notes) == 2 and {n.url for n in notes} == {f"/my/credentials#credential-{b}" for b in badges}
    assert any("한국어 2단계" in n.text_en for n in notes)  # no English name: the Korean one
    assert other.id in {a.definition_id for a in achievements.awards_of(trainee)}


def test_the_trainees_preferences_for_the_kind_apply(app, db, course, stage):
    site_only, nothing = course["trainees"][:2]
    save_preferences(site_only, {"certificate": Choice(Channel.IN_APP)})
    save_preferences(nothing, {"certificate": Choice(Channel.NONE)})
    db.session.commit()
    for trainee in (site_only, nothing):
        achievements.on_korean_verified(trainee, "kiip", 3)
    commit()
    [shown] = _notices(db, site_only)
    assert shown.shown and _mail(db, site_only) == []
    [hidden] = _notices(db, nothing)
    assert not hidden.shown and _mail(db, nothing) == []


def test_a_revoked_credential_is_not_announced_again(app, db, course, stage):
    trainee = course["trainees"][0]
    achievements.on_korean_verified(trainee, "kiip", 3)
    commit()
    award = achievements.award_of(stage["definition"], trainee)
    credentials.revoke_badge(award.badge, "Recorded in error", by=stage["admin"])
    commit()
    tasks.issue_achievement_credential.apply(args=[award.id]).get()
    assert len(_notices(db, trainee)) == 1 and len(_mail(db, trainee)) == 1
    assert db.session.scalar(select(OpenBadge).where(OpenBadge.id == award.badge_id)).revoked_at is not None


def test_an_anonymised_trainees_award_is_neither_issued_nor_announced(app, db, course, stage):
    trainee = course["trainees"][0]
    award = _unissued(db, stage["definition"], trainee)
    anonymise_user(trainee, stage["admin"])
    db.session.commit()
    assert tasks.issue_achievement_credential.apply(args=[award.id]).get() is None
    db.session.expire_all()
    assert db.session.get(AchievementAward, award.id).badge_id is None
    all_notes = select(Notification).where(Notification.user_id == trainee.id)
    assert list(db.session.scalars(all_notes)) == []
    assert db.session.scalars(select(OutboxMail).where(OutboxMail.recipient_id == trainee.id)).all() == []


def test_a_completion_keeps_its_one_notice_whatever_its_credential_job_does(app, db, course, stage):
    trainee = course["trainees"][0]
    completion = completions.mark_completion(trainee, course["cohort"], date.today(), stage["admin"])
    commit()  # the record's notice, and its credential signed by the job
    badge = db.session.scalar(select(OpenBadge).where(OpenBadge.completion_id == completion.id))
    assert badge is not None
    for _again in range(2):
        assert tasks.issue_completion_credential.apply(args=[completion.id]).get() == badge.code
    completions.revoke_completion(completion, "Recorded in error")
    commit()
    assert tasks.issue_completion_credential.apply(args=[completion.id]).get() is None
    db.session.expire_all()
    notes = db.session.scalars(select(Notification).where(Notification.user_id == trainee.id)).all()
    assert [n.url for n in notes] == [f"/certificates/{completion.id}"]
    assert len(_mail(db, trainee)) == 1
