"""Time the allocation of a peer-review round: 300 trainees, 3 reviews each (issue 21's figure).

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/peer.py [--trainees 300] [--reviews 3] [--runs 5] [--team-share 0.2]

Two measurements, medians of ``--runs``:

- **core**: :func:`projects.peer.allocation.allocate` alone, on works of which ``--team-share`` are teams of
  2–4 (the rest single trainees), every author also a reviewer; checked after each run: nobody reviews their
  own or their team's work, everyone gets their share, the counts differ by at most one.
- **round**: :func:`projects.peer.services.allocate_reviews` on a fresh SQLite instance with that many
  trainees who handed in (what an instructor's click pays: loading the works, the calibration check, the
  allocation and inserting the reviews; the notices to the reviewers are a background task queued after the
  commit, not timed here), then the same call again (nothing new: what a re-run costs).

The reference, measured in the same run: a plain random assignment of the same number of pairs (shuffle and
deal, no rules), the least any allocation can cost; the ratio says what the rules add.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from projects.peer.allocation import allocate  # noqa: E402

GOAL_S = 2.0


def cohort(trainees: int, team_share: float, rng: random.Random) -> dict[int, list[int]]:
    authors, person, work = {}, 0, 1
    while person < trainees:
        size = rng.choice([2, 3, 4]) if rng.random() < team_share else 1
        size = min(size, trainees - person)
        authors[work] = list(range(person, person + size))
        person += size
        work += 1
    return authors


def naive(authors: dict[int, list[int]], reviewers: list[int], per: int, rng: random.Random) -> list:
    works = list(authors)
    pairs = []
    for reviewer in reviewers:
        pairs += [(reviewer, w) for w in rng.sample(works, per)]
    return pairs


def check(authors, reviewers, per, result) -> None:
    for reviewer, work in result.pairs:
        assert reviewer not in authors[work]
    assert all(len(result.works_of(r)) == per for r in reviewers)
    counts = result.counts(authors).values()
    assert max(counts) - min(counts) <= 1, (max(counts), min(counts))


def core(args) -> tuple[float, float]:
    times, reference = [], []
    for run in range(args.runs):
        rng = random.Random(run)
        authors = cohort(args.trainees, args.team_share, rng)
        reviewers = list(range(args.trainees))
        start = time.perf_counter()
        naive(authors, reviewers, args.reviews, rng)
        reference.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = allocate(authors, reviewers, args.reviews, seed=run)
        times.append(time.perf_counter() - start)
        check(authors, reviewers, args.reviews, result)
    return statistics.median(times), statistics.median(reference)


def round_trip(args) -> tuple[float, float]:
    """(first allocation, re-run) seconds through the service, on SQLite."""
    os.environ["LMS_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="gongbang-bench-peer-")
    from lms import create_app
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.users.models import Role, User
    from projects.coursework import services, submissions
    from projects.grading import rubrics
    from projects.peer import services as peer

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40, "MAIL_BACKEND": "none"})
    with app.app_context(), app.test_request_context("/"):
        db.create_all()
        teacher = User(email="t@bench.example", name="Teacher", role=Role.INSTRUCTOR)
        people = [
            User(email=f"p{i}@bench.example", name=f"Trainee {i}", role=Role.TRAINEE)
            for i in range(args.trainees)
        ]
        db.session.add_all([teacher, *people])
        db.session.flush()
        programme = programmes.create_programme(code="B", name_ko="벤치", name_en="Bench")
        today = utcnow().date()
        cohort_ = programmes.create_cohort(
            programme, code="B1", name="B1", start_date=today, end_date=today + timedelta(days=90)
        )
        programmes.assign_instructor(cohort_, teacher)
        for person in people:
            programmes.enrol_trainee(cohort_, person)
        rubric = rubrics.create_rubric(
            programme_id=None,
            title_ko="r",
            title_en="r",
            data={
                "criteria": [
                    {"id": "a", "title_en": "A", "levels": [{"id": "x", "name_en": "X", "points": 1}]}
                ]
            },
            by=teacher,
        )
        project = services.create_project(
            cohort_, teacher, title_en="Bench", title_ko="벤치", due_at=utcnow() + timedelta(days=3)
        )
        services.save_deliverable(project, name_en="Note", kind="text")
        services.publish_project(project)
        rubrics.attach(project, rubric.latest)
        for person in people:
            submission = submissions.submission_for(project, person, create=True)
            submissions.save_answer(submission, project.deliverables[0], text="x")
            submissions.save_declarations(submission, ai_used=False)
            submissions.submit(submission, person, statement_accepted=True)
        peer.configure(project, teacher, enabled=True, reviews_each=args.reviews)
        db.session.commit()
        start = time.perf_counter()
        made = peer.allocate_reviews(project, teacher, seed=1)
        db.session.commit()
        first = time.perf_counter() - start
        assert made == args.trainees * args.reviews, made
        start = time.perf_counter()
        assert peer.allocate_reviews(project, teacher, seed=1) == 0
        db.session.commit()
        again = time.perf_counter() - start
    return first, again


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--reviews", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--team-share", type=float, default=0.2)
    args = parser.parse_args()
    median, reference = core(args)
    print(
        f"{args.trainees} trainees x {args.reviews} reviews, {args.runs} runs, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"core allocation: median {median * 1000:.1f} ms; random dealing {reference * 1000:.2f} ms; "
        f"ratio {median / reference:.0f}x; goal < {GOAL_S:.0f} s -> {'OK' if median < GOAL_S else 'MISSED'}"
    )
    first, again = round_trip(args)
    print(
        f"round through the service (SQLite): first {first:.2f} s, re-run {again:.2f} s; "
        f"goal < {GOAL_S:.0f} s -> {'OK' if first < GOAL_S else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
