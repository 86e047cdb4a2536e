"""Peer review in the grading screen: comments pinned to moments of the reviewed film (anonymous to its
author), the managers' page that moves open reviews, and the peer API with the pages' rights."""

from __future__ import annotations

import pytest

from lms.jobs import commit
from projects.peer import services as peer
from projects.peer.models import PeerReview, PeerReviewStatus, PeerTimedComment
from tests.fixtures.projects import ready_assessment
from tests.projects import test_peer
from tests.projects.test_peer import RUBRIC, marks
from tests.projects.test_peer_anonymity import _a_video

cohort_work = test_peer.cohort_work  # the six-trainee fixture of the peer tests


@pytest.fixture
def film_review(db, app, course, hand_in_film):
    """The first trainee's film under peer review, given to the second trainee to review."""
    submission = hand_in_film(RUBRIC)
    project = submission.project
    author, reviewer, bystander = course["trainees"]
    peer.configure(project, course["instructor"], enabled=True, reviews_each=1)
    review = PeerReview(project_id=project.id, submission_id=submission.id, reviewer_id=reviewer.id)
    db.session.add(review)
    db.session.commit()
    media_id = submission.attempts[-1].items[0].media_id
    return {
        "project": project,
        "submission": submission,
        "review": review,
        "media_id": media_id,
        "author": author,
        "reviewer": reviewer,
        "bystander": bystander,
        "instructor": course["instructor"],
    }


def test_reviewer_pins_comments_to_moments_and_the_author_reads_them_without_names(
    db, app, login, film_review
):
    from projects.grading import services as marking

    f = film_review
    project, review = f["project"], f["review"]
    url = f"/projects/{project.id}/peer/reviews/{review.id}"
    client = login(f["reviewer"], c=app.test_client())
    screen = client.get(url).get_data(as_text=True)
    assert "data-grading-video" in screen and "data-comment-seconds" in screen  # the grading screen's player
    assert "film.mp4" not in screen and f["author"].name not in screen  # anonymous authors: no names at all

    pinned = client.post(
        f"{url}/comments",
        data={"media_id": f["media_id"], "seconds": "1.5", "criterion_id": "story", "text": "Nice cut here"},
    )
    assert pinned.status_code == 302
    for bad in ({"seconds": "99999"}, {"seconds": "-1"}, {"criterion_id": "nope"}, {"text": " "}):
        client.post(f"{url}/comments", data={"media_id": f["media_id"], "seconds": "1", "text": "x", **bad})
    client.post(f"{url}/comments", data={"media_id": 999999, "seconds": "1", "text": "Elsewhere"})
    stored = db.session.query(PeerTimedComment).filter_by(review_id=review.id).all()
    assert [(c.seconds, c.criterion_id, c.text) for c in stored] == [(1.5, "story", "Nice cut here")]
    assert 'data-seek="1.5"' in client.get(url).get_data(as_text=True)

    # Only the reviewer: a classmate gets 404 on the review, its comments and their removal.
    other = login(f["bystander"], c=app.test_client())
    assert (
        other.post(
            f"{url}/comments", data={"media_id": f["media_id"], "seconds": "1", "text": "x"}
        ).status_code
        == 404
    )
    assert other.post(f"{url}/comments/{stored[0].id}/delete").status_code == 404

    done = client.post(url, data={"version": review.version, **_form(marks("good", 6)), "feedback": "Fine"})
    assert done.status_code == 302
    assessment = ready_assessment(f["submission"], f["instructor"], marks("great", 9))
    with app.test_request_context("/"):
        marking.release([assessment], f["instructor"])
    db.session.commit()
    page = (
        login(f["author"], c=app.test_client())
        .get(f"/projects/{project.id}/peer/reviews")
        .get_data(as_text=True)
    )
    assert "Nice cut here" in page and "0:01" in page
    assert f["reviewer"].name not in page and f["reviewer"].email not in page

    # Closed window: the reviewer can no longer add or remove comments.
    peer.configure(project, f["instructor"], enabled=False)
    db.session.commit()
    client.post(f"{url}/comments/{stored[0].id}/delete")
    assert db.session.get(PeerTimedComment, stored[0].id) is not None


def _form(given: dict) -> dict:
    out = {}
    for cid, mark in given.items():
        out[f"level-{cid}"] = mark.get("level_id") or ""
        if mark.get("points") is not None:
            out[f"points-{cid}"] = mark["points"]
    return out


def test_managers_move_an_open_review_and_see_who_reviews_what(db, app, login, film_review):
    f = film_review
    project, review = f["project"], f["review"]
    client = login(f["instructor"], c=app.test_client())
    page = client.get(f"/projects/{project.id}/peer/allocation").get_data(as_text=True)
    assert f["reviewer"].name in page and "data-confirm" in page
    # Only people who handed in may take a review: the bystander did not, so the move is refused.
    client.post(
        f"/projects/{project.id}/peer/allocation/{review.id}", data={"reviewer_id": f["bystander"].id}
    )
    db.session.refresh(review)
    assert review.reviewer_id == f["reviewer"].id
    # The author handed in but may not review their own work: the service refuses and says why.
    refused = client.post(
        f"/projects/{project.id}/peer/allocation/{review.id}",
        data={"reviewer_id": f["author"].id},
        follow_redirects=True,
    )
    assert "own" in refused.get_data(as_text=True).lower()
    db.session.refresh(review)
    assert review.reviewer_id == f["reviewer"].id
    # A trainee gets 404 on both.
    trainee = login(f["reviewer"], c=app.test_client())
    assert trainee.get(f"/projects/{project.id}/peer/allocation").status_code == 404
    assert trainee.post(f"/projects/{project.id}/peer/allocation/{review.id}").status_code == 404


def test_managers_move_reviews_among_those_who_handed_in(db, app, login, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    for t in people[:4]:
        cohort_work["hand_in"](t)
    peer.configure(project, teacher, enabled=True, reviews_each=1)
    peer.allocate_reviews(project, teacher, seed=3)
    commit()
    review = peer.allocation_of(project)[0]
    video = _a_video(db, teacher)
    db.session.add(PeerTimedComment(review_id=review.id, media_id=video, seconds=1.0, text="Mine"))
    commit()
    authors = {review.submission.user_id}
    newcomer = next(p for p in people[:4] if p.id != review.reviewer_id and p.id not in authors)
    client = login(teacher, c=app.test_client())
    moved = client.post(
        f"/projects/{project.id}/peer/allocation/{review.id}",
        data={"reviewer_id": newcomer.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    db.session.refresh(review)
    assert review.reviewer_id == newcomer.id
    assert f"to {newcomer.name}" in moved
    assert review.comments == []  # the first reviewer's comments do not pass to the new one
    # A handed-in review stays where it is.
    review.status = PeerReviewStatus.SUBMITTED
    db.session.commit()
    back = next(p for p in people[:4] if p.id not in {newcomer.id, *authors})
    client.post(f"/projects/{project.id}/peer/allocation/{review.id}", data={"reviewer_id": back.id})
    db.session.refresh(review)
    assert review.reviewer_id == newcomer.id


def test_api_gives_reviewers_their_reviews_and_managers_the_round(db, client, token_for, film_review):
    f = film_review
    project, review = f["project"], f["review"]
    base = f"/api/v1/projects/{project.id}/peer"
    mine = token_for(f["reviewer"], "read write")
    listed = client.get(f"{base}/reviews", headers=mine).get_json()
    assert listed["calibrated"] is True
    assert [(r["id"], r["work"], r["status"]) for r in listed["reviews"]] == [(review.id, 1, "allocated")]
    assert listed["reviews"][0]["media_ids"] == [f["media_id"]]
    body = client.get(f"{base}/reviews/{review.id}", headers=mine).get_data(as_text=True)
    assert "submission" not in body and f["author"].name not in body and "film.mp4" not in body

    pinned = client.post(
        f"{base}/reviews/{review.id}/comments",
        headers=mine,
        json={"media_id": f["media_id"], "seconds": 2, "text": "Sound drops"},
    )
    assert pinned.status_code == 201 and pinned.get_json()["seconds"] == 2
    incomplete = client.put(
        f"{base}/reviews/{review.id}", headers=mine, json={"version": review.version, "marks": {}}
    )
    assert incomplete.status_code == 422
    saved = client.put(
        f"{base}/reviews/{review.id}",
        headers=mine,
        json={"version": review.version, "marks": marks("good", 6), "feedback": "Fine"},
    )
    assert saved.status_code == 200 and saved.get_json()["status"] == "submitted"
    assert saved.get_json()["comments"][0]["text"] == "Sound drops"
    stale = client.put(
        f"{base}/reviews/{review.id}",
        headers=mine,
        json={"version": saved.get_json()["version"] - 1, "marks": marks("weak", 0)},
    )
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(PeerReview, review.id).marks["story"]["level_id"] == "good"

    # The author and a classmate: no review of theirs here, and no round state.
    for person in (f["author"], f["bystander"]):
        headers = token_for(person, "read write")
        assert client.get(f"{base}/reviews/{review.id}", headers=headers).status_code == 404
        assert client.put(f"{base}/reviews/{review.id}", headers=headers, json={}).status_code == 404
        assert client.get(base, headers=headers).status_code == 404
    state = client.get(base, headers=token_for(f["instructor"])).get_json()
    assert state["enabled"] is True
    assert [(r["reviewer"], r["status"]) for r in state["reviews"]] == [(f["reviewer"].name, "submitted")]
    assert state["works"][0]["submission_id"] == f["submission"].id


def test_openapi_documents_the_peer_api(client):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    # Other packages' schemas may share names (their warning is theirs); the peer schemas have their own.
    assert not [w for w in caught if "name Peer" in str(w.message)]
    assert "put" in paths["/api/v1/projects/{project_id}/peer/reviews/{review_id}"]
    assert "post" in paths["/api/v1/projects/{project_id}/peer/reviews/{review_id}/comments"]
    assert "get" in paths["/api/v1/projects/{project_id}/peer"]
