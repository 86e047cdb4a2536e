"""Trainees hand in work through the media checks; attempts are immutable; reviewers see it all."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest

from lms.db import utcnow
from media.models import MediaFile, MediaStatus
from projects.common import ProjectError
from projects.coursework import receivers, services, submissions
from projects.coursework.models import Attempt, DraftItem, Submission
from tests.fixtures.users import PASSWORD

VIDEO = {"name_en": "Final cut", "name_ko": "최종본", "kind": "video", "spec": {"require_audio": True}}
NOTE = {"name_en": "Director's note", "kind": "text", "required": False}


def upload(client, project, deliverable, path, name=None):
    data = {"file": (io.BytesIO(path.read_bytes()), name or path.name)}
    return client.post(
        f"/projects/{project.id}/work/{deliverable.id}/upload", data=data, content_type="multipart/form-data"
    )


def declare(client, project, ai="no", **extra):
    data = {"ai_used": ai, "people-0-name": "Kim Minji", "people-0-consent": "given", **extra}
    return client.post(f"/projects/{project.id}/work/declarations", data=data)


def hand_in(client, project, statement=True):
    return client.post(f"/projects/{project.id}/work/submit", data={"statement": "y"} if statement else {})


def test_trainee_hands_in_and_gets_a_receipt(client, login, course, make_project, media, db):
    project = make_project(deliverables=[VIDEO, NOTE])
    trainee = course["trainees"][0]
    login(trainee)
    video = project.deliverables[0]
    assert "Final cut" in client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert upload(client, project, video, media["h264_aac.mp4"]).status_code == 302
    item = db.session.query(DraftItem).one()
    assert item.media is not None and item.media.status is MediaStatus.READY and item.candidate is None
    r = hand_in(client, project)
    assert "Answer the question about AI tools" not in r.get_data(as_text=True)
    assert db.session.query(Attempt).count() == 0  # not declared yet
    declare(client, project, ai="yes", ai_tools="Suno", ai_generated="The music")
    r = hand_in(client, project)
    assert r.status_code == 302 and "/attempts/1" in r.headers["Location"]
    attempt = db.session.query(Attempt).one()
    assert not attempt.late and attempt.ai_tools == "Suno"
    assert attempt.people == [{"name": "Kim Minji", "consent": "given"}]
    receipt = client.get(r.headers["Location"]).get_data(as_text=True)
    data = media["h264_aac.mp4"].read_bytes()
    import hashlib

    assert hashlib.sha256(data).hexdigest() in receipt and f"{len(data):,}" in receipt
    attempt.items[0].file_name = "tampered.mp4"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_hand_in_saves_the_declarations_on_the_form(client, login, course, make_project, media, db):
    """The workspace posts the declarations with the statement: "Hand in" saves them first, so no separate
    save is needed, and a refused hand-in keeps them."""
    project = make_project(deliverables=[VIDEO, NOTE])
    login(course["trainees"][0])
    form = {"ai_used": "yes", "ai_tools": "Runway", "people-0-name": "Kim Minji", "people-0-consent": "given"}
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert 'id="work-form"' in page and "data-ai-unanswered" in page
    # No file yet: refused, but the declarations are saved.
    refused = client.post(f"/projects/{project.id}/work/submit", data=form | {"statement": "y"})
    assert refused.status_code == 302 and db.session.query(Attempt).count() == 0
    submission = db.session.query(Submission).one()
    assert (submission.ai_used, submission.ai_tools) == (True, "Runway")
    # Tools missing: the answer stays on the page with the error by its field, nothing is handed in.
    upload(client, project, project.deliverables[0], media["h264_aac.mp4"])
    unanswered = client.post(f"/projects/{project.id}/work/submit", data=form | {"ai_used": ""})
    assert unanswered.status_code == 400 and "Please answer this question." in unanswered.get_data(
        as_text=True
    )
    bad = client.post(f"/projects/{project.id}/work/submit", data=form | {"ai_tools": "", "statement": "y"})
    assert bad.status_code == 400 and db.session.query(Attempt).count() == 0
    done = client.post(
        f"/projects/{project.id}/work/submit", data=form | {"ai_tools": "Sora", "statement": "y"}
    )
    assert done.status_code == 302 and "/attempts/1" in done.headers["Location"]
    attempt = db.session.query(Attempt).one()
    assert attempt.ai_tools == "Sora" and attempt.people == [{"name": "Kim Minji", "consent": "given"}]


def test_rejected_file_never_replaces_the_accepted_one(
    client, login, make_user, course, make_project, media, db
):
    project = make_project(deliverables=[VIDEO])
    trainee = course["trainees"][0]
    trainee.locale = "ko"
    db.session.commit()
    login(trainee)
    video = project.deliverables[0]
    upload(client, project, video, media["h264_aac.mp4"])
    good = db.session.query(DraftItem).one().media_id
    upload(client, project, video, media["h264_silent.mp4"])
    item = db.session.query(DraftItem).one()
    assert item.media_id == good
    assert item.candidate.status is MediaStatus.REJECTED and item.candidate.problems[0]["code"] == "no_audio"
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "소리" in page and "h264_silent.mp4" in page  # the reason, in Korean
    declare(client, project)
    hand_in(client, project)
    assert db.session.query(Attempt).one().items[0].media_id == good


def test_late_after_due_refused_after_cutoff_unless_extended(course, make_project, media, db):
    project = make_project(
        deliverables=[NOTE | {"required": True}],
        due_at=utcnow() - timedelta(hours=2),
        cutoff_at=utcnow() + timedelta(hours=1),
    )
    trainee = course["trainees"][0]
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="My note")
    submissions.save_declarations(submission, ai_used=False)
    attempt = submissions.submit(submission, trainee, statement_accepted=True)
    assert attempt.late and attempt.number == 1
    with pytest.raises(ProjectError) as err:
        submissions.submit(submission, trainee, statement_accepted=True, now=utcnow() + timedelta(hours=2))
    assert err.value.code == "closed"
    services.grant_extension(
        project,
        granted_by=course["instructor"],
        user=trainee,
        reason="Illness",
        due_at=utcnow() + timedelta(days=1),
        cutoff_at=utcnow() + timedelta(days=2),
    )
    second = submissions.submit(
        submission, trainee, statement_accepted=True, now=utcnow() + timedelta(hours=2)
    )
    assert second.number == 2 and not second.late


def test_over_long_answers_and_declarations_are_refused_never_cut(course, make_project, db):
    project = make_project(deliverables=[NOTE | {"required": True}])
    trainee = course["trainees"][0]
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_answer(submission, project.deliverables[0], text="Kept")
    too_long = [
        lambda: submissions.save_answer(
            submission, project.deliverables[0], link_url="https://example.org/" + "a" * 2000
        ),
        lambda: submissions.save_answer(submission, project.deliverables[0], text="x" * 20001),
        lambda: submissions.save_declarations(submission, ai_used=False, people=[{"name": "N" * 121}]),
        lambda: submissions.save_declarations(submission, ai_used=True, ai_tools="T" * 501),
    ]
    for call in too_long:
        with pytest.raises(ProjectError) as err:
            call()
        assert err.value.code == "too_long"
    db.session.refresh(submission)
    assert [item.text for item in submission.items] == ["Kept"] and submission.people in (None, [])


def test_attempt_limit_statement_and_completeness(course, make_project, db):
    project = make_project(deliverables=[NOTE | {"required": True}], max_attempts=1)
    trainee = course["trainees"][0]
    submission = submissions.submission_for(project, trainee, create=True)
    submissions.save_declarations(submission, ai_used=False)
    with pytest.raises(ProjectError, match="incomplete"):
        submissions.submit(submission, trainee, statement_accepted=True)
    submissions.save_answer(submission, project.deliverables[0], text="Done")
    with pytest.raises(ProjectError, match="statement"):
        submissions.submit(submission, trainee, statement_accepted=False)
    submissions.submit(submission, trainee, statement_accepted=True)
    with pytest.raises(ProjectError, match="no_attempts_left"):
        submissions.submit(submission, trainee, statement_accepted=True)
    with pytest.raises(ProjectError, match="ai_tools_missing"):
        submissions.save_declarations(submission, ai_used=True, ai_tools=" ")


def test_not_open_yet(course, make_project):
    project = make_project(opens_at=utcnow() + timedelta(days=1), due_at=utcnow() + timedelta(days=3))
    with pytest.raises(ProjectError, match="not_open"):
        submissions.check_can_hand_in(project, course["trainees"][0])


def test_team_shares_one_submission(client, login, course, make_project, media, db, app):
    project = make_project(deliverables=[VIDEO], team_mode=True)
    a, b, c = course["trainees"]
    services.save_team(project, "Team A", [a, b])
    db.session.commit()
    login(a)
    upload(client, project, project.deliverables[0], media["h264_aac.mp4"])
    mate = app.test_client()
    login(b, c=mate)
    assert "h264_aac.mp4" in mate.get(f"/projects/{project.id}/work").get_data(as_text=True)
    file_id = db.session.query(DraftItem).one().media_id
    assert mate.get(f"/media/{file_id}").status_code == 200
    loner = app.test_client()
    login(c, c=loner)
    assert loner.get(f"/projects/{project.id}/work").status_code == 404  # not in a team
    assert loner.get(f"/media/{file_id}").status_code == 404
    declare(mate, project)
    assert hand_in(mate, project).status_code == 302
    assert db.session.query(Submission).one().team_id is not None
    assert db.session.query(Attempt).one().submitted_by_id == b.id


def test_reviewers_list_history_zip_and_file_access(
    client, login, course, make_project, make_user, media, db, app
):
    project = make_project(deliverables=[VIDEO])
    trainee, idle = course["trainees"][:2]
    login(trainee)
    upload(client, project, project.deliverables[0], media["h264_aac.mp4"], name="../../etc/passwd.mp4")
    declare(client, project)
    hand_in(client, project)
    submission = db.session.query(Submission).one()
    staff = app.test_client()
    login(course["instructor"], c=staff)
    listing = staff.get(f"/projects/{project.id}/submissions").get_data(as_text=True)
    assert trainee.name in listing and idle.name in listing
    waiting = staff.get(f"/projects/{project.id}/submissions?filter=not_submitted").get_data(as_text=True)
    assert idle.name in waiting and trainee.name not in waiting
    history = staff.get(f"/projects/{project.id}/submissions/{submission.id}").get_data(as_text=True)
    assert "Attempt 1" in history
    archive = staff.get(f"/projects/{project.id}/submissions.zip")
    assert archive.mimetype == "application/zip" and archive.headers["Content-Disposition"].startswith(
        "attachment"
    )
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        names = zf.namelist()
        folder = f"{trainee.name}-u{trainee.id}/attempt-1/"
        assert len(names) == 1 and ".." not in names[0] and names[0].startswith(folder)
        assert zf.read(names[0]) == media["h264_aac.mp4"].read_bytes()
    file_id = submission.attempts[0].items[0].media_id
    assert staff.get(f"/media/{file_id}").status_code == 200
    stranger = app.test_client()
    login(make_user("instructor"), c=stranger)
    assert stranger.get(f"/media/{file_id}").status_code == 404


def test_ids_from_elsewhere_are_404(client, login, course, make_project, db, app):
    mine, other = make_project(deliverables=[NOTE]), make_project(deliverables=[NOTE], title_en="Other")
    a, b = course["trainees"][:2]
    sub_b = submissions.submission_for(mine, b, create=True)
    submissions.save_declarations(sub_b, ai_used=False)
    submissions.save_answer(sub_b, mine.deliverables[0], text="x")
    submissions.submit(sub_b, b, statement_accepted=True)
    db.session.commit()
    login(a)
    assert client.get(f"/projects/{mine.id}/submissions/{sub_b.id}/attempts/1").status_code == 404
    assert (
        client.post(
            f"/projects/{mine.id}/work/{other.deliverables[0].id}/answer", data={"text": "x"}
        ).status_code
        == 404
    )
    staff = app.test_client()
    login(course["instructor"], c=staff)
    assert staff.get(f"/projects/{other.id}/submissions/{sub_b.id}").status_code == 404
    assert staff.get(f"/projects/{mine.id}/submissions/{sub_b.id}/attempts/1").status_code == 200


def test_upload_context_for_resumable_uploads(app, course, make_project, make_user, media, db):
    project = make_project(deliverables=[VIDEO | {"spec": {"max_size_bytes": 5_000_000}}])
    trainee = course["trainees"][0]
    context = f"deliverable:{project.deliverables[0].id}"
    target = receivers.upload_requested(trainee, context=context)
    assert target.max_bytes == 5_000_000 and target.spec["kinds"] == ["video"]
    with pytest.raises(PermissionError):
        receivers.upload_requested(make_user("trainee"), context=context)
    assert receivers.upload_requested(trainee, context="check:any") is None
    from lms.jobs import commit
    from media import services as media_services

    m = media_services.register_upload(
        trainee, io.BytesIO(media["h264_aac.mp4"].read_bytes()), filename="cut.mp4", spec=target.spec
    )
    receivers.upload_completed(m, context=context, user=trainee)
    commit()
    item = db.session.query(DraftItem).one()
    assert item.media_id == m.id and db.session.get(MediaFile, m.id).status is MediaStatus.READY


def test_plain_upload_larger_than_a_form_passes_csrf_and_the_brief_limit_applies(
    app_factory, course, make_project, db
):
    project = make_project(deliverables=[VIDEO | {"spec": {"max_size_bytes": 20_000_000}}])
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/auth/login", data={"email": course["trainees"][0].email, "password": PASSWORD, "csrf_token": token}
    )
    work = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', work).group(1)
    big = io.BytesIO(b"\x00" * 25_000_000)  # over the 16 MB form limit and over the brief's 20 MB
    r = client.post(
        f"/projects/{project.id}/work/{project.deliverables[0].id}/upload",
        data={"csrf_token": token, "file": (big, "big.mp4")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert r.status_code == 200 and "20 MB" in r.get_data(as_text=True)
    assert db.session.query(MediaFile).count() == 0


def test_instructor_sees_work_that_looks_like_another_trainees(
    client, login, course, make_project, media, ffmpeg_cli, tmp_path, db, app
):
    from projects.grading import rubrics

    project = make_project(deliverables=[VIDEO])
    rubric = rubrics.create_rubric(
        programme_id=None,
        title_ko="r",
        title_en="r",
        by=course["instructor"],
        data={"criteria": [{"title_en": "Story", "levels": [{"points": 0}, {"points": 1}]}]},
    )
    rubrics.attach(project, rubric.latest)
    db.session.commit()
    copy = tmp_path / "my-own-film.mp4"
    ffmpeg_cli(
        "-i",
        str(media["h264_aac.mp4"]),
        "-vf",
        "scale=240:180",
        "-c:v",
        "libx264",
        "-crf",
        "30",
        "-c:a",
        "aac",
        str(copy),
    )
    other_film = tmp_path / "different-film.mp4"
    ffmpeg_cli(
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=320x240:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=duration=2",
        "-t",
        "2",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        str(other_film),
    )
    a, b, c = course["trainees"]
    for trainee, path in ((a, media["h264_aac.mp4"]), (b, copy), (c, other_film)):
        page = app.test_client()
        login(trainee, c=page)
        upload(page, project, project.deliverables[0], path)
        declare(page, project)
        hand_in(page, project)
    copied = submissions.submission_for(project, b)
    assert [(other.user_id, d <= 10) for _m, other, _t, d in submissions.similar_work(copied)] == [
        (a.id, True)
    ]
    login(course["instructor"])
    page = client.get(f"/projects/{project.id}/submissions/{copied.id}/grade").get_data(as_text=True)
    assert "my-own-film.mp4 looks like" in page and a.name in page
    honest = submissions.submission_for(project, c)
    assert honest.last_attempt is not None and submissions.similar_work(honest) == []
