"""Demo timetable for ``lms demo``: the spring cohort's weekday classes, 09:00–13:00 (idempotent: a pattern
applied again makes no second session)."""

from __future__ import annotations

from datetime import time

from projects.attendance import services


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (through ``projects.demo_loaded``)."""
    spring = cohorts.get(("AIVIDEO", "2026-1"))
    if spring is None:
        return
    teacher = spring.instructors[0] if spring.instructors else None
    services.generate_sessions(
        spring,
        weekdays=range(5),
        starts=time(9),
        ends=time(13),
        room="301",
        topic="",
        instructor=teacher,
    )
