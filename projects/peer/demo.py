"""Demo peer review for ``lms demo``: peer review on the earlier sketch project, with Dilnoza's graded film as
the example the other trainees practise on (idempotent; after the grading demo)."""

from __future__ import annotations

from projects.coursework import submissions
from projects.coursework.demo import sketch_project
from projects.peer import calibration
from projects.peer import services as peer


def load(cohorts: dict, people: dict) -> None:
    """Receiver step of ``lms.signals.demo_loaded`` (run in :data:`projects.DOMAINS` order)."""
    sketch, trainee = sketch_project(cohorts), people.get("dilnoza@demo.gongbang.kr")
    instructor = people.get("instructor@demo.gongbang.kr")
    if sketch is None or trainee is None or instructor is None or peer.settings_for(sketch) is not None:
        return
    submission = submissions.submission_for(sketch, trainee)
    # The id: grading's demo set it in this run, and the relationship may have been loaded before.
    if submission is None or sketch.rubric_version_id is None:
        return
    # Peer marks as feedback only: the instructor's grade stays the grade.
    peer.configure(sketch, instructor, enabled=True, reviews_each=2, peer_weight=0, agreement=70)
    calibration.example_from_grade(sketch, submission, instructor)
