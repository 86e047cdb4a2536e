"""Demo timetable for ``lms demo``: the spring and autumn cohorts' weekday classes, 09:00–13:00, and Korean
classes flagged as such: the autumn cohort's on Friday afternoons, the Korean programme's on Tuesday and
Thursday afternoons (idempotent: a pattern applied again makes no second session).  The autumn cohort (the
demo trainees') also gets the marks and signed training logs of its sessions held so far, but for the last
one: it shows on the list of what is missing.  The Korean programme's held classes are all marked and
signed."""

from __future__ import annotations

import random
from datetime import time, timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from projects.attendance import logs, services
from projects.attendance.models import AttendanceRecord, Mark, MarkSource

TOPICS = ("Shot sizes", "Editing rhythm", "Sound for video", "Colour correction", "AI image tools")
#: The topic of the demo's Korean classes (the flag, not this word, makes them count as Korean-class hours).
KOREAN_TOPIC = "직장 한국어"


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded`` (through ``projects.demo_loaded``)."""
    spring = cohorts.get(("AIVIDEO", "2026-1"))
    if spring is not None:
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
    _autumn(cohorts.get(("AIVIDEO", "2026-2")))
    _korean(cohorts.get(("KOREAN", "2026-2")))


def _autumn(cohort) -> None:
    """The autumn timetable and its weekly Korean class, the past sessions marked (one trainee often late) and
    their logs signed."""
    if cohort is None or not cohort.instructors:
        return
    teacher = cohort.instructors[0]
    services.generate_sessions(
        cohort, weekdays=range(5), starts=time(9), ends=time(13), room="302", topic="", instructor=teacher
    )
    services.generate_sessions(
        cohort,
        weekdays=[4],
        starts=time(14),
        ends=time(16),
        room="205",
        topic=KOREAN_TOPIC,
        instructor=teacher,
        korean=True,
    )
    _hold(cohort, teacher, leave_last=True)


def _korean(cohort) -> None:
    """The Korean programme's classes, each a Korean class, held so far marked and signed."""
    if cohort is None or not cohort.instructors:
        return
    teacher = cohort.instructors[0]
    services.generate_sessions(
        cohort,
        weekdays=[1, 3],
        starts=time(14),
        ends=time(17),
        room="205",
        topic=KOREAN_TOPIC,
        instructor=teacher,
        korean=True,
    )
    _hold(cohort, teacher, leave_last=False)


def _hold(cohort, teacher, *, leave_last: bool) -> None:
    """Marks for the cohort's sessions held so far and nobody marked yet (its last trainee often late), and
    their signed logs; with *leave_last*, the last held session keeps no log."""
    now = utcnow()
    past = [s for s in services.cohort_sessions(cohort.id) if s.ends_at <= now]
    trainees = services.trainees_of(cohort.id)
    pick = random.Random(16)
    for number, training in enumerate(past):
        if db.session.scalar(select(AttendanceRecord.id).where(AttendanceRecord.session_id == training.id)):
            continue
        for place, trainee in enumerate(trainees):
            mark = Mark.PRESENT
            if place == len(trainees) - 1 and number % 4 == 0:
                mark = Mark.LATE
            elif pick.random() < 0.03:
                mark = Mark.ABSENT
            arrived = None
            if mark is not Mark.ABSENT:
                arrived = training.starts_at + timedelta(
                    minutes=25 if mark is Mark.LATE else pick.randint(-10, 5)
                )
            db.session.add(
                AttendanceRecord(
                    session_id=training.id,
                    user_id=trainee.id,
                    mark=mark,
                    arrived_at=arrived,
                    source=MarkSource.ROLL_CALL,
                    marked_by_id=teacher.id,
                    marked_at=training.starts_at + timedelta(minutes=30),
                )
            )
        if not (leave_last and training is past[-1]):
            topic = training.topic or TOPICS[number % len(TOPICS)]
            logs.save_log(
                training,
                topic=topic,
                content=f"{topic}: demonstration, then practice in pairs.",
                remarks="",
                by=teacher,
                sign=True,
                now=training.ends_at,
            )
    db.session.flush()
