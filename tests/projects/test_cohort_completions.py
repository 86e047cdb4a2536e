"""Completion recorded for a whole cohort in one step (issue 14): tick trainees (or "select all"), one
confirmation page, a signed record for each; a second submission records nothing twice; only administrators;
each trainee is told once that their certificate is ready."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lms.notifications.models import Notification
from projects.completions import services as completions
from projects.completions.models import Completion

DAY = "2026-11-20"


@pytest.fixture
def page(course, make_user, login):
    cohort = course["cohort"]
    admin = make_user("admin", locale="en")
    client = login(admin)
    return {"client": client, "url": f"/admin/completions/cohorts/{cohort.id}", **course, "admin": admin}


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _notes(db, user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_the_page_offers_a_box_per_trainee_and_select_all(page):
    html = page["client"].get(page["url"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    for trainee in page["trainees"]:
        assert f'name="user_ids" value="{trainee.id}"' in html
        assert f'<label for="trainee-{trainee.id}">{trainee.name}</label>' in html
    assert 'data-select-all="user_ids"' in html and "js/select_all.js" in html


def test_select_confirm_once_and_every_selected_trainee_is_recorded_and_told(page, db, outbox):
    client, url = page["client"], page["url"]
    first, second, third = page["trainees"]
    chosen = {"user_ids": [first.id, second.id], "completed_on": DAY}

    review = client.post(url, data=chosen, headers={"Accept-Language": "en"})
    html = review.get_data(as_text=True)
    assert review.status_code == 200 and "Confirm completions" in html
    assert first.name in html and second.name in html and third.name not in html
    assert "2 trainees" in html and 'name="confirmed" value="1"' in html
    assert _count(db, Completion) == 0  # nothing before the confirmation

    done = client.post(url, data=chosen | {"confirmed": "1"}, headers={"Accept-Language": "en"})
    assert done.status_code == 302
    records = db.session.scalars(select(Completion).order_by(Completion.user_id)).all()
    assert sorted(r.user_id for r in records) == sorted([first.id, second.id])
    assert all(completions.verify(r).valid and r.record["completed_on"] == DAY for r in records)
    assert "2 completions are recorded and signed" in client.get(url).get_data(as_text=True)
    for record in records:
        notes = _notes(db, record.user)
        assert [n.url for n in notes] == [f"/certificates/{record.id}"]
        assert "Your certificate is ready." in notes[0].text_en
    assert _notes(db, third) == []
    assert sorted(m["to"] for m in outbox()) == sorted([first.email, second.email])


def test_a_second_submission_records_nothing_twice(page, db):
    client, url = page["client"], page["url"]
    first, second, _third = page["trainees"]
    once = {"user_ids": [first.id], "completed_on": DAY, "confirmed": "1"}
    assert client.post(url, data=once).status_code == 302
    record = db.session.scalar(select(Completion))
    # The same page sent again (a second tab, Back), now with one more trainee ticked.
    again = client.post(
        url, data=once | {"user_ids": [first.id, second.id]}, headers={"Accept-Language": "en"}
    )
    assert again.status_code == 302
    flashed = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 completion is recorded and signed" in flashed and "1 trainee already had a record" in flashed
    assert _count(db, Completion, Completion.user_id == first.id) == 1
    assert db.session.scalar(select(Completion).where(Completion.user_id == first.id)).id == record.id
    assert _count(db, Completion, Completion.user_id == second.id) == 1
    assert len(_notes(db, first)) == 1  # told once


def test_change_the_selection_goes_back_with_the_boxes_still_ticked(page, db):
    first = page["trainees"][0]
    back = page["client"].post(page["url"], data={"user_ids": [first.id], "completed_on": DAY, "back": "1"})
    html = back.get_data(as_text=True)
    assert back.status_code == 200
    assert f'value="{first.id}" id="trainee-{first.id}" form="complete-form" checked' in html
    assert _count(db, Completion) == 0


def test_nothing_selected_is_said_beside_the_boxes(page, db):
    answer = page["client"].post(
        page["url"], data={"completed_on": DAY, "confirmed": "1"}, headers={"Accept-Language": "en"}
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert '<small class="error" id="user_ids-error">Select at least one trainee.</small>' in html
    assert 'aria-describedby="user_ids-error"' in html
    assert _count(db, Completion) == 0


def test_a_bad_date_or_a_stranger_refuses_the_whole_step(page, db, make_user, make_cohort):
    client, url = page["client"], page["url"]
    ids = [t.id for t in page["trainees"]]
    future = client.post(
        url,
        data={"user_ids": ids, "completed_on": "2099-01-01", "confirmed": "1"},
        headers={"Accept-Language": "en"},
    )
    assert future.status_code == 200 and "must lie between" in future.get_data(as_text=True)
    outsider = make_user("trainee")
    make_cohort(trainees=[outsider])
    stranger = client.post(url, data={"user_ids": ids + [outsider.id], "completed_on": DAY, "confirmed": "1"})
    assert stranger.status_code == 400  # not a trainee of this cohort: not a valid choice
    assert _count(db, Completion) == 0


@pytest.mark.parametrize("role", ["instructor", "trainee", "liaison"])
def test_only_administrators_record_completions(app, page, db, login, make_user, role):
    # The cohort's own instructor too: recording completion is an administrator's act, as before.
    person = {"instructor": page["instructor"], "trainee": page["trainees"][0]}.get(role) or make_user(role)
    other = login(person, c=app.test_client())
    data = {"user_ids": [page["trainees"][0].id], "completed_on": DAY, "confirmed": "1"}
    assert other.get(page["url"]).status_code == 403
    assert other.post(page["url"], data=data).status_code == 403
    assert _count(db, Completion) == 0


def test_the_certificate_notice_is_sent_once_per_record(page, db):
    from projects.completions.signals import completion_recorded

    trainee = page["trainees"][0]
    record = completions.mark_completion(trainee, page["cohort"], date(2026, 11, 20), page["admin"])
    completion_recorded.send(record)  # answered twice (a retried step): still one notice
    db.session.commit()
    notes = _notes(db, trainee)
    assert len(notes) == 1 and notes[0].url == f"/certificates/{record.id}"
    assert page["cohort"].name in notes[0].text_en


def test_notify_once_keys_on_the_page_it_points_at(make_user, db, app):
    from lms.notifications.services import notify

    user = make_user("trainee")
    with app.test_request_context():
        first = notify(user, lambda: "Ready.", "/certificates/7", once=True)
        again = notify(user, lambda: "Ready.", "/certificates/7", once=True)
        other = notify(user, lambda: "Ready.", "/certificates/8", once=True)
        plain = notify(user, lambda: "Ready.", "/certificates/7")  # without once: as before
    assert again.id == first.id and other.id != first.id and plain.id not in (first.id, other.id)
    assert _count(db, Notification, Notification.user_id == user.id) == 3
