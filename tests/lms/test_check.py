"""``lms check [--repair]``: every mismatch between database and storage is found, the safe ones fixed."""

from __future__ import annotations

import io
import json
import os
import time
from datetime import timedelta

import pytest
from PIL import Image

from lms.check import outstanding, run_checks
from lms.db import utcnow
from lms.jobs import commit
from media import services
from media.models import MediaFile, MediaStatus
from media.storage import original_key
from projects.coursework import submissions
from projects.coursework.models import DraftItem, Submission

NOW = timedelta(0)


def png(colour=(200, 40, 40), size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def age(path, seconds=7200):
    """Make a file look as old as an abandoned one."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def codes(findings):
    return sorted(f.code for f in findings)


@pytest.fixture
def trainee(make_user):
    return make_user("trainee")


@pytest.fixture
def image(app, db, trainee):
    media = services.register_upload(trainee, io.BytesIO(png()), filename="a.png", spec={"kinds": ["image"]})
    commit()
    db.session.refresh(media)
    assert media.status is MediaStatus.READY
    return media


def test_a_consistent_instance_is_clean(image, runner):
    assert run_checks(grace=NOW) == []
    result = runner.invoke(args=["check", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "0 finding(s)" in result.output


def test_orphan_files_are_quarantined_not_deleted(app, image, runner):
    storage = services.get_storage()
    stray = storage.save_stream(io.BytesIO(b"left by a crashed registration"))
    rendition = storage.root / "renditions" / "999" / "poster.jpg"
    rendition.parent.mkdir(parents=True)
    rendition.write_bytes(b"jpeg of a deleted upload")
    young = storage.save_stream(io.BytesIO(b"a request is registering me right now"))
    for key in (stray.key, "renditions/999/poster.jpg"):
        age(storage.path(key))

    findings = run_checks()  # the default grace leaves the young file alone
    assert [(f.code, f.subject) for f in findings] == [
        ("orphan_file", stray.key),
        ("orphan_file", "renditions/999/poster.jpg"),
    ]
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "2 outstanding" in result.output

    result = runner.invoke(args=["check", "--repair"])
    assert result.exit_code == 0, result.output
    assert not storage.exists(stray.key) and storage.exists(young.key) and storage.exists(image.storage_key)
    quarantined = sorted(
        p.relative_to(storage.root / "quarantine").as_posix().split("/", 1)[1]
        for p in (storage.root / "quarantine").rglob("*")
        if p.is_file()
    )
    assert quarantined == sorted([stray.key, "renditions/999/poster.jpg"])
    assert run_checks() == []


def test_missing_original_needs_a_person(app, image, runner):
    services.get_storage().path(image.storage_key).unlink()
    result = runner.invoke(args=["check", "--repair", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [(f["code"], f["subject"], f["needs_person"], f["repaired"]) for f in report["findings"]] == [
        ("missing_file", f"media {image.id}", True, False)
    ]


def test_missing_rendition_is_made_again(app, db, image):
    storage = services.get_storage()
    display = image.rendition("display")
    storage.path(display.storage_key).unlink()
    poster_size = image.rendition("poster").size_bytes
    db.session.delete(image.rendition("poster"))  # its file stays behind, now an orphan
    db.session.commit()
    findings = run_checks(grace=NOW)
    assert [(f.code, f.detail) for f in findings] == [
        ("missing_rendition", "display, poster"),
        ("orphan_file", f"{poster_size} bytes"),
    ]
    run_checks(repair=True, grace=NOW)  # the job runs eagerly in tests
    db.session.expire_all()
    media = db.session.get(MediaFile, image.id)
    assert media.status is MediaStatus.READY and {r.role for r in media.renditions} == {"poster", "display"}
    assert all(storage.exists(r.storage_key) for r in media.renditions)
    assert run_checks(grace=NOW) == []


def test_hash_parts_out_of_step_with_the_hash_are_split_again(app, db, image):
    from sqlalchemy import update

    from media.similarity import parts

    assert image.phash and image.phash_p0 is not None
    # A raw update, as a script or a restore from an older dump would make: the model's validator never ran.
    db.session.execute(update(MediaFile).where(MediaFile.id == image.id).values(phash_p1=None))
    db.session.commit()
    findings = run_checks(grace=NOW)
    assert [(f.code, f.subject) for f in findings] == [("hash_parts", f"media {image.id}")]
    run_checks(repair=True, grace=NOW)
    db.session.expire_all()
    media = db.session.get(MediaFile, image.id)
    assert (media.phash_p0, media.phash_p1, media.phash_p2) == parts(media.phash)
    assert run_checks(grace=NOW) == []


def test_stuck_jobs_are_queued_again(app, db, image):
    image.status, image.created_at = MediaStatus.PROCESSING, utcnow() - timedelta(hours=2)
    db.session.commit()
    assert codes(run_checks()) == ["stuck_job"]
    findings = run_checks(repair=True)
    assert findings[0].repaired and findings[0].action == "job queued again"
    db.session.expire_all()
    assert db.session.get(MediaFile, image.id).status is MediaStatus.READY
    assert run_checks() == []


def test_finished_upload_whose_registration_crashed_is_registered(app, db, trainee, course, make_project):
    """The known gap of the tus server: bytes in storage, no row, and a client that never came back."""
    project = make_project(deliverables=[{"name_en": "Poster", "kind": "image"}])
    learner = course["trainees"][0]
    deliverable = project.deliverables[0]
    data = png((10, 200, 10))
    upload = services.start_upload(
        learner, len(data), {"filename": "poster.png", "context": f"deliverable:{deliverable.id}"}
    )
    store = services.get_upload_store()
    store.append(upload.id, 0, io.BytesIO(data))
    # What finish_upload had done when its process died: hashed, moved into storage, no row committed.
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    store.mark(upload.id, sha256=sha)
    services.get_storage().adopt(store.part_path(upload.id), sha, len(data))
    db.session.rollback()
    age(services.get_storage().path(original_key(sha)))

    findings = run_checks(grace=NOW)
    assert codes(findings) == ["unfinished_upload"]  # and not an orphan: the upload still claims the file
    findings = run_checks(repair=True, grace=NOW)
    assert findings[0].repaired, findings
    db.session.expire_all()
    media = db.session.scalar(db.select(MediaFile).where(MediaFile.sha256 == sha))
    assert media.owner_id == learner.id and media.status is MediaStatus.READY
    submission = submissions.submission_for(project, learner)
    assert submission.item_for(deliverable).media_id == media.id  # it reached the draft
    assert run_checks(grace=NOW) == []


def test_expired_partial_uploads_and_stale_temporary_files(app, db, trainee):
    store = services.get_upload_store()
    upload = store.create(1000, {"filename": "x.png"}, trainee.id, "check:x", now=time.time() - 90000)
    store.append(upload.id, 0, io.BytesIO(b"x" * 10), now=time.time() - 90000)
    tmp = services.get_storage().new_tmp(".jpg")
    age(tmp)
    assert codes(run_checks()) == ["expired_upload", "stale_tmp"]
    assert all(f.repaired for f in run_checks(repair=True))
    assert not store.part_path(upload.id).exists() and not tmp.exists()
    assert run_checks() == []


def test_submission_summaries_and_drafts_are_repaired(app, db, course, make_project):
    project = make_project(deliverables=[{"name_en": "Poster", "kind": "image"}])
    learner = course["trainees"][1]
    media = services.register_upload(learner, io.BytesIO(png()), filename="p.png", spec={"kinds": ["image"]})
    commit()
    submission = submissions.submission_for(project, learner, create=True)
    submissions.attach_upload(submission, project.deliverables[0], media)
    submissions.save_declarations(submission, ai_used=False)
    attempt = submissions.submit(submission, learner, statement_accepted=True)
    commit()
    # A summary that disagrees with the attempts, and an accepted candidate never promoted.
    submission.attempt_count, submission.last_submitted_at = 3, None
    item = db.session.scalar(db.select(DraftItem).where(DraftItem.submission_id == submission.id))
    item.candidate_id, item.media_id = media.id, None
    db.session.commit()

    assert codes(run_checks(grace=NOW)) == ["draft_not_promoted", "summary_mismatch"]
    assert not outstanding(run_checks(repair=True, grace=NOW))
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert (submission.attempt_count, submission.last_submitted_at) == (1, attempt.submitted_at)
    assert submission.items[0].media_id == media.id
    assert run_checks(grace=NOW) == []

    services.get_storage().path(media.storage_key).unlink()
    assert codes(run_checks(grace=NOW)) == ["draft_file_missing", "handed_in_file_missing", "missing_file"]


def test_assessments_left_on_an_old_attempt_or_without_a_release_time(app, db, course, make_project):
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import Assessment, MarkingStatus

    rubric = rubrics.create_rubric(
        programme_id=None,
        title_ko="평가",
        title_en="R",
        by=course["instructor"],
        data={"criteria": [{"id": "c", "title_en": "Story", "levels": [{"id": "l", "points": 5}]}]},
    )
    project = make_project(deliverables=[{"name_en": "Note", "kind": "text"}])
    rubrics.attach(project, rubric.latest)
    learner = course["trainees"][2]
    submission = submissions.submission_for(project, learner, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="First")
    submissions.save_declarations(submission, ai_used=False)
    first = submissions.submit(submission, learner, statement_accepted=True)
    assessment = marking.start_assessment(submission, course["instructor"])
    second = submissions.submit(submission, learner, statement_accepted=True)
    commit()
    # A release that lost its time.
    assessment.attempt_id, assessment.status, assessment.grade = second.id, MarkingStatus.RELEASED, 5
    db.session.commit()
    assert codes(run_checks(grace=NOW)) == ["release_time"]
    assert not outstanding(run_checks(repair=True, grace=NOW))
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).released_at is not None
    # A hand-in whose move of the assessment was lost: it still follows the first attempt.
    assessment = db.session.get(Assessment, assessment.id)
    assessment.attempt_id = first.id
    db.session.commit()
    assert codes(run_checks(grace=NOW)) == ["assessment_attempt"]
    assert not outstanding(run_checks(repair=True, grace=NOW))
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment.id)
    assert assessment.attempt_id == second.id and assessment.status is MarkingStatus.IN_PROGRESS
    assert run_checks(grace=NOW) == []


def test_the_bare_core_checks_its_database_only(app_factory, image):
    """Receivers connected by another app in the process answer only for apps that loaded their plugin."""
    bare = app_factory(PLUGINS=[])
    with bare.app_context():
        assert run_checks(grace=NOW) == []
        result = bare.test_cli_runner().invoke(args=["check", "--json"])
        assert result.exit_code == 0 and json.loads(result.output) == {"findings": [], "outstanding": 0}
