"""Achievements the centre defines: their definitions (kinds, names and criteria in both languages, the
Open Badges type, NCS alignment) and the OB 3.0 ``Achievement`` each becomes in its credentials.

Who meets a definition, and its awards: :mod:`projects.credentials.achievements`.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from lms.users.models import User
from projects.common import ProjectError
from projects.coursework.models import Project
from projects.credentials import services as credentials
from projects.credentials.models import AchievementDefinition, AchievementKind
from projects.ncs import codes
from projects.ncs import services as ncs

log = logging.getLogger(__name__)

#: Open Badges 3.0's ``achievementType`` values offered (its vocabulary has more; these fit a centre).
ACHIEVEMENT_TYPES = (
    "Achievement",
    "Assessment",
    "Assignment",
    "Badge",
    "Certificate",
    "Competency",
    "Course",
    "License",
    "MicroCredential",
)
#: The type a new definition of each kind starts with.
DEFAULT_TYPES = {
    AchievementKind.PROJECT_PASSED: "Achievement",
    AchievementKind.COMPETENCY_SHOWN: "Competency",
    AchievementKind.KOREAN_STAGE: "Certificate",
}
#: The Korean scales and the levels each has (the Korean domain's rules; it sits above credentials).
KOREAN_LEVELS = {"kiip": range(0, 6), "topik": range(1, 7)}
NAME_MAX, TEXT_MAX, ALIGNMENT_MAX = 200, 4000, 10


# -- definitions -----------------------------------------------------------------------------------------


def definitions(
    active_only: bool = False, kind: AchievementKind | None = None
) -> list[AchievementDefinition]:
    stmt = select(AchievementDefinition).order_by(AchievementDefinition.id)
    if active_only:
        stmt = stmt.where(AchievementDefinition.active.is_(True))
    if kind is not None:
        stmt = stmt.where(AchievementDefinition.kind == kind)
    return list(db.session.scalars(stmt))


def _text(value: str | None, limit: int, code: str = "too_long") -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ProjectError(code, limit=limit)
    return value


def save_definition(definition: AchievementDefinition | None, by: User, **fields) -> AchievementDefinition:
    """Create (*definition* None) or change a definition from plain values: ``kind``, ``name_ko``,
    ``name_en``, ``description_ko``, ``description_en``, ``criteria_ko``, ``criteria_en``,
    ``achievement_type``, ``project_id``, ``pass_percent``, ``ncs_unit`` (a code or prefix),
    ``criterion_title``, ``korean_scale``, ``korean_level``, ``alignment`` (codes in one text) and ``active``.
    A kind's fields are kept only for that kind.

    :raises ProjectError: ``name_missing``, ``too_long``, ``achievement_type_unknown``,
        ``achievement_project_missing``, ``achievement_pass_mark``, ``achievement_competency_missing``,
        ``ncs_bad_code``, ``ncs_unknown_unit``, ``ncs_too_many_units``, ``achievement_korean_level``.
    """
    kind = AchievementKind(fields.get("kind") or AchievementKind.PROJECT_PASSED.value)
    name_ko = _text(fields.get("name_ko"), NAME_MAX)
    if not name_ko:
        raise ProjectError("name_missing")
    achievement_type = (fields.get("achievement_type") or DEFAULT_TYPES[kind]).strip()
    if achievement_type not in ACHIEVEMENT_TYPES:
        raise ProjectError("achievement_type_unknown")
    values: dict = {
        "kind": kind,
        "name_ko": name_ko,
        "name_en": _text(fields.get("name_en"), NAME_MAX),
        "description_ko": _text(fields.get("description_ko"), TEXT_MAX),
        "description_en": _text(fields.get("description_en"), TEXT_MAX),
        "criteria_ko": _text(fields.get("criteria_ko"), TEXT_MAX),
        "criteria_en": _text(fields.get("criteria_en"), TEXT_MAX),
        "achievement_type": achievement_type,
        "project_id": None,
        "pass_percent": None,
        "ncs_unit_id": None,
        "criterion_title": "",
        "korean_scale": None,
        "korean_level": None,
        "alignment": _alignment(fields.get("alignment") or ""),
        "active": bool(fields.get("active", True)),
    }
    if kind is AchievementKind.PROJECT_PASSED:
        project = db.session.get(Project, fields.get("project_id") or 0)
        if project is None:
            raise ProjectError("achievement_project_missing")
        percent = fields.get("pass_percent")
        if not isinstance(percent, int) or not 1 <= percent <= 100:
            raise ProjectError("achievement_pass_mark")
        values.update(project_id=project.id, pass_percent=percent)
    elif kind is AchievementKind.COMPETENCY_SHOWN:
        code = (fields.get("ncs_unit") or "").strip()
        title = _text(fields.get("criterion_title"), NAME_MAX)
        if code:
            values["ncs_unit_id"] = _unit(code).id
        elif title:
            values["criterion_title"] = title
        else:
            raise ProjectError("achievement_competency_missing")
    else:
        scale, level = fields.get("korean_scale"), fields.get("korean_level")
        if scale not in KOREAN_LEVELS or not isinstance(level, int) or level not in KOREAN_LEVELS[scale]:
            raise ProjectError("achievement_korean_level")
        values.update(korean_scale=scale, korean_level=level)
    if definition is None:
        definition = AchievementDefinition(created_by_id=by.id)
        db.session.add(definition)
    for name, value in values.items():
        setattr(definition, name, value)
    definition.updated_at = utcnow()
    db.session.flush()
    log.info("achievement %s saved by user %s", definition.id, by.id)
    return definition


def _unit(code: str):
    if codes.prefix_of(code) is None:
        raise ProjectError("ncs_bad_code", unit=code[:40])
    unit = ncs.unit_for(code)
    if unit is None:
        raise ProjectError("ncs_unknown_unit", unit=code[:40])
    return unit


def _alignment(text: str) -> list[str]:
    """The prefixes of the NCS units typed (codes or prefixes), each once, in order."""
    prefixes: list[str] = []
    for code in codes.split_codes(text):
        prefix = _unit(code).prefix
        if prefix not in prefixes:
            prefixes.append(prefix)
    if len(prefixes) > ALIGNMENT_MAX:
        raise ProjectError("ncs_too_many_units", count=ALIGNMENT_MAX)
    return prefixes


def alignment_text(definition: AchievementDefinition) -> str:
    """The aligned units' current codes, as the form shows them."""
    return ", ".join(u.code for u in _aligned_units(definition))


def _aligned_units(definition: AchievementDefinition) -> list:
    from projects.ncs.models import NcsUnit

    prefixes = list(definition.alignment or [])
    if definition.ncs_unit_id is not None:
        unit = db.session.get(NcsUnit, definition.ncs_unit_id)
        if unit is not None and unit.prefix not in prefixes:
            prefixes.insert(0, unit.prefix)
    if not prefixes:
        return []
    found = {u.prefix: u for u in db.session.scalars(select(NcsUnit).where(NcsUnit.prefix.in_(prefixes)))}
    return [found[p] for p in prefixes if p in found]


def unit_code(definition: AchievementDefinition) -> str:
    from projects.ncs.models import NcsUnit

    unit = db.session.get(NcsUnit, definition.ncs_unit_id) if definition.ncs_unit_id else None
    return unit.code if unit is not None else ""


# -- the credential's Achievement ----------------------------------------------------------------------------


def definition_achievement(definition: AchievementDefinition) -> dict:
    """The definition as an OB 3.0 ``Achievement``: its stable address, type, both languages, criteria,
    and NCS alignment."""
    name = credentials.both_languages(definition.name_ko, definition.name_en)
    description = credentials.both_languages(definition.description_ko, definition.description_en)
    narrative = "\n".join(t for t in (definition.criteria_ko.strip(), definition.criteria_en.strip()) if t)
    units = [
        {"code": u.code, "name_ko": u.name_ko, "name_en": u.name_en, "url": ncs.unit_url(u)}
        for u in _aligned_units(definition)
    ]
    return {
        "id": credentials.achievement_definition_id(definition.id),
        "type": ["Achievement"],
        "achievementType": definition.achievement_type,
        "name": name,
        "description": description or name,
        "criteria": {"narrative": narrative or name},
        "alignment": ncs.ob_alignment(units),
    }


def projects_for_form() -> list[Project]:
    """The projects an achievement may name, newest first."""
    return list(db.session.scalars(select(Project).order_by(Project.id.desc()).limit(500)))
