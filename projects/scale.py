"""The projects plugin's part of ``lms demo --scale``: projects, teams, submissions, attempts, grades.

One bulk pass over coursework's and grading's tables (the rows reference each other: a project its rubric
version, an assessment its submission), so it sits at the plugin level beside ``checks`` and ``privacy``.

Receiver of :data:`lms.signals.scale_loaded`; writes with the core's :class:`lms.scale.Bulk` (COPY on
PostgreSQL) and never builds ORM objects for the big tables.  Every cohort gets ``projects_per_cohort``
individual projects (each trainee has a submission on each, so 50,000 trainees x 20 = 1,000,000 submissions)
and one team project.  Work handed in points at a handful of small images stored once: the metadata is
national-sized, the disk is not.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from lms.extensions import db
from lms.notifications.models import Notification
from lms.users.models import User
from media.models import MediaFile
from projects.coursework.models import (
    Attempt,
    AttemptItem,
    Deliverable,
    DraftItem,
    Extension,
    Project,
    Submission,
    Team,
    TeamMember,
)
from projects.grading import rubrics
from projects.grading.models import Assessment
from projects.scale_parts import (
    DELIVERABLE_COLUMNS,
    HANDED_IN_FUTURE,
    HANDED_IN_PAST,
    IMAGE_SPEC,
    READY,
    RELEASED,
    RUBRIC,
    TITLES,
    _grade_table,
    _programme_of,
    _shared_images,
)


def load(scale, bulk, now: datetime, seed: int, cohorts: dict, trainees: dict, instructors: dict) -> None:  # noqa: C901
    """Receiver of ``lms.signals.scale_loaded``: bulk-add the coursework of every cohort."""
    rng = random.Random(seed + 1)
    author = db.session.get(User, next(iter(instructors.values())))
    versions = {}
    for programme_id in sorted({p for _s, _e, p in cohorts.values()}):
        rubric = rubrics.create_rubric(
            programme_id=programme_id,
            title_ko="전국 공통 루브릭",
            title_en="National rubric",
            data=RUBRIC,
            by=author,
        )
        versions[programme_id] = rubric.latest
    db.session.flush()
    grades = {pid: _grade_table(v) for pid, v in versions.items()}
    images = _shared_images()
    T = {
        m.__tablename__: m.__table__
        for m in (
            Project,
            Deliverable,
            Team,
            TeamMember,
            Submission,
            Attempt,
            AttemptItem,
            DraftItem,
            MediaFile,
            Assessment,
            Notification,
            Extension,
        )
    }
    ids = {name: bulk.next_id(table) for name, table in T.items() if "id" in table.c}

    # Projects and their two deliverables (an image and an optional note); the last one of a cohort is team
    # work.
    projects = []  # (project id, cohort id, due, team mode, image deliverable id, rubric version id, title)
    project_rows, deliverable_rows = [], []
    for cid, (start, _end, programme_id) in cohorts.items():
        for k in range(scale.projects_per_cohort + 1):
            pid, did = ids["projects_projects"], ids["projects_deliverables"]
            ids["projects_projects"] += 1
            ids["projects_deliverables"] += 2
            title_ko, title_en = TITLES[k % len(TITLES)]
            due = datetime.combine(start, datetime.min.time(), now.tzinfo) + timedelta(
                days=7 * (k + 1), hours=14, minutes=59
            )
            team = k == scale.projects_per_cohort
            version = versions[programme_id]
            projects.append((pid, cid, due, team, did, version.id, title_ko, title_en))
            project_rows.append(
                (
                    pid,
                    cid,
                    f"{title_ko} {k + 1}",
                    f"{title_en} {k + 1}",
                    "",
                    "",
                    "",
                    due - timedelta(days=14),
                    due,
                    due + timedelta(days=7),
                    3,
                    team,
                    version.id,
                    Decimal(100),
                    "none",
                    Decimal(0),
                    Decimal(0),
                    False,
                    "published",
                    instructors[cid],
                    now,
                    now,
                )
            )
            deliverable_rows += [
                (did, pid, 0, "대표 이미지", "Key image", "image", IMAGE_SPEC, True, "", ""),
                (did + 1, pid, 1, "작업 노트", "Notes", "text", {}, False, "", ""),
            ]
    bulk.insert(
        T["projects_projects"],
        [
            "id",
            "cohort_id",
            "title_ko",
            "title_en",
            "brief_ko",
            "brief_en",
            "outcomes",
            "opens_at",
            "due_at",
            "cutoff_at",
            "max_attempts",
            "team_mode",
            "rubric_version_id",
            "max_grade",
            "late_policy",
            "late_percent",
            "late_floor",
            "self_assessment",
            "status",
            "created_by_id",
            "created_at",
            "published_at",
        ],
        project_rows,
    )
    bulk.insert(
        T["projects_deliverables"],
        DELIVERABLE_COLUMNS,
        deliverable_rows,
    )
    del project_rows, deliverable_rows

    # Teams of five on each cohort's team project.
    team_rows, member_rows, owners = [], [], {}
    for pid, cid, _due, team, *_rest in projects:
        if not team:
            continue
        members = trainees[cid]
        owners[pid] = []
        for n, at in enumerate(range(0, len(members), scale.team_size)):
            tid = ids["projects_teams"]
            ids["projects_teams"] += 1
            team_rows.append((tid, pid, f"팀 {n + 1} / Team {n + 1}"))
            member_rows += [(tid, uid, pid) for uid in members[at : at + scale.team_size]]
            owners[pid].append((None, tid, members[at]))
    bulk.insert(T["projects_teams"], ["id", "project_id", "name"], team_rows)
    bulk.insert(T["projects_team_members"], ["team_id", "user_id", "project_id"], member_rows)
    del team_rows, member_rows

    # Submissions first (one per trainee or team and project); what was handed in is decided here, once.
    handed = []  # (submission id, project tuple, user id or None, team id or None, submitter, late, at)

    def submissions():
        for project in projects:
            pid, cid, due, team, *_rest = project
            past = due < now
            for uid, tid, submitter in owners.get(pid) or [(u, None, u) for u in trainees[cid]]:
                sid = ids["projects_submissions"]
                ids["projects_submissions"] += 1
                done = rng.random() < (HANDED_IN_PAST if past else HANDED_IN_FUTURE)
                late = done and past and rng.random() < 0.1
                at = min(
                    now,
                    due + timedelta(hours=rng.randint(1, 48))
                    if late
                    else due - timedelta(hours=rng.randint(1, 96)),
                )
                if done:
                    handed.append((sid, project, uid, tid, submitter, late, at))
                yield (
                    sid,
                    pid,
                    uid,
                    tid,
                    "submitted" if done else "draft",
                    bool(done),
                    "",
                    "",
                    [],
                    1 if done else 0,
                    late,
                    at if done else None,
                    at - timedelta(days=3),
                    at,
                )

    bulk.insert(
        T["projects_submissions"],
        [
            "id",
            "project_id",
            "user_id",
            "team_id",
            "status",
            "ai_used",
            "ai_tools",
            "ai_generated",
            "people",
            "attempt_count",
            "last_late",
            "last_submitted_at",
            "created_at",
            "updated_at",
        ],
        submissions(),
    )

    # One media row per hand-in, all pointing at the few stored images (as uploads of identical files do).
    first_media, first_attempt = ids["media_files"], ids["projects_attempts"]
    bulk.insert(
        T["media_files"],
        [
            "id",
            "owner_id",
            "sha256",
            "size_bytes",
            "storage_key",
            "original_name",
            "declared_type",
            "spec",
            "status",
            "kind",
            "problems",
            "info",
            "attempts",
            "poster_chosen",
            "created_at",
            "processed_at",
            "version",
        ],
        (
            (
                first_media + i,
                submitter,
                img[1],
                img[2],
                img[0],
                f"work-{sid}.jpg",
                "image/jpeg",
                {"kinds": ["image"]},
                "ready",
                "image",
                [],
                {"width": img[3], "height": img[4], "format": "jpeg"},
                1,
                False,
                at,
                at,
                1,
            )
            for i, (sid, _p, _u, _t, submitter, _l, at) in enumerate(handed)
            for img in [images[i % len(images)]]
        ),
    )
    bulk.insert(
        T["projects_attempts"],
        [
            "id",
            "submission_id",
            "number",
            "submitted_by_id",
            "submitted_at",
            "due_at",
            "late",
            "statement_accepted",
            "ai_used",
            "ai_tools",
            "ai_generated",
            "people",
        ],
        (
            (first_attempt + i, sid, 1, submitter, at, project[2], late, True, True, "Photoshop", "", [])
            for i, (sid, project, _u, _t, submitter, late, at) in enumerate(handed)
        ),
    )
    bulk.insert(
        T["projects_attempt_items"],
        [
            "id",
            "attempt_id",
            "deliverable_id",
            "position",
            "media_id",
            "file_name",
            "size_bytes",
            "sha256",
            "link_url",
            "text",
        ],
        (
            (
                ids["projects_attempt_items"] + i,
                first_attempt + i,
                project[4],
                0,
                first_media + i,
                f"work-{sid}.jpg",
                images[i % len(images)][2],
                images[i % len(images)][1],
                "",
                "",
            )
            for i, (sid, project, *_rest) in enumerate(handed)
        ),
    )
    bulk.insert(
        T["projects_draft_items"],
        ["id", "submission_id", "deliverable_id", "media_id", "link_url", "text"],
        (
            (ids["projects_draft_items"] + i, sid, project[4], first_media + i, "", "")
            for i, (sid, project, *_rest) in enumerate(handed)
        ),
    )

    # Grades on past projects, released ones announced to their trainee.
    graded = []

    def assessments():
        aid = ids["projects_assessments"]
        for i, (sid, project, uid, _tid, _submitter, _late, at) in enumerate(handed):
            if project[2] >= now:
                continue
            draw = rng.random()
            if draw >= RELEASED + READY:
                continue
            marks, grade = rng.choice(grades[_programme_of(cohorts, project)])
            released = draw < RELEASED
            if released and uid is not None:
                graded.append((uid, project, sid, at))
            yield (
                aid,
                sid,
                "grader",
                project[5],
                first_attempt + i,
                marks,
                "",
                "released" if released else "ready",
                grade,
                Decimal(0),
                instructors[project[1]],
                at + timedelta(days=3),
                at + timedelta(days=4) if released else None,
                1,
            )
            aid += 1

    bulk.insert(
        T["projects_assessments"],
        [
            "id",
            "submission_id",
            "kind",
            "rubric_version_id",
            "attempt_id",
            "marks",
            "feedback",
            "status",
            "grade",
            "penalty",
            "grader_id",
            "updated_at",
            "released_at",
            "version",
        ],
        assessments(),
    )
    bulk.insert(
        T["notifications"],
        ["id", "user_id", "text_ko", "text_en", "url", "created_at", "read_at"],
        (
            (
                ids["notifications"] + i,
                uid,
                f"“{p[6]}” 성적이 공개되었습니다.",
                f"Your grade for “{p[7]}” is released.",
                f"/projects/{p[0]}/feedback",
                at + timedelta(days=4),
                at + timedelta(days=5) if i % 3 else None,
            )
            for i, (uid, p, _sid, at) in enumerate(graded)
        ),
    )
    # An extension for the first trainee of every fourth project.
    bulk.insert(
        T["projects_extensions"],
        [
            "id",
            "project_id",
            "user_id",
            "team_id",
            "due_at",
            "cutoff_at",
            "reason",
            "granted_by_id",
            "created_at",
        ],
        (
            (
                ids["projects_extensions"] + n,
                p[0],
                trainees[p[1]][0],
                None,
                p[2] + timedelta(days=7),
                p[2] + timedelta(days=14),
                "병가 / Sick leave",
                instructors[p[1]],
                p[2] - timedelta(days=1),
            )
            for n, p in enumerate(
                p for i, p in enumerate(projects) if i % 4 == 0 and not p[3] and trainees[p[1]]
            )
        ),
    )
    bulk.finish(*(table for table in T.values() if "id" in table.c))
