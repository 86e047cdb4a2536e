"""Nothing anonymous leaks: after a full anonymous round (allocation, reviews, timed comments, release), every
page a trainee can reach from their pages, every CSV among them, their notifications and e-mails, their
personal-data download and their peer API answers are scanned for the people the round keeps from them: who
reviewed their work, and whose work they reviewed."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from lms.db import utcnow
from lms.jobs import commit
from projects.peer import services as peer
from projects.peer.models import PeerReview, PeerTimedComment
from tests.fixtures.projects import ready_assessment
from tests.projects.test_peer import RUBRIC, marks

#: Links not to follow: signing out, files and renditions (bytes, not pages), and the API's documents (its
#: answers are asked for below, with a token).
SKIP = re.compile(
    r"^/(auth/logout|api/|docs)|/static/|/rendition|/download|\.(zip|jpg|png|vtt|mp4|css|js)(\?|$)"
)
HREF = re.compile(r'(?:href|action)="(/[^"#]*)"')
LIMIT = 250  # pages per trainee: the crawl reaches the whole trainee side of the app well under this


@pytest.fixture
def anonymous_round(db, app, make_user, make_cohort):
    """Four trainees with names found nowhere else hand in neutral notes; each reviews two works; the reviews
    carry a timed comment; every grade is released."""
    from projects.coursework import services, submissions
    from projects.grading import rubrics
    from projects.grading import services as marking

    teacher = make_user("instructor", locale="en")
    names = ["Quillon Varga", "Ysolde Brankov", "Merrit Oyelaran", "Tamsin Achterberg"]
    people = [
        make_user("trainee", locale="en", name=n, email=f"{n.split()[0].lower()}@peer.test") for n in names
    ]
    cohort = make_cohort(instructors=[teacher], trainees=people)
    rubric = rubrics.create_rubric(programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=teacher)
    project = services.create_project(
        cohort, teacher, title_en="Film", title_ko="영상", due_at=utcnow() + timedelta(days=3)
    )
    services.save_deliverable(project, name_en="Note", kind="text")
    services.publish_project(project)
    rubrics.attach(project, rubric.latest)
    works = {}
    for n, person in enumerate(people, start=1):
        work = submissions.submission_for(project, person, create=True)
        submissions.save_answer(work, project.deliverables[0], text=f"Note number {n}")
        submissions.save_declarations(work, ai_used=False)
        submissions.submit(work, person, statement_accepted=True)
        works[person.id] = work
    peer.configure(project, teacher, enabled=True, reviews_each=2)
    peer.allocate_reviews(project, teacher, seed=11)
    commit()  # the round's notices are sent after the commit
    video = _a_video(db, people[0])
    for person in people:
        for review in peer.reviews_by(project, person):
            peer.submit_review(
                review, person, expected_version=review.version, marks=marks("good", 7), feedback="Clear."
            )
            # Stored directly: a text work has no video to pin to through the service (tested elsewhere).
            db.session.add(
                PeerTimedComment(review_id=review.id, media_id=video, seconds=3.0, text="At three.")
            )
    db.session.commit()
    assessments = [ready_assessment(w, teacher, marks("great", 9)) for w in works.values()]
    with app.test_request_context("/"):
        marking.release(assessments, teacher)
    commit()
    return {"project": project, "people": people, "works": works, "teacher": teacher}


def _a_video(db, owner) -> int:
    from media.models import MediaFile, MediaStatus

    media = MediaFile(
        owner_id=owner.id,
        original_name="clip.mp4",
        size_bytes=1,
        storage_key="originals/00/00/" + "0" * 64,
        sha256="0" * 64,
        kind="video",
        status=MediaStatus.READY,
    )
    db.session.add(media)
    db.session.flush()
    return media.id


def _hidden_from(person, project, people) -> dict[str, list[str]]:
    """What *person* must never read: their reviewers' and their reviewees' names and e-mail addresses."""
    from sqlalchemy import select

    from lms.extensions import db

    reviews = db.session.scalars(select(PeerReview).where(PeerReview.project_id == project.id)).all()
    by_id = {p.id: p for p in people}
    mine = {r.submission_id for r in reviews if r.submission.user_id == person.id}
    reviewers = {r.reviewer_id for r in reviews if r.submission_id in mine}
    reviewees = {r.submission.user_id for r in reviews if r.reviewer_id == person.id}
    hidden = (reviewers | reviewees) - {person.id}
    assert hidden, "the round gave this trainee no partner to hide"
    return {by_id[i].name: [by_id[i].name, by_id[i].email] for i in hidden}


def _crawl(client, seeds: list[str]) -> dict[str, str]:
    """path → text of every page, CSV and JSON answer reachable by links from *seeds* (GET only)."""
    seen: dict[str, str] = {}
    queue = list(seeds)
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen or SKIP.search(path):
            continue
        response = client.get(path)
        kind = response.headers.get("Content-Type", "")
        if response.status_code != 200 or not kind.startswith(("text/", "application/json")):
            response.close()
            seen[path] = ""
            continue
        text = response.get_data(as_text=True)
        seen[path] = text
        for link in HREF.findall(text):
            link = link.replace("&amp;", "&")
            if urlsplit(link).path not in seen:
                queue.append(link)
    return seen


def _leaks(texts: dict[str, str], hidden: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [
        (where, word)
        for where, text in texts.items()
        for words in hidden.values()
        for word in words
        if word in text
    ]


def _pdf_text(data: bytes) -> str:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is a test extra")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_no_page_export_notice_download_or_api_answer_names_a_hidden_partner(
    db, app, login, token_for, outbox, anonymous_round
):
    project, people = anonymous_round["project"], anonymous_round["people"]
    for person in people:
        hidden = _hidden_from(person, project, people)
        client = login(person, c=app.test_client())
        reviews = peer.reviews_by(project, person)
        seeds = [
            "/",
            f"/projects/{project.id}",
            f"/projects/{project.id}/peer/reviews",
            *[f"/projects/{project.id}/peer/reviews/{r.id}" for r in reviews],
            "/notifications",
        ]
        texts = _crawl(client, seeds)
        # The crawl reached the peer pages and some exports, so the scan means something.
        assert (
            texts[f"/projects/{project.id}/peer/reviews"]
            and "At three." in texts[f"/projects/{project.id}/peer/reviews"]
        )
        assert all(texts[f"/projects/{project.id}/peer/reviews/{r.id}"] for r in reviews)
        assert len([t for t in texts.values() if t]) > 10

        # Every export route the trainee is let into (the cohort's and the project's ids filled in).
        for rule in app.url_map.iter_rules():
            if not re.search(r"\.(csv|ics)$|export", rule.rule) or not set(rule.arguments) <= {
                "cohort_id",
                "project_id",
            }:
                continue
            path = rule.rule.replace("<int:cohort_id>", str(project.cohort_id))
            path = path.replace("<int:project_id>", str(project.id))
            answer = client.get(path)
            if answer.status_code == 200 and answer.mimetype == "application/pdf":
                texts[path] = _pdf_text(answer.get_data())  # the portfolio PDF: its words are scanned too
            elif answer.status_code == 200 and not answer.mimetype.endswith("zip"):
                texts[path] = answer.get_data(as_text=True)
            answer.close()

        archive = zipfile.ZipFile(io.BytesIO(client.get("/account/personal-data.zip").get_data()))
        texts["personal-data.zip"] = "\n".join(
            archive.read(name).decode("utf-8", "replace")
            for name in archive.namelist()
            if name.endswith(".json")
        )
        received = json.loads(archive.read("personal-data.json"))
        assert "At three." in json.dumps(received)  # the comments on their work are theirs to download

        headers = token_for(person)
        base = f"/api/v1/projects/{project.id}"
        for path in (
            f"{base}/peer/reviews",
            *[f"{base}/peer/reviews/{r.id}" for r in reviews],
            base,
            "/api/v1/projects",
        ):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, path
            texts[f"API {path}"] = answer.get_data(as_text=True)
        assert client.get(f"{base}/peer", headers=headers).status_code == 404  # the round's state: managers'

        leaks = _leaks(texts, hidden)
        assert not leaks, f"{person.name} can read the names of hidden partners: {leaks}"

    # The e-mails the round sent (one per message, to one person): none names a hidden partner of its reader.
    mails = outbox(limit=1000)
    for person in people:
        hidden = _hidden_from(person, project, people)
        theirs = {
            f"mail {m['id']}": f"{m['subject']}\n{m['body']}"
            for m in mails
            if person.email in (m["to"] or "")
        }
        assert not _leaks(theirs, hidden)
