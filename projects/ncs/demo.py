"""Demo NCS units for ``lms demo``: the shipped sample units (``data/sample_units.csv``, sample data, not the
official standard), and the demo projects' rubric criteria mapped to them by the words of their English
titles (idempotent; after the grading demo, before the portfolios refresh their competencies)."""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import select

from lms.extensions import db
from projects.coursework.models import Project
from projects.grading.models import RubricVersion
from projects.ncs import importing
from projects.ncs import services as ncs
from projects.ncs.models import NcsUnit

#: A word of a criterion's English title -> the sample unit it shows.
WORDS = {
    "story": "0803020101",
    "plan": "0803020101",
    "shot": "0803020102",
    "camera": "0803020102",
    "edit": "0803020103",
    "craft": "0803020103",
    "sound": "0803020104",
    "audio": "0803020104",
    "caption": "0803020105",
    "subtitle": "0803020105",
}


def load(cohorts: dict, people: dict) -> None:
    """Receiver step of ``lms.signals.demo_loaded`` (run in :data:`projects.DOMAINS` order)."""
    if db.session.scalar(select(NcsUnit.id).limit(1)) is not None:
        return
    ncs.import_units(
        importing.parse_units_csv((files("projects.ncs") / "data" / "sample_units.csv").read_bytes())
    )
    instructor = people.get("instructor@demo.gongbang.kr")
    if instructor is None:
        return
    for project in db.session.scalars(select(Project).where(Project.rubric_version_id.is_not(None))):
        wanted = {}
        for criterion in db.session.get(RubricVersion, project.rubric_version_id).criteria:
            title = (criterion.get("title_en") or "").casefold()
            found = sorted({prefix for word, prefix in WORDS.items() if word in title})
            if found:
                wanted[("criterion", criterion["id"])] = found
        if wanted:
            ncs.save_mappings(project, instructor, wanted)
