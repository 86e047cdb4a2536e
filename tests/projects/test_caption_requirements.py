"""A brief that asks for caption tracks: the rule, the hand-in checklist, the technical criterion."""

from __future__ import annotations

import io

import pytest

from media import caption_services
from media.models import CaptionKind
from projects.common import ProjectError
from projects.coursework import caption_rules, services, submissions
from projects.grading import rubrics
from projects.grading import services as marking
from tests.projects.test_marking import RUBRIC

VTT = "WEBVTT\n\n00:00.000 --> 00:00.800\n안녕하세요\n"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, {}),
        ({"required": "ko, en", "optional": ""}, {"required": ["ko", "en"]}),
        (
            {"required": ["KO"], "optional": ["ko", "zh_hans", "pt-br"]},
            {"required": ["ko"], "optional": ["zh-Hans", "pt-BR"]},
        ),
        ({"required": "", "optional": "vi vi"}, {"optional": ["vi"]}),
    ],
)
def test_rules_are_stored_in_one_shape(given, stored):
    assert caption_rules.normalise(given) == stored


@pytest.mark.parametrize(
    "bad",
    [
        {"required": "<script>alert(1)</script>"},
        {"required": "korean"},
        {"required": [1]},
        {"mandatory": ["ko"]},
        ["ko"],
        {"required": ",".join(f"a{chr(97 + i)}" for i in range(13))},
    ],
)
def test_bad_rules_are_refused(bad):
    with pytest.raises(ValueError):
        caption_rules.normalise(bad)


def test_which_tracks_answer_a_rule():
    rule = {"required": ["ko", "zh"], "optional": ["en"]}
    assert caption_rules.missing(rule, []) == ["ko", "zh"]
    assert caption_rules.missing(rule, [("ko-KR", False), ("zh-Hans", False)]) == []
    assert caption_rules.missing(rule, [("kok", False), ("zh", True)]) == [
        "ko",
        "zh",
    ]  # not Konkani; unreviewed
    assert caption_rules.missing({"required": ["zh-Hans"]}, [("zh", False)]) == ["zh-Hans"]
    assert caption_rules.missing({}, []) == []


def test_the_service_refuses_a_bad_rule(course, make_project, db):
    project = make_project(published=False)
    with pytest.raises(ProjectError) as info:
        services.save_deliverable(project, project.deliverables[0], captions={"required": "한국어"})
    assert info.value.code == "bad_captions"


def _film_with_rule(client, login, course, make_project, media, db, rule):
    project = make_project(deliverables=[{"name_en": "Film", "kind": "video", "captions": rule}])
    trainee = course["trainees"][0]
    login(trainee)
    client.post(
        f"/projects/{project.id}/work/{project.deliverables[0].id}/upload",
        data={"file": (io.BytesIO(media["h264_aac.mp4"].read_bytes()), "film.mp4")},
        content_type="multipart/form-data",
    )
    client.post(f"/projects/{project.id}/work/declarations", data={"ai_used": "no"})
    submission = submissions.submission_for(project, trainee)
    film = submission.item_for(project.deliverables[0]).media
    assert film is not None and film.kind == "video"
    return project, trainee, submission, film


def _add(film, trainee, language, db):
    track = caption_services.add_track(
        film,
        trainee,
        io.BytesIO(VTT.encode()),
        filename="c.vtt",
        language=language,
        kind=CaptionKind.SUBTITLES,
    )
    db.session.commit()
    return track


def test_the_hand_in_waits_for_the_required_track(client, login, course, make_project, media, db):
    project, trainee, submission, film = _film_with_rule(
        client, login, course, make_project, media, db, {"required": ["ko"], "optional": ["en"]}
    )
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "Film: add captions in" in page and f"/media/{film.id}/captions" in page
    assert (
        "captions in" in page and "optional captions in" in page
    )  # the brief says so beside the deliverable
    assert 'data-blocked="1"' in page
    client.post(f"/projects/{project.id}/work/submit", data={"statement": "y"})
    db.session.expire_all()
    assert not submissions.submission_for(project, trainee).attempts

    _add(film, trainee, "en", db)  # the optional language alone is not enough
    assert [c for c, _d in submissions.missing_parts(submission)] == ["captions_missing"]
    _add(film, trainee, "ko", db)
    db.session.expire_all()
    submission = submissions.submission_for(project, trainee)
    assert submissions.missing_parts(submission) == []
    page = client.get(f"/projects/{project.id}/work").get_data(as_text=True)
    assert "add captions in" not in page and 'data-blocked="0"' in page
    client.post(f"/projects/{project.id}/work/submit", data={"statement": "y"})
    db.session.expire_all()
    assert len(submissions.submission_for(project, trainee).attempts) == 1


def test_the_technical_criterion_counts_the_captions(client, login, course, make_project, media, db):
    project, trainee, submission, film = _film_with_rule(
        client, login, course, make_project, media, db, {"required": ["ko"]}
    )
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=course["instructor"]
    )
    rubrics.attach(project, rubric.latest)
    track = _add(film, trainee, "ko", db)
    submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    # The track is taken away after the hand-in: the film no longer meets the brief.
    caption_services.delete_track(track, trainee)
    db.session.commit()
    assessment = marking.start_assessment(submission, course["instructor"])
    assert assessment.marks["tech"]["level_id"] == "fail" and assessment.marks["tech"]["auto"] is True


def test_a_film_with_its_tracks_meets_the_brief(client, login, course, make_project, media, db):
    project, trainee, submission, film = _film_with_rule(
        client, login, course, make_project, media, db, {"required": ["ko"]}
    )
    rubric = rubrics.create_rubric(
        programme_id=None, title_ko="r", title_en="r", data=RUBRIC, by=course["instructor"]
    )
    rubrics.attach(project, rubric.latest)
    _add(film, trainee, "ko", db)
    submissions.submit(submission, trainee, statement_accepted=True)
    db.session.commit()
    assessment = marking.start_assessment(submission, course["instructor"])
    assert assessment.marks["tech"]["level_id"] == "pass"
