"""A reviewer changes or removes their own comments pinned to moments of the reviewed film while the review is
open to them (theirs, the window open, not handed in yet); nobody else can, and the list stays escaped and
anonymous. Reviews of the same work are graded for assessing when they come in, without making another
reviewer's open form stale."""

from __future__ import annotations

from projects.peer import grades
from projects.peer import services as peer
from projects.peer.models import PeerReview, PeerTimedComment
from tests.projects import test_peer, test_peer_screen
from tests.projects.test_peer import marks

film_review = test_peer_screen.film_review  # the second trainee reviews the first one's film
cohort_work = test_peer.cohort_work


def _pinned(db, f, text="First thought") -> PeerTimedComment:
    comment = PeerTimedComment(
        review_id=f["review"].id, media_id=f["media_id"], seconds=1.0, criterion_id=None, text=text
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def test_reviewer_changes_and_removes_their_comment_escaped_and_anonymous(db, app, login, film_review):
    f = film_review
    comment = _pinned(db, f)
    url = f"/projects/{f['project'].id}/peer/reviews/{f['review'].id}"
    client = login(f["reviewer"], c=app.test_client())
    page = client.get(url).get_data(as_text=True)
    assert f"{url}/comments/{comment.id}" in page and f"{url}/comments/{comment.id}/delete" in page

    changed = client.post(
        f"{url}/comments/{comment.id}",
        data={"seconds": "1.5", "criterion_id": "story", "text": "<b>Cut</b> here & there"},
        follow_redirects=True,
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    db.session.refresh(comment)
    assert (comment.seconds, comment.criterion_id, comment.text) == (1.5, "story", "<b>Cut</b> here & there")
    page = changed.get_data(as_text=True)
    assert "<b>Cut</b>" not in page and "&lt;b&gt;Cut&lt;/b&gt; here &amp; there" in page
    assert 'data-seek="1.5"' in page
    assert f["author"].name not in page and f["author"].email not in page and "film.mp4" not in page

    # Bad changes are refused with a reason and change nothing.
    for bad in ({"text": "  "}, {"seconds": "99999"}, {"seconds": "nan"}, {"criterion_id": "nope"}):
        answer = client.post(
            f"{url}/comments/{comment.id}",
            data={"seconds": "1.5", "criterion_id": "story", "text": "Fine", **bad},
            follow_redirects=True,
        )
        assert 'class="flash flash-error"' in answer.get_data(as_text=True), bad
    db.session.refresh(comment)
    assert (comment.seconds, comment.criterion_id, comment.text) == (1.5, "story", "<b>Cut</b> here & there")
    # Back to the whole work: the empty choice.
    client.post(f"{url}/comments/{comment.id}", data={"seconds": "1.5", "criterion_id": "", "text": "Whole"})
    db.session.refresh(comment)
    assert (comment.criterion_id, comment.text) == (None, "Whole")

    # Nobody else: a classmate, the author and the instructor get 404 and the comment stays.
    for person in (f["bystander"], f["author"], f["instructor"]):
        other = login(person, c=app.test_client())
        assert other.post(f"{url}/comments/{comment.id}", data={"text": "Mine now"}).status_code == 404
        assert other.post(f"{url}/comments/{comment.id}/delete").status_code == 404
    # Another review's comment through this review's address: 404 as well.
    elsewhere = PeerReview(
        project_id=f["project"].id, submission_id=f["submission"].id, reviewer_id=f["bystander"].id
    )
    db.session.add(elsewhere)
    db.session.flush()
    theirs = PeerTimedComment(review_id=elsewhere.id, media_id=f["media_id"], seconds=1.0, text="Theirs")
    db.session.add(theirs)
    db.session.commit()
    assert client.post(f"{url}/comments/{theirs.id}", data={"text": "Mine now"}).status_code == 404
    db.session.refresh(comment)
    db.session.refresh(theirs)
    assert (comment.text, theirs.text) == ("Whole", "Theirs")

    comment_id = comment.id
    assert client.post(f"{url}/comments/{comment_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(PeerTimedComment, comment_id) is None


def test_comments_are_final_once_the_review_is_in_or_the_window_closed(db, app, login, film_review):
    f = film_review
    comment = _pinned(db, f, "Stays")
    review = f["review"]
    url = f"/projects/{f['project'].id}/peer/reviews/{review.id}"
    client = login(f["reviewer"], c=app.test_client())
    saved = client.post(
        url,
        data={"version": review.version, "level-story": "good", "points-craft": "6", "level-craft": "range"},
    )
    assert saved.status_code == 302
    db.session.refresh(review)
    assert review.status.value == "submitted"

    refused = client.post(
        f"{url}/comments/{comment.id}", data={"seconds": "1", "text": "Changed"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Its comments stay as they are." in refused
    client.post(f"{url}/comments/{comment.id}/delete")
    client.post(f"{url}/comments", data={"media_id": f["media_id"], "seconds": "1", "text": "Late idea"})
    db.session.expire_all()
    assert [c.text for c in db.session.query(PeerTimedComment).filter_by(review_id=review.id)] == ["Stays"]
    page = client.get(url).get_data(as_text=True)
    assert "Stays" in page and f"{url}/comments/{comment.id}/delete" not in page
    assert f'action="{url}/comments"' not in page  # no form to pin another one


def test_api_changes_and_removes_a_comment_until_the_review_is_in(db, client, token_for, film_review):
    f = film_review
    comment = _pinned(db, f, "Via the API")
    base = f"/api/v1/projects/{f['project'].id}/peer/reviews/{f['review'].id}/comments/{comment.id}"
    mine = token_for(f["reviewer"], "read write")
    changed = client.patch(base, headers=mine, json={"text": "Sharper", "criterion_id": "craft"})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["text"], changed.get_json()["criterion_id"]) == ("Sharper", "craft")
    assert changed.get_json()["seconds"] == 1.0  # not sent: unchanged
    assert client.patch(base, headers=mine, json={"seconds": -1}).status_code == 422
    assert client.patch(base, headers=mine, json={"text": ""}).status_code == 422
    for person in (f["bystander"], f["author"], f["instructor"]):
        headers = token_for(person, "read write")
        assert client.patch(base, headers=headers, json={"text": "x"}).status_code == 404
        assert client.delete(base, headers=headers).status_code == 404

    review = f["review"]
    peer.submit_review(
        review, f["reviewer"], expected_version=review.version, marks=marks("good", 6), feedback=""
    )
    db.session.commit()
    assert client.patch(base, headers=mine, json={"text": "Too late"}).status_code == 422
    assert client.delete(base, headers=mine).status_code == 422
    db.session.expire_all()
    assert db.session.get(PeerTimedComment, comment.id).text == "Sharper"


def test_api_removes_an_open_comment(db, client, token_for, film_review):
    f = film_review
    comment_id = _pinned(db, f).id
    base = f"/api/v1/projects/{f['project'].id}/peer/reviews/{f['review'].id}/comments/{comment_id}"
    assert client.delete(base, headers=token_for(f["reviewer"], "read write")).status_code == 204
    db.session.expire_all()
    assert db.session.get(PeerTimedComment, comment_id) is None


def test_each_review_in_grades_its_works_reviewers_without_staling_their_forms(db, cohort_work):
    project, teacher, people = cohort_work["project"], cohort_work["instructor"], cohort_work["trainees"]
    for person in people[:4]:
        cohort_work["hand_in"](person)
    peer.configure(project, teacher, enabled=True, reviews_each=3)
    peer.allocate_reviews(project, teacher, seed=5)
    db.session.commit()
    work = peer.allocation_of(project)[0].submission_id
    first, second, *_ = [r for r in peer.allocation_of(project) if r.submission_id == work]
    peer.submit_review(
        first, first.reviewer, expected_version=first.version, marks=marks("good", 6), feedback=""
    )
    db.session.commit()
    assert first.assessing is None  # alone on the work: nothing to compare with
    opened = first.version  # the first reviewer opens their review again
    peer.submit_review(
        second, second.reviewer, expected_version=second.version, marks=marks("great", 10), feedback=""
    )
    db.session.commit()
    db.session.expire_all()
    first, second = db.session.get(PeerReview, first.id), db.session.get(PeerReview, second.id)
    assert first.assessing is not None and second.assessing is not None
    assert first.assessing == second.assessing < 100  # each against the other: the same distance
    assert first.version == opened  # graded, but their open form is not stale
    peer.submit_review(first, first.reviewer, expected_version=opened, marks=marks("great", 10), feedback="")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PeerReview, second.id).assessing == 100
    assert grades.assessing_grade_of(project, second.reviewer) == 100
