"""NCS units and mappings: import units, map a project's outcomes and rubric criteria, and read coverage.

A trainee *shows* a unit when a released grader assessment gave a criterion mapped to it at least
:data:`SHOWN_SHARE` of its points (the same rule as the portfolio's competencies).  Services ``flush()``;
the request edge commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from flask import current_app
from sqlalchemy import ColumnElement, delete, or_, select

from lms.db import utcnow
from lms.extensions import db
from lms.programmes.services import teaches_trainee
from lms.users.models import Role, User
from projects.common import ProjectError
from projects.coursework.models import Project, Submission, TeamMember
from projects.grading import rubrics
from projects.grading import rules as grading
from projects.grading.models import Assessment, AssessmentKind, MarkingStatus, RubricVersion
from projects.ncs import codes
from projects.ncs.importing import Parsed
from projects.ncs.models import NcsMapping, NcsUnit

#: A criterion shows its units from this share of its points: the portfolio's ``COMPETENCY_SHARE`` (a test
#: keeps the two equal; ncs sits below portfolios and cannot import it).
SHOWN_SHARE = Decimal("0.75")
CRITERION, OUTCOME = "criterion", "outcome"
#: Where an alignment points when the instance sets no ``NCS_UNIT_URL`` (``{code}``, ``{prefix}`` filled).
DEFAULT_UNIT_URL = "https://www.ncs.go.kr/unity/th03/ncsSearchMain.do?searchKeyword={prefix}"
MAX_UNITS_PER_TARGET = 10


# -- units ---------------------------------------------------------------------------------------------


def import_units(parsed: Parsed) -> tuple[int, int]:
    """Write the units of a checked file (the caller refuses a file with errors); returns (added, updated).

    A unit already here (same 10-digit prefix) takes the file's issue, names, level and elements."""
    if parsed.errors:
        raise ProjectError("ncs_import_has_errors")
    existing = {
        u.prefix: u
        for u in db.session.scalars(
            select(NcsUnit).where(NcsUnit.prefix.in_([u.prefix for u in parsed.units]))
        )
    }
    added = updated = 0
    for row in parsed.units:
        unit = existing.get(row.prefix)
        if unit is None:
            unit = NcsUnit(prefix=row.prefix)
            db.session.add(unit)
            added += 1
        else:
            updated += 1
        unit.code, unit.name_ko, unit.name_en, unit.level = row.code, row.name_ko, row.name_en, row.level
        unit.elements, unit.updated_at = list(row.elements), utcnow()
    db.session.flush()
    return added, updated


def units_query(query: str = ""):
    """Units whose code starts with *query* or whose name (either language) holds it, by code."""
    stmt = select(NcsUnit)
    query = (query or "").strip()[:100]
    if query:
        digits = query.split("_")[0][:10]
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        found: list[ColumnElement[bool]] = [
            NcsUnit.name_ko.ilike(like, escape="\\"),
            NcsUnit.name_en.ilike(like, escape="\\"),
        ]
        if digits.isdigit():
            found.append(NcsUnit.prefix.startswith(digits))
        stmt = stmt.where(or_(*found))
    return stmt.order_by(NcsUnit.prefix)


def unit_for(code: str) -> NcsUnit | None:
    """The unit a full code or a 10-digit prefix names (any issue of it), or None."""
    prefix = codes.prefix_of(code)
    return db.session.scalar(select(NcsUnit).where(NcsUnit.prefix == prefix)) if prefix else None


def unit_url(unit: NcsUnit) -> str:
    """Where a reader looks the unit up (the national portal unless the instance says otherwise)."""
    template = current_app.config.get("NCS_UNIT_URL") or DEFAULT_UNIT_URL
    return template.format(code=unit.code, prefix=unit.prefix)


# -- mappings --------------------------------------------------------------------------------------------


def targets(project: Project) -> list[dict]:
    """What of *project* can be mapped: its outcomes (one per line) and its rubric's criteria, each with the
    units mapped now: ``{"kind", "ref", "title_ko", "title_en", "units"}``."""
    found: list[dict] = []
    lines = [line.strip() for line in (project.outcomes or "").splitlines()]
    for number, line in enumerate(lines, start=1):
        if line:
            found.append({"kind": OUTCOME, "ref": str(number), "title_ko": line, "title_en": ""})
    # By id: ``attach`` sets the id only, and the relationship may still hold the version before.
    version = db.session.get(RubricVersion, project.rubric_version_id) if project.rubric_version_id else None
    for criterion in version.criteria if version is not None else []:
        found.append(
            {
                "kind": CRITERION,
                "ref": criterion["id"],
                "title_ko": criterion.get("title_ko") or "",
                "title_en": criterion.get("title_en") or "",
            }
        )
    mapped = mappings(project)
    for target in found:
        target["units"] = [m.unit for m in mapped if (m.kind, m.ref) == (target["kind"], target["ref"])]
    return found


def mappings(project: Project) -> list[NcsMapping]:
    """The project's mappings for its outcomes and its current rubric version."""
    return list(
        db.session.scalars(
            select(NcsMapping)
            .where(
                NcsMapping.project_id == project.id,
                or_(
                    NcsMapping.kind == OUTCOME,
                    NcsMapping.rubric_version_id == project.rubric_version_id,
                ),
            )
            .order_by(NcsMapping.id)
        )
    )


def save_mappings(project: Project, by: User, wanted: dict[tuple[str, str], list[str]]) -> int:
    """Set the units of each ``(kind, ref)`` in *wanted* to the codes given (full codes or prefixes); a
    target not in *wanted* keeps its units.  All or nothing: an unknown target or code refuses the lot.
    Returns how many mappings the project has now."""
    known = {(t["kind"], t["ref"]) for t in targets(project)}
    resolved: dict[tuple[str, str], list[NcsUnit]] = {}
    for target, typed in wanted.items():
        if target not in known:
            raise ProjectError("ncs_unknown_target", target=target[1])
        chosen: dict[int, NcsUnit] = {}
        for code in typed:
            if codes.prefix_of(code) is None:
                raise ProjectError("ncs_bad_code", unit=code[:30])
            found = unit_for(code)
            if found is None:
                raise ProjectError("ncs_unknown_unit", unit=code[:30])
            chosen.setdefault(found.id, found)
        if len(chosen) > MAX_UNITS_PER_TARGET:
            raise ProjectError("ncs_too_many_units", count=MAX_UNITS_PER_TARGET)
        resolved[target] = list(chosen.values())
    for (kind, ref), units in resolved.items():
        version_id = project.rubric_version_id if kind == CRITERION else None
        db.session.execute(
            delete(NcsMapping).where(
                NcsMapping.project_id == project.id,
                NcsMapping.kind == kind,
                NcsMapping.ref == ref,
                NcsMapping.rubric_version_id.is_(None)
                if version_id is None
                else NcsMapping.rubric_version_id == version_id,
            )
        )
        for unit in units:
            db.session.add(
                NcsMapping(
                    project_id=project.id,
                    rubric_version_id=version_id,
                    kind=kind,
                    ref=ref,
                    unit_id=unit.id,
                    created_by_id=by.id,
                )
            )
    db.session.flush()
    return len(mappings(project))


def units_for_criterion(project_id: int, rubric_version_id: int, criterion_id: str) -> list[NcsUnit]:
    """The units a criterion of an assessment's rubric version is mapped to in its project.

    A criterion keeps its id from one rubric version to the next, so a version mapped to nothing borrows
    the mapping of the project's latest mapped version of that criterion."""
    rows = list(
        db.session.scalars(
            select(NcsMapping)
            .where(
                NcsMapping.project_id == project_id,
                NcsMapping.kind == CRITERION,
                NcsMapping.ref == criterion_id,
            )
            .order_by(NcsMapping.rubric_version_id.desc(), NcsMapping.id)
        )
    )
    exact = [m.unit for m in rows if m.rubric_version_id == rubric_version_id]
    if exact or not rows:
        return exact
    latest = rows[0].rubric_version_id
    return [m.unit for m in rows if m.rubric_version_id == latest]


# -- coverage --------------------------------------------------------------------------------------------


def shown_criteria(assessment: Assessment) -> Iterator[tuple[dict, Decimal]]:
    """``(criterion, share)`` for each criterion of *assessment* given at least :data:`SHOWN_SHARE` of its
    points (unmarked or unreadable marks show nothing)."""
    core = rubrics.core(assessment.rubric_version)
    for criterion in assessment.rubric_version.criteria:
        mark = (assessment.marks or {}).get(criterion["id"]) or {}
        if not (mark.get("level_id") or mark.get("points") not in (None, "")):
            continue
        pure = core.criterion(criterion["id"])
        try:
            points = grading.criterion_points(
                pure, grading.Mark(criterion["id"], mark.get("level_id"), mark.get("points"))
            )
        except grading.GradingError:
            continue
        share = points / pure.max_points if pure.max_points else Decimal(0)
        if share >= SHOWN_SHARE:
            yield criterion, share


def released_assessments(user: User, project_id: int | None = None) -> list[Assessment]:
    """The grader assessments released to *user* (their own work and their teams')."""
    teams = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    stmt = (
        select(Assessment)
        .join(Submission, Submission.id == Assessment.submission_id)
        .where(
            or_(Submission.user_id == user.id, Submission.team_id.in_(teams)),
            Assessment.kind == AssessmentKind.GRADER,
            Assessment.status == MarkingStatus.RELEASED,
        )
        .order_by(Assessment.released_at, Assessment.id)
    )
    if project_id is not None:
        stmt = stmt.where(Submission.project_id == project_id)
    return list(db.session.scalars(stmt))


def coverage(user: User, project_id: int | None = None) -> list[dict]:
    """The units *user* showed, by code: ``{"unit", "evidence": [{"project", "criterion_id", "title_ko",
    "title_en", "share", "released_at"}]}``."""
    found: dict[int, dict] = {}
    for assessment in released_assessments(user, project_id):
        project = assessment.submission.project
        for criterion, share in shown_criteria(assessment):
            for unit in units_for_criterion(project.id, assessment.rubric_version_id, criterion["id"]):
                entry = found.setdefault(unit.id, {"unit": unit, "evidence": []})
                entry["evidence"].append(
                    {
                        "project": project,
                        "criterion_id": criterion["id"],
                        "title_ko": criterion.get("title_ko") or "",
                        "title_en": criterion.get("title_en") or "",
                        "share": float(round(share, 4)),
                        "released_at": assessment.released_at,
                    }
                )
    return sorted(found.values(), key=lambda e: e["unit"].prefix)


def can_see_coverage(viewer: User, trainee: User) -> bool:
    """The trainee, admins, and instructors of one of the trainee's cohorts."""
    if viewer.id == trainee.id or viewer.role is Role.ADMIN:
        return True
    return viewer.role is Role.INSTRUCTOR and teaches_trainee(viewer, trainee)


def coverage_data(user: User) -> list[dict]:
    """Coverage as plain data (the API and the personal-data download)."""
    return [
        {
            "code": entry["unit"].code,
            "name_ko": entry["unit"].name_ko,
            "name_en": entry["unit"].name_en,
            "level": entry["unit"].level,
            "evidence": [
                {
                    "project_id": e["project"].id,
                    "project_ko": e["project"].title_ko,
                    "project_en": e["project"].title_en,
                    "criterion_id": e["criterion_id"],
                    "criterion_ko": e["title_ko"],
                    "criterion_en": e["title_en"],
                    "share": e["share"],
                    "released_at": e["released_at"].isoformat() if e["released_at"] else None,
                }
                for e in entry["evidence"]
            ],
        }
        for entry in coverage(user)
    ]


# -- other domains' uses ---------------------------------------------------------------------------------


def competency_labels(assessment: Assessment, criterion: dict) -> list[tuple[str, str, str]]:
    """``(key, label_ko, label_en)`` of the units a shown criterion is mapped to (empty when none): the
    portfolio's competencies, and so the employer search, use these instead of the criterion's title.
    The key is the unit's prefix, so every issue of a unit and every project mapped to it is one
    competency."""
    units = units_for_criterion(
        assessment.submission.project_id, assessment.rubric_version_id, criterion["id"]
    )
    return [
        # The portfolio keeps labels of up to 200 characters: the name gives way, never the code.
        (
            f"ncs {u.prefix}",
            f"{u.name_ko[:175]} (NCS {u.code})",
            f"{(u.name_en or u.name_ko)[:175]} (NCS {u.code})",
        )
        for u in units
    ]


def alignments_for(user: User, project: Project | None = None, cohort_id: int | None = None) -> list[dict]:
    """The units *user* showed (in *project*, or in the cohort's projects, or anywhere):
    ``[{"code", "name_ko", "name_en", "url"}]`` by code — what a credential aligns to."""
    entries = coverage(user, project.id if project is not None else None)
    if cohort_id is not None:
        entries = [e for e in entries if any(ev["project"].cohort_id == cohort_id for ev in e["evidence"])]
    units = [entry["unit"] for entry in entries]
    return [{"code": u.code, "name_ko": u.name_ko, "name_en": u.name_en, "url": unit_url(u)} for u in units]


def ob_alignment(alignments: Iterable[dict]) -> list[dict]:
    """:func:`alignments_for` as Open Badges 3.0 ``Alignment`` objects."""
    return [
        {
            "type": ["Alignment"],
            "targetName": f"{a['name_ko']} ({a['name_en']})" if a["name_en"] else a["name_ko"],
            "targetUrl": a["url"],
            "targetCode": a["code"],
            "targetFramework": "NCS (National Competency Standards, Korea)",
            "targetType": "ceasn:Competency",
        }
        for a in alignments
    ]
