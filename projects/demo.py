"""Demo projects for ``lms demo``: a brief for the AI video course, ready to try (idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.db import utcnow
from lms.extensions import db
from projects import services
from projects.models import Project

BRIEF_KO = """지역 소상공인 한 곳을 골라 **30초~3분** 길이의 홍보 영상을 만드세요.

- 가게와 사람을 직접 촬영한 장면을 최소 세 개 넣으세요.
- 생성형 AI 도구(음악, 내레이션, 이미지)를 써도 됩니다. 쓴 도구는 제출할 때 밝히세요.
- 영상에 나오는 사람에게 출연 동의를 받으세요.
"""
BRIEF_EN = """Choose a small local business and make a promotional film of **30 s to 3 min**.

- Include at least three shots you filmed yourself of the shop and its people.
- You may use generative AI tools (music, voice-over, images); declare them when you hand in.
- Ask everyone who appears for their consent.
"""


def load(cohorts: dict, people: dict) -> None:
    """Receiver of ``lms.signals.demo_loaded``."""
    cohort = cohorts.get(("AIVIDEO", "2026-2"))
    instructor = people.get("instructor@demo.gongbang.kr")
    if cohort is None or instructor is None:
        return
    if db.session.scalar(select(Project.id).where(Project.cohort_id == cohort.id)) is not None:
        return
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    promo = services.create_project(
        cohort, instructor, title_ko="우리 동네 가게 홍보 영상", title_en="Promo film for a local shop",
        brief_ko=BRIEF_KO, brief_en=BRIEF_EN, outcomes="촬영 구성 / Shot planning\n편집과 색 보정 / Editing and colour\n"
        "AI 도구의 책임 있는 사용 / Responsible use of AI tools",
        due_at=now + timedelta(days=14), cutoff_at=now + timedelta(days=21), max_attempts=3)
    services.save_deliverable(promo, name_ko="완성 영상", name_en="Final film", kind="video",
                              spec={"min_duration": 30, "max_duration": 180, "min_width": 1280, "min_height": 720,
                                    "require_audio": True, "max_size_bytes": 2_000_000_000})
    services.save_deliverable(promo, name_ko="대표 스틸컷", name_en="Key still", kind="image", required=False,
                              spec={"min_width": 1280})
    services.save_deliverable(promo, name_ko="연출 노트", name_en="Director's note", kind="text")
    services.publish_project(promo)
    teaser = services.create_project(
        cohort, instructor, title_ko="15초 숏폼 티저", title_en="15-second short-form teaser",
        brief_ko="세로 영상(9:16)으로 15초 티저를 만드세요.", brief_en="Make a 15-second vertical (9:16) teaser.",
        due_at=now + timedelta(days=30), team_mode=True)
    services.save_deliverable(teaser, name_ko="티저 영상", name_en="Teaser", kind="video",
                              spec={"max_duration": 15, "min_height": 1280})
