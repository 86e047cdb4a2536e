"""The rubric library: create, version, import and export rubrics, and attach them to projects.

A rubric's content only ever changes by adding a version; assessments keep
the version they were made with, so editing (or re-importing) a rubric never
rewrites a grade already given.  Instructors move a project's unfinished
assessments to a newer version explicitly (:func:`move_to_version`).
"""

from __future__ import annotations

import csv
import io
import logging
from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.programmes.models import Cohort, CohortInstructor
from lms.spreadsheets import safe_cell
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.coursework.models import Project
from projects.grading import rules as grading
from projects.grading.models import Assessment, MarkingStatus, Rubric, RubricVersion

log = logging.getLogger(__name__)

CRITERION_TEXT = ("title_ko", "title_en", "description_ko", "description_en")
LEVEL_TEXT = ("name_ko", "name_en", "description_ko", "description_en")
CSV_COLUMNS = (
    "criterion_id",
    "criterion_title_ko",
    "criterion_title_en",
    "criterion_description_ko",
    "criterion_description_en",
    "weight",
    "technical",
    "level_id",
    "level_name_ko",
    "level_name_en",
    "level_description_ko",
    "level_description_en",
    "points",
    "min_points",
    "max_points",
)


#: The bounds of a rubric's content (the builder, imports and the API's schema share them).
MAX_CRITERIA = 30
MAX_LEVELS = 10
ID_MAX = 64
TITLE_MAX = 200
DESCRIPTION_MAX = 2_000
NUMBER_MAX = 100_000


def normalise(data: dict) -> dict:
    """Check rubric content and return it in canonical form (ids filled in, numbers as strings).

    :raises ProjectError: ``bad_rubric``, with the ``problem`` and the criterion's place ``n`` and ``title``
        where they are known (``detail`` is for the log).
    """
    if not isinstance(data, dict):
        raise ProjectError("bad_rubric", detail="not a JSON object", problem="bad_shape")
    raw_criteria = _list_of_objects(data.get("criteria"))
    if len(raw_criteria) > MAX_CRITERIA:
        raise ProjectError("bad_rubric", problem="too_many_criteria", limit=MAX_CRITERIA)
    criteria = []
    for ci, raw in enumerate(raw_criteria, start=1):
        levels = []
        raw_levels = _list_of_objects(raw.get("levels"), n=ci)
        if len(raw_levels) > MAX_LEVELS:
            raise ProjectError("bad_rubric", problem="too_many_levels", n=ci, limit=MAX_LEVELS)
        for li, level in enumerate(raw_levels, start=1):
            entry = {key: str(level.get(key) or "").strip() for key in LEVEL_TEXT}
            entry["id"] = str(level.get("id") or f"c{ci}l{li}").strip()
            for key in ("points", "min_points", "max_points"):
                if level.get(key) not in (None, ""):
                    entry[key] = _number(level[key])
            levels.append(entry)
        criterion: dict[str, object] = {key: str(raw.get(key) or "").strip() for key in CRITERION_TEXT}
        criterion.update(
            id=str(raw.get("id") or f"c{ci}").strip(),
            weight=_number(raw.get("weight", 1) or 1),
            technical=bool(raw.get("technical")),
            levels=levels,
        )
        if not (criterion["title_ko"] or criterion["title_en"]):
            raise ProjectError("bad_rubric", detail=f"criterion {ci} has no title", problem="no_title", n=ci)
        _check_lengths(criterion, ci)
        criteria.append(criterion)
    clean = {"criteria": criteria}
    try:
        grading.rubric_from_dict(clean)
    except grading.GradingError as exc:
        raise _refusal(exc, criteria) from exc
    return clean


def _list_of_objects(value, n: int | None = None) -> list[dict]:
    """A list of JSON objects (criteria, or a criterion's levels); anything else is refused."""
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProjectError(
            "bad_rubric", detail="criteria and levels are lists of objects", problem="bad_shape", n=n
        )
    return value


def _check_lengths(criterion: dict, n: int) -> None:
    """Ids, titles, names and descriptions within their limits (refused, never cut)."""
    texts = [(criterion["id"], ID_MAX)] + [(criterion[k], TITLE_MAX) for k in ("title_ko", "title_en")]
    texts += [(criterion[k], DESCRIPTION_MAX) for k in ("description_ko", "description_en")]
    for level in criterion["levels"]:
        texts += [(level["id"], ID_MAX), (level["name_ko"], TITLE_MAX), (level["name_en"], TITLE_MAX)]
        texts += [(level["description_ko"], DESCRIPTION_MAX), (level["description_en"], DESCRIPTION_MAX)]
    for text, limit in texts:
        if len(text) > limit:
            raise ProjectError(
                "bad_rubric", detail=f"{len(text)} > {limit}", problem="text_too_long", n=n, limit=limit
            )


def _refusal(exc: grading.GradingError, criteria: list[dict]) -> ProjectError:
    """The pure core's verdict on a rubric as a refusal naming the criterion (by place and title) at fault.

    The core's own words stay in ``detail`` and the log: they are for developers.
    """
    log.info("rubric refused: %s", exc)
    where = next(
        ((n, c) for n, c in enumerate(criteria, start=1) if c["id"] == exc.params.get("criterion")), None
    )
    if where is None:
        return ProjectError("bad_rubric", detail=str(exc), problem=exc.code)
    n, criterion = where
    return ProjectError(
        "bad_rubric",
        detail=str(exc),
        problem=exc.code,
        n=n,
        level=exc.params.get("level"),
        title=criterion["title_ko"] or criterion["title_en"],
    )


def _number(value) -> str:
    """A point or weight value as canonical text: a finite number from -NUMBER_MAX to NUMBER_MAX (the core
    refuses negative ones with its own words)."""
    shown = str(value)[:40]
    try:
        number = Decimal(str(value).strip()) if isinstance(value, (str, int, float, Decimal)) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ProjectError(
            "bad_rubric", detail=f"not a number: {shown!r}", problem="not_a_number", value=shown
        )
    if abs(number) > NUMBER_MAX:
        raise ProjectError(
            "bad_rubric", detail=shown, problem="number_out_of_range", value=shown, limit=NUMBER_MAX
        )
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def core(version: RubricVersion) -> grading.Rubric:
    """The pure-core rubric for grading arithmetic."""
    return grading.rubric_from_dict(version.data)


def create_rubric(*, programme_id: int | None, title_ko: str, title_en: str, data: dict, by: User) -> Rubric:
    """A new rubric in a programme's library, with its first version."""
    if not (title_ko.strip() or title_en.strip()):
        raise ProjectError("rubric_title_missing")
    rubric = Rubric(
        programme_id=programme_id, title_ko=title_ko.strip(), title_en=title_en.strip(), created_by_id=by.id
    )
    rubric.versions.append(RubricVersion(number=1, data=normalise(data), created_by_id=by.id))
    db.session.add(rubric)
    db.session.flush()
    log.info("rubric %s created by user %s", rubric.id, by.id)
    return rubric


def save_rubric(rubric: Rubric, *, title_ko: str, title_en: str, data: dict, by: User) -> RubricVersion:
    """Rename the rubric and, when its content changed, add a version (earlier ones are never rewritten)."""
    if not (title_ko.strip() or title_en.strip()):
        raise ProjectError("rubric_title_missing")
    rubric.title_ko, rubric.title_en = title_ko.strip(), title_en.strip()
    clean = normalise(data)
    if clean != rubric.latest.data:
        rubric.versions.append(
            RubricVersion(number=rubric.latest.number + 1, data=clean, created_by_id=by.id)
        )
        log.info("rubric %s now at version %s", rubric.id, rubric.latest.number)
    db.session.flush()
    return rubric.latest


def library_for(user: User) -> list[Rubric]:
    """Rubrics the user may use: shared ones and those of the programmes they teach (admins: all)."""
    return list(db.session.scalars(library_query(user)))


def library_query(user: User):
    """:func:`library_for` as a ``select`` (versions loaded with it), to paginate."""
    stmt = select(Rubric).options(selectinload(Rubric.versions)).order_by(Rubric.title_ko, Rubric.id)
    if user.role is not Role.ADMIN:
        taught = select(Cohort.programme_id).join(CohortInstructor).where(CohortInstructor.user_id == user.id)
        stmt = stmt.where(or_(Rubric.programme_id.is_(None), Rubric.programme_id.in_(taught)))
    return stmt


def may_create_in(user: User, programme_id: int | None) -> bool:
    """Admins create anywhere; instructors only in the libraries of programmes they teach (not shared
    ones)."""
    if user.role is Role.ADMIN:
        return True
    if user.role is not Role.INSTRUCTOR or programme_id is None:
        return False
    taught = select(Cohort.programme_id).join(CohortInstructor).where(CohortInstructor.user_id == user.id)
    return programme_id in set(db.session.scalars(taught))


def can_edit(user: User, rubric: Rubric) -> bool:
    """Change or delete: admins any rubric, instructors those of the programmes they teach."""
    return rubric in library_for(user) and may_create_in(user, rubric.programme_id)


def to_json(rubric: Rubric, version: RubricVersion | None = None) -> dict:
    """Export (a version of) a rubric as JSON data that :func:`from_json` reads back."""
    version = version or rubric.latest
    return {
        "format": "gongbang-rubric",
        "format_version": 1,
        "title_ko": rubric.title_ko,
        "title_en": rubric.title_en,
        "version": version.number,
        **version.data,
    }


def from_json(payload: dict) -> tuple[str, str, dict]:
    """(title_ko, title_en, content) from exported JSON."""
    if not isinstance(payload, dict) or not isinstance(payload.get("criteria"), list):
        raise ProjectError(
            "bad_rubric", detail="expected a JSON object with a criteria list", problem="not_an_export"
        )
    return str(payload.get("title_ko") or ""), str(payload.get("title_en") or ""), normalise(payload)


def to_csv(version: RubricVersion) -> str:
    """One row per level; UTF-8 with a BOM so Excel reads Korean, cells made safe against formula
    injection."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for c in version.criteria:
        for level in c["levels"]:
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        c["id"],
                        c["title_ko"],
                        c["title_en"],
                        c["description_ko"],
                        c["description_en"],
                        c["weight"],
                        "yes" if c["technical"] else "",
                        level["id"],
                        level["name_ko"],
                        level["name_en"],
                        level["description_ko"],
                        level["description_en"],
                        level.get("points", ""),
                        level.get("min_points", ""),
                        level.get("max_points", ""),
                    )
                ]
            )
    return out.getvalue()


def from_csv(text: str) -> dict:
    """Rubric content from :func:`to_csv`'s format (a BOM and Excel's quoting are fine)."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or "criterion_id" not in rows[0]:
        raise ProjectError(
            "bad_rubric",
            detail="the first row must name the columns (criterion_id, ...)",
            problem="csv_header",
        )
    criteria: dict[str, dict] = {}
    for row in rows:
        row = {k: _unquote(v) for k, v in row.items() if k}
        cid = row.get("criterion_id") or f"c{len(criteria) + 1}"
        criterion = criteria.setdefault(
            cid,
            {
                "id": cid,
                "title_ko": row.get("criterion_title_ko", ""),
                "title_en": row.get("criterion_title_en", ""),
                "description_ko": row.get("criterion_description_ko", ""),
                "description_en": row.get("criterion_description_en", ""),
                "weight": row.get("weight") or 1,
                "technical": row.get("technical", "").lower() in ("yes", "y", "true", "1"),
                "levels": [],
            },
        )
        criterion["levels"].append(
            {
                "id": row.get("level_id"),
                "name_ko": row.get("level_name_ko", ""),
                "name_en": row.get("level_name_en", ""),
                "description_ko": row.get("level_description_ko", ""),
                "description_en": row.get("level_description_en", ""),
                "points": row.get("points"),
                "min_points": row.get("min_points"),
                "max_points": row.get("max_points"),
            }
        )
    return normalise({"criteria": list(criteria.values())})


def _unquote(value: str | None) -> str:
    value = (value or "").strip()
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def attach(project: Project, version: RubricVersion) -> None:
    """Grade *project* with *version* from now on (assessments already made keep theirs; peer review keeps
    marking with the old one once peer marks exist, through ``project_rubric_changing``)."""
    from projects.coursework.signals import project_rubric_changing

    if project.rubric_version_id != version.id:
        project_rubric_changing.send(project, before=project.rubric_version_id, after=version.id)
    project.rubric_version_id = version.id
    db.session.flush()


def move_to_version(project: Project, version: RubricVersion) -> int:
    """Move the project and its not-yet-finished assessments to *version*; returns how many moved.

    Assessments that are ready or released stay on the version they were graded with.
    """
    from projects.coursework.models import Submission

    attach(project, version)
    moved = 0
    for assessment in db.session.scalars(
        select(Assessment)
        .join(Submission)
        .where(
            Submission.project_id == project.id,
            Assessment.status.in_([MarkingStatus.NOT_STARTED, MarkingStatus.IN_PROGRESS]),
        )
    ):
        known = {c["id"] for c in version.criteria}
        assessment.rubric_version_id = version.id
        assessment.marks = {k: v for k, v in (assessment.marks or {}).items() if k in known}
        moved += 1
    db.session.flush()
    return moved


def delete_rubric(rubric: Rubric) -> None:
    """Remove a rubric no project or assessment uses (one in use stays: grades refer to it)."""
    from projects.coursework.models import Project
    from projects.coursework.signals import rubric_versions_used

    ids = [v.id for v in rubric.versions]
    used = (
        db.session.scalar(select(Project.id).where(Project.rubric_version_id.in_(ids)).limit(1))
        or db.session.scalar(select(Assessment.id).where(Assessment.rubric_version_id.in_(ids)).limit(1))
        or any(answer for _receiver, answer in rubric_versions_used.send(ids))
    )
    if used:
        raise ProjectError("rubric_in_use")
    db.session.delete(rubric)
    db.session.flush()
