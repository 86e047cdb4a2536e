"""Demo grade for ``lms demo``: Dilnoza's handed-in film on the earlier project, graded with a rubric and
released (idempotent)."""

from __future__ import annotations

from flask import current_app

from projects.coursework import submissions
from projects.coursework.demo import sketch_project
from projects.grading import rubrics
from projects.grading import services as marking
from projects.grading.models import MarkingStatus

DEMO_RUBRIC = {
    "criteria": [
        {
            "id": "shots",
            "title_ko": "촬영 구성",
            "title_en": "Shot planning",
            "levels": [
                {"id": "basic", "name_ko": "기초", "name_en": "Basic", "points": 2},
                {"id": "good", "name_ko": "좋음", "name_en": "Good", "points": 4},
                {"id": "excellent", "name_ko": "탁월", "name_en": "Excellent", "points": 5},
            ],
        },
        {
            "id": "editing",
            "title_ko": "편집과 색 보정",
            "title_en": "Editing and colour",
            "levels": [
                {"id": "basic", "name_ko": "기초", "name_en": "Basic", "points": 2},
                {"id": "good", "name_ko": "좋음", "name_en": "Good", "points": 4},
                {"id": "excellent", "name_ko": "탁월", "name_en": "Excellent", "points": 5},
            ],
        },
        {
            "id": "ai",
            "title_ko": "AI 도구의 책임 있는 사용",
            "title_en": "Responsible use of AI tools",
            "levels": [
                {"id": "missing", "name_ko": "미흡", "name_en": "Missing", "points": 0},
                {"id": "declared", "name_ko": "밝힘", "name_en": "Declared", "points": 5},
            ],
        },
    ]
}


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (after the coursework demo)."""
    sketch, trainee = sketch_project(cohorts), people.get("dilnoza@demo.gongbang.kr")
    instructor = people.get("instructor@demo.gongbang.kr")
    if sketch is None or trainee is None or instructor is None or sketch.rubric_version is not None:
        return
    submission = submissions.submission_for(sketch, trainee)
    if submission is None or not submission.attempts:
        return
    rubric = rubrics.create_rubric(
        programme_id=sketch.cohort.programme_id,
        title_ko="영상 과제 평가",
        title_en="Video assignment rubric",
        data=DEMO_RUBRIC,
        by=instructor,
    )
    rubrics.attach(sketch, rubric.latest)
    assessment = marking.start_assessment(submission, instructor)
    marking.save_assessment(
        assessment,
        expected_version=assessment.version,
        marks={
            "shots": {"level_id": "excellent"},
            "editing": {"level_id": "good"},
            "ai": {"level_id": "declared"},
        },
        feedback="도입부의 빵 굽는 장면이 좋습니다. / A strong opening.",
        status=MarkingStatus.READY,
        by=instructor,
    )
    # The release notifies the trainee with a link to the feedback: built as in a request, the CLI has none.
    with current_app.test_request_context("/"):
        marking.release([assessment], instructor)
