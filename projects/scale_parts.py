"""What :mod:`projects.scale` builds from: the national rubric, project titles, hand-in shares, a few stored
images and every grade the rubric allows."""

from __future__ import annotations

import io
from decimal import Decimal

from PIL import Image

from media.services import get_storage
from projects.grading import rubrics
from projects.grading import rules as grading

#: The deliverables' columns, in the order of the rows ``load`` builds.
DELIVERABLE_COLUMNS = [
    "id",
    "project_id",
    "position",
    "name_ko",
    "name_en",
    "kind",
    "spec",
    "required",
    "guidance_ko",
    "guidance_en",
]

#: The key image's brief on every generated project.
IMAGE_SPEC = {"max_size_bytes": 20_000_000}

RUBRIC = {
    "criteria": [
        {
            "id": "idea",
            "title_ko": "기획과 구성",
            "title_en": "Idea and structure",
            "weight": "2",
            "levels": [
                {"id": f"idea{p}", "name_ko": f"{p}점", "name_en": f"{p} points", "points": str(p)}
                for p in range(0, 5)
            ],
        },
        {
            "id": "tech",
            "title_ko": "기술 요건",
            "title_en": "Technical brief",
            "technical": True,
            "levels": [
                {"id": f"tech{p}", "name_ko": f"{p}점", "name_en": f"{p} points", "points": str(p)}
                for p in range(0, 3)
            ],
        },
    ]
}
TITLES = [
    ("홍보 영상", "Promo film"),
    ("인터뷰 영상", "Interview"),
    ("제품 사진", "Product photos"),
    ("숏폼 티저", "Short-form teaser"),
    ("브이로그", "Vlog"),
    ("데이터 시각화", "Data visualisation"),
    ("업무 자동화 보고서", "Automation report"),
    ("한국어 발표", "Korean presentation"),
]
#: Share of submissions handed in when the project is past due, and before.
HANDED_IN_PAST, HANDED_IN_FUTURE = 0.9, 0.15
#: Of the work handed in on past projects: graded and released, graded and ready.
RELEASED, READY = 0.45, 0.1


def _shared_images(count: int = 3) -> list[tuple[str, str, int, int, int]]:
    """A few small JPEGs stored once: (storage key, sha256, size, width, height)."""
    storage, out = get_storage(), []
    for i in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (320, 180), ((60 * i) % 256, 120, 200 - 40 * i)).save(buffer, "JPEG", quality=80)
        buffer.seek(0)
        stored = storage.save_stream(buffer)
        out.append((stored.key, stored.sha256, stored.size, 320, 180))
    return out


def _grade_table(version) -> list[tuple[dict, Decimal]]:
    """Every (marks, grade) the rubric allows, computed once by the real arithmetic."""
    core, table = rubrics.core(version), []
    for idea in range(0, 5):
        for tech in range(0, 3):
            marks = {
                "idea": {"level_id": f"idea{idea}", "points": str(idea), "comment": "", "auto": False},
                "tech": {"level_id": f"tech{tech}", "points": str(tech), "comment": "", "auto": False},
            }
            result = grading.grade(
                core, [grading.Mark(c, m["level_id"], m["points"]) for c, m in marks.items()]
            )
            table.append((marks, result.final))
    return table[5:]  # nobody in the demo scores 0 for the idea


def _programme_of(cohorts: dict, project: tuple) -> int:
    return cohorts[project[1]][2]
