"""Examples to practise on under a peer rubric of its own (issue 21): the instructor marks an example's
reference with the peer rubric on a page of its own (the grading marks fit only the project's rubric),
trainees practise on it and are compared with that reference; the reference changes, or the example goes,
only until a trainee practises; the API does the same for managers only."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from projects.common import ProjectError
from projects.peer import arithmetic, calibration
from projects.peer import services as peer
from projects.peer.models import PeerCalibration, PeerExample
from tests.fixtures.projects import ready_assessment
from tests.projects import test_peer_rubric
from tests.projects.test_api import bearer
from tests.projects.test_peer import marks

#: Six trainees, a project with a 5-criterion rubric, a 2-criterion peer rubric in the library.
two_rubrics = test_peer_rubric.two_rubrics
FULL = test_peer_rubric.FULL
#: What the example's author handed in: nothing in it names them (the work shows to those who practise).
NOTE = "A short film about rain"


@pytest.fixture
def round_(db, two_rubrics):
    """Peer review on with the peer rubric (story: a level; craft: points 0–10); one trainee's work handed in
    to be the example, and another's, both with the note above."""
    from projects.coursework import submissions

    project, teacher, people = two_rubrics["project"], two_rubrics["instructor"], two_rubrics["trainees"]

    def hand_in(trainee):
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.save_answer(submission, project.deliverables[0], text=NOTE)
        submissions.save_declarations(submission, ai_used=False)
        submissions.submit(submission, trainee, statement_accepted=True)
        return submission

    works = [hand_in(people[5]), hand_in(people[4])]
    peer.configure(project, teacher, enabled=True, reviews_each=2, rubric_version_id=two_rubrics["simple"].id)
    db.session.commit()
    return {**two_rubrics, "works": works, "author": people[5]}


def _examples(db, project) -> list[PeerExample]:
    db.session.expire_all()
    return list(db.session.scalars(select(PeerExample).where(PeerExample.project_id == project.id)))


def test_the_instructor_marks_the_reference_and_a_trainee_is_compared_with_it(db, app, login, round_):
    project, teacher, work = round_["project"], round_["instructor"], round_["works"][0]
    web = login(teacher, c=app.test_client())
    base = f"/projects/{project.id}/peer"

    # The grading marks (the project's five criteria) cannot be the reference: only marking it here can.
    setup = web.get(base).get_data(as_text=True)
    assert "Mark the reference yourself" in setup and "Make it an example" not in setup
    assert "your grading marks can be the reference" not in setup
    assert setup.count('name="submission_id"') == 1  # one choice of work
    opened = web.post(f"{base}/examples/new", data={"submission_id": work.id, "step": "open"})
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"{base}/examples/new?submission_id={work.id}")
    assert _examples(db, project) == []  # opening the page makes nothing

    page = web.get(f"{base}/examples/new?submission_id={work.id}").get_data(as_text=True)
    assert 'name="level-story"' in page and 'name="points-craft"' in page
    assert 'name="level-p1"' not in page and "Part 1" not in page  # the peer rubric, not the project's
    assert NOTE in page and f'name="submission_id" value="{work.id}"' in page
    assert round_["author"].name in page  # the instructor knows whose work it is

    # A criterion left out: refused, with everything typed kept.
    typed = {"submission_id": work.id, "level-story": "good", "comment-story": "Clear start"}
    refused = web.post(f"{base}/examples/new", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Mark every criterion of the rubric." in html
    assert re.search(r'name="level-story" value="good" checked', html)
    assert ">Clear start</textarea>" in html
    # Points outside the level's range: refused too, the points kept.
    typed = {**typed, "level-craft": "range", "points-craft": "12"}
    refused = web.post(f"{base}/examples/new", data=typed).get_data(as_text=True)
    assert "Mark every criterion" not in refused and re.search(r'name="points-craft" value="12"', refused)
    assert _examples(db, project) == []

    saved = web.post(f"{base}/examples/new", data={**typed, "points-craft": "6"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{base}#examples")
    (example,) = _examples(db, project)
    assert example.submission_id == work.id and example.created_by_id == teacher.id
    assert example.reference["story"]["level_id"] == "good"
    assert example.reference["craft"] == {"level_id": "range", "points": "6", "comment": ""}
    setup = web.get(base).get_data(as_text=True)
    assert f"Example 1 · {round_['author'].name}" in setup
    assert f'href="{base}/examples/{example.id}/reference">Change the reference</a>' in setup
    assert f'action="{base}/examples/{example.id}/delete"' in setup
    # The same work again opens its example.
    again = web.get(f"{base}/examples/new?submission_id={work.id}")
    assert again.headers["Location"].endswith(f"{base}/examples/{example.id}/reference")

    # A trainee practises: criterion by criterion against that reference, and the author stays unnamed.
    trainee = round_["trainees"][0]
    phone = login(trainee, c=app.test_client())
    listed = phone.get(f"{base}/reviews").get_data(as_text=True)
    assert f"{base}/examples/{example.id}" in listed and round_["author"].name not in listed
    practice = phone.get(f"{base}/examples/{example.id}").get_data(as_text=True)
    assert NOTE in practice and round_["author"].name not in practice
    answer = phone.post(
        f"{base}/examples/{example.id}",
        data={"level-story": "great", "level-craft": "range", "points-craft": "9"},
    ).get_data(as_text=True)
    rows = re.findall(r"<tr><td>(\w+)</td><td>([\d.]+)</td><td>([\d.]+)</td></tr>", answer)
    assert [(name, Decimal(mine), Decimal(ref)) for name, mine, ref in rows] == [
        ("Story", 10, 5),
        ("Craft", 9, 6),
    ]
    assert round_["author"].name not in answer
    rubric = peer.rubric_of(project)
    expected = arithmetic.assessing_grade(
        arithmetic.deviation(
            {"story": Decimal(10), "craft": Decimal(9)},
            {"story": Decimal(5), "craft": Decimal(6)},
            peer.spans(rubric),
            peer.weights(rubric),
        ),
        arithmetic.Strictness.FAIR,
    ).quantize(Decimal("0.01"))
    (attempt,) = db.session.scalars(select(PeerCalibration).where(PeerCalibration.reviewer_id == trainee.id))
    assert attempt.example_id == example.id and attempt.agreement == expected < 70
    assert f"Agreement: {expected} of 100" in answer  # 17.54: far from the reference
    agreed = phone.post(
        f"{base}/examples/{example.id}",
        data={"level-story": "good", "level-craft": "range", "points-craft": "6"},
    ).get_data(as_text=True)
    assert "Agreement: 100 of 100" in agreed
    assert not calibration.calibrated(project, round_["trainees"][1])
    assert calibration.calibrated(project, trainee)


def test_the_grading_marks_are_offered_when_they_fit_the_peer_rubric(db, app, login, round_):
    project, teacher, work = round_["project"], round_["instructor"], round_["works"][0]
    peer.configure(project, teacher, rubric_version_id=None)  # the project's own rubric again
    ready_assessment(work, teacher, FULL)
    db.session.commit()
    web = login(teacher, c=app.test_client())
    setup = web.get(f"/projects/{project.id}/peer").get_data(as_text=True)
    assert "Make it an example" in setup and "Mark the reference yourself" in setup
    assert "your grading marks can be the reference" in setup
    assert setup.count('name="submission_id"') == 1
    made = web.post(f"/projects/{project.id}/peer/examples", data={"submission_id": work.id})
    assert made.status_code == 302
    (example,) = _examples(db, project)
    assert set(example.reference) == {"p1", "p2", "p3", "p4", "p5"}


def test_the_reference_changes_and_the_example_goes_only_until_a_trainee_practises(db, app, login, round_):
    project, teacher = round_["project"], round_["instructor"]
    first, second = round_["works"]
    web = login(teacher, c=app.test_client())
    base = f"/projects/{project.id}/peer"
    example = calibration.add_example(project, first, marks("good", 6), teacher)
    spare = calibration.add_example(project, second, marks("weak", 1), teacher)
    db.session.commit()

    page = web.get(f"{base}/examples/{example.id}/reference").get_data(as_text=True)
    assert re.search(r'name="level-story" value="good" checked', page) and "Save the reference" in page
    changed = web.post(
        f"{base}/examples/{example.id}/reference",
        data={"level-story": "great", "level-craft": "range", "points-craft": "8"},
    )
    assert changed.status_code == 302
    db.session.refresh(example)
    assert example.reference["story"]["level_id"] == "great" and example.reference["craft"]["points"] == "8"
    incomplete = web.post(f"{base}/examples/{example.id}/reference", data={"level-story": "weak"})
    assert "Mark every criterion of the rubric." in incomplete.get_data(as_text=True)
    db.session.refresh(example)
    assert example.reference["story"]["level_id"] == "great"

    removed = web.post(f"{base}/examples/{spare.id}/delete", follow_redirects=True)
    assert "The example is removed." in removed.get_data(as_text=True)
    assert [e.id for e in _examples(db, project)] == [example.id]

    calibration.calibrate(example, round_["trainees"][0], marks("good", 6))
    db.session.commit()
    practised = (
        "Trainees have practised on this example. Its reference stays as it is, and it cannot be removed."
    )
    setup = web.get(base).get_data(as_text=True)
    assert "1 practice try so far" in setup and f"{base}/examples/{example.id}/delete" not in setup
    page = web.get(f"{base}/examples/{example.id}/reference").get_data(as_text=True)
    assert practised in page and "Save the reference" not in page
    assert re.search(r'name="level-story" value="great" checked disabled', page)
    refused = web.post(
        f"{base}/examples/{example.id}/reference",
        data={"level-story": "weak", "level-craft": "range", "points-craft": "1"},
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and html.count(practised) == 2  # the flash and the notice
    assert re.search(r'name="level-story" value="weak" checked', html)  # what was typed is shown
    gone = web.post(f"{base}/examples/{example.id}/delete", follow_redirects=True)
    assert practised in gone.get_data(as_text=True)
    again = web.post(
        f"{base}/examples/new",
        data={"submission_id": first.id, "level-story": "weak", "level-craft": "range", "points-craft": "1"},
    )
    assert practised in again.get_data(as_text=True)
    (kept,) = _examples(db, project)
    assert kept.reference["story"]["level_id"] == "great"

    for change in (
        lambda: calibration.change_reference(kept, marks("weak", 1), teacher),
        lambda: calibration.remove_example(kept, teacher),
        lambda: calibration.add_example(project, first, marks("weak", 1), teacher),
    ):
        with pytest.raises(ProjectError) as refused_:
            change()
        assert refused_.value.code == "peer_example_practised"


def test_the_api_keeps_examples_for_managers_only(db, client, make_user, round_):
    project, teacher = round_["project"], round_["instructor"]
    first, second = round_["works"]
    url = f"/api/v1/projects/{project.id}/peer/examples"
    staff = bearer(db, teacher, "read write")
    assert client.get(url, headers=staff).get_json() == []

    story = {"level_id": "good"}
    incomplete = client.post(
        url, json={"submission_id": first.id, "reference": {"story": story}}, headers=staff
    )
    assert incomplete.status_code == 422
    assert incomplete.get_json()["message"] == "Mark every criterion of the rubric."
    projects_marks = {"p1": {"level_id": "full"}, "p2": {"level_id": "full"}}
    other_rubric = client.post(
        url, json={"submission_id": first.id, "reference": projects_marks}, headers=staff
    )
    assert other_rubric.status_code == 422
    too_many = {"story": story, "craft": {"level_id": "range", "points": 12}}
    assert (
        client.post(url, json={"submission_id": first.id, "reference": too_many}, headers=staff).status_code
        == 422
    )
    assert (
        client.post(url, json={"submission_id": 999_999, "reference": {}}, headers=staff).status_code == 404
    )
    assert _examples(db, project) == []

    made = client.post(url, json={"submission_id": first.id, "reference": marks("good", 6)}, headers=staff)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["submission_id"] == first.id and body["tries"] == 0
    assert body["reference"]["craft"] == {"level_id": "range", "points": "6", "comment": ""}
    one = f"{url}/{body['id']}"
    changed = client.patch(one, json={"reference": marks("great", 9)}, headers=staff)
    assert changed.status_code == 200 and changed.get_json()["reference"]["story"]["level_id"] == "great"
    assert client.patch(one, json={"reference": {"story": story}}, headers=staff).status_code == 422
    spare = client.post(url, json={"submission_id": second.id, "reference": marks("weak", 0)}, headers=staff)
    assert spare.status_code == 201

    # Outsiders: a trainee of the cohort, another cohort's instructor, an employer.
    for outsider in (round_["trainees"][0], round_["other_instructor"], make_user("employer")):
        token = bearer(db, outsider, "read write")
        assert client.get(url, headers=token).status_code == 404
        assert (
            client.post(
                url, json={"submission_id": first.id, "reference": marks("weak", 0)}, headers=token
            ).status_code
            == 404
        )
        assert client.patch(one, json={"reference": marks("weak", 0)}, headers=token).status_code == 404
        assert client.delete(one, headers=token).status_code == 404
        assert client.patch(one, json={}, headers=token).status_code == 404  # refused before the body is read

    example = db.session.get(PeerExample, body["id"])
    calibration.calibrate(example, round_["trainees"][0], marks("great", 9))
    db.session.commit()
    listed = client.get(url, headers=staff).get_json()
    assert [(e["submission_id"], e["tries"]) for e in listed] == [(first.id, 1), (second.id, 0)]
    practised = (
        "Trainees have practised on this example. Its reference stays as it is, and it cannot be removed."
    )
    for refused in (
        client.patch(one, json={"reference": marks("weak", 0)}, headers=staff),
        client.delete(one, headers=staff),
        client.post(url, json={"submission_id": first.id, "reference": marks("weak", 0)}, headers=staff),
    ):
        assert refused.status_code == 422 and refused.get_json()["message"] == practised
    assert client.delete(f"{url}/{spare.get_json()['id']}", headers=staff).status_code == 204
    assert [e.id for e in _examples(db, project)] == [example.id]
    assert _examples(db, project)[0].reference["story"]["level_id"] == "great"


def test_the_pages_refuse_everyone_but_the_projects_managers(db, app, login, make_user, round_):
    project, teacher, work = round_["project"], round_["instructor"], round_["works"][0]
    example = calibration.add_example(project, work, marks("good", 6), teacher)
    db.session.commit()
    base = f"/projects/{project.id}/peer/examples"
    full = {"level-story": "weak", "level-craft": "range", "points-craft": "0"}
    other = {"submission_id": round_["works"][1].id}
    # The project's loader answers 404; an employer is kept off trainees' projects before it (403).
    for outsider, code in (
        (round_["trainees"][0], 404),
        (round_["other_instructor"], 404),
        (make_user("employer", locale="en"), 403),
    ):
        web = login(outsider, c=app.test_client())
        assert web.get(f"{base}/new?submission_id={other['submission_id']}").status_code == code
        assert web.post(f"{base}/new", data={**other, **full}).status_code == code
        assert web.post(f"{base}/new", data={**other, "step": "open"}).status_code == code
        assert web.get(f"{base}/{example.id}/reference").status_code == code
        assert web.post(f"{base}/{example.id}/reference", data=full).status_code == code
        assert web.post(f"{base}/{example.id}/delete").status_code == code
    (kept,) = _examples(db, project)
    assert kept.reference["story"]["level_id"] == "good"
    # Without a work chosen, the instructor is sent back to choose one.
    web = login(teacher, c=app.test_client())
    back = web.get(f"{base}/new", follow_redirects=True).get_data(as_text=True)
    assert "Choose a work." in back


def test_the_demo_sets_up_peer_review_with_an_example_on_its_first_run(runner, db):
    """The demo's grading step attaches the sketch project's rubric by id: peer review must see it in the
    same run (it used to need a second ``lms demo``)."""
    from sqlalchemy import func, select

    from projects.peer.models import PeerExample, PeerSettings

    assert runner.invoke(args=["demo"]).exit_code == 0
    settings = db.session.scalars(select(PeerSettings)).all()
    assert [(s.enabled, s.reviews_each) for s in settings] == [(True, 2)]
    assert db.session.scalar(select(func.count()).select_from(PeerExample)) == 1
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(PeerExample)) == 1
