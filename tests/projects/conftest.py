"""Fixtures for the projects plugin: a cohort with an instructor and trainees, and projects in it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.db import utcnow


@pytest.fixture
def course(make_user, make_cohort):
    """A cohort with one instructor and three trainees (English readers)."""
    instructor = make_user("instructor", locale="en")
    trainees = [make_user("trainee", locale="en") for _ in range(3)]
    cohort = make_cohort(instructors=[instructor], trainees=trainees)
    return {"cohort": cohort, "instructor": instructor, "trainees": trainees}


@pytest.fixture
def make_project(db, course):
    """``make_project(deliverables=[...], published=True, **fields)``: a committed project in the course's cohort."""
    from projects.coursework import services

    def make(deliverables=None, published=True, cohort=None, **fields):
        fields.setdefault("title_en", "Brand film")
        fields.setdefault("title_ko", "브랜드 영상")
        fields.setdefault("due_at", utcnow() + timedelta(days=7))
        project = services.create_project(cohort or course["cohort"], course["instructor"], **fields)
        for d in deliverables if deliverables is not None else [{"name_en": "Final cut", "kind": "video"}]:
            services.save_deliverable(project, **d)
        if published:
            services.publish_project(project)
        db.session.commit()
        return project

    return make


# The media samples (generated once per session with the bundled FFmpeg).
from tests.media.conftest import canary, ffmpeg_cli, media  # noqa: E402,F401
