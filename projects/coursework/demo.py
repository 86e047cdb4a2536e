"""Demo projects for ``lms demo``: briefs for the AI video course, ready to try, and one earlier project with
Dilnoza's film handed in (idempotent).  The grading, portfolio and completion demos build on that film."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lms.db import utcnow
from lms.extensions import db
from projects.coursework import services
from projects.coursework.models import Attempt, Project, Submission

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
        cohort,
        instructor,
        title_ko="우리 동네 가게 홍보 영상",
        title_en="Promo film for a local shop",
        brief_ko=BRIEF_KO,
        brief_en=BRIEF_EN,
        outcomes="촬영 구성 / Shot planning\n편집과 색 보정 / Editing and colour\n"
        "AI 도구의 책임 있는 사용 / Responsible use of AI tools",
        due_at=now + timedelta(days=14),
        cutoff_at=now + timedelta(days=21),
        max_attempts=3,
    )
    services.save_deliverable(
        promo,
        name_ko="완성 영상",
        name_en="Final film",
        kind="video",
        spec={
            "min_duration": 30,
            "max_duration": 180,
            "min_width": 1280,
            "min_height": 720,
            "require_audio": True,
            "max_size_bytes": 2_000_000_000,
        },
    )
    services.save_deliverable(
        promo,
        name_ko="대표 스틸컷",
        name_en="Key still",
        kind="image",
        required=False,
        spec={"min_width": 1280},
    )
    services.save_deliverable(promo, name_ko="연출 노트", name_en="Director's note", kind="text")
    services.publish_project(promo)
    teaser = services.create_project(
        cohort,
        instructor,
        title_ko="15초 숏폼 티저",
        title_en="15-second short-form teaser",
        brief_ko="세로 영상(9:16)으로 15초 티저를 만드세요.",
        brief_en="Make a 15-second vertical (9:16) teaser.",
        due_at=now + timedelta(days=30),
        team_mode=True,
    )
    services.save_deliverable(
        teaser,
        name_ko="티저 영상",
        name_en="Teaser",
        kind="video",
        spec={"max_duration": 15, "min_height": 1280},
    )
    # An earlier project, handed in, graded and released: the work Dilnoza's portfolio is made from (the
    # promo film above stays open for trying the hand-in and grading).
    sketch = services.create_project(
        cohort,
        instructor,
        title_ko="골목 시장 스케치",
        title_en=SKETCH_TITLE_EN,
        brief_ko="동네 가게 한 곳의 하루를 30초~3분 영상으로 담으세요.",
        brief_en="Film a day in one local shop, 30 seconds to 3 minutes.",
        due_at=now + timedelta(hours=1),
    )
    services.save_deliverable(
        sketch,
        name_ko="완성 영상",
        name_en="Final film",
        kind="video",
        spec={"min_duration": 30, "max_duration": 180, "require_audio": True},
    )
    services.save_deliverable(sketch, name_ko="연출 노트", name_en="Director's note", kind="text")
    services.publish_project(sketch)
    _hand_in_sketch(people, sketch)
    # Dated back: the project closed three weeks ago and the film was handed in the day before. Attempts are
    # immutable records, so demo data moves their dates with plain UPDATEs, not through the ORM.
    sketch.opens_at, sketch.due_at = now - timedelta(days=35), now - timedelta(days=21)
    handed_in = now - timedelta(days=22)
    ours = select(Submission.id).where(Submission.project_id == sketch.id)
    db.session.execute(
        update(Attempt)
        .where(Attempt.submission_id.in_(ours))
        .values(submitted_at=handed_in, due_at=sketch.due_at)
    )
    db.session.execute(
        update(Submission).where(Submission.project_id == sketch.id).values(last_submitted_at=handed_in)
    )


SKETCH_TITLE_EN = "Market street sketch"


def sketch_project(cohorts: dict):
    """The earlier, closed demo project whose handed-in film the other demos grade and publish."""
    cohort = cohorts.get(("AIVIDEO", "2026-2"))
    if cohort is None:
        return None
    return db.session.scalar(
        select(Project).where(Project.cohort_id == cohort.id, Project.title_en == SKETCH_TITLE_EN)
    )


def _demo_film(path) -> None:
    """A 31-second 720p clip with sound (FFmpeg's test pattern): the promo brief's minimum."""
    import subprocess

    from media.ffmpeg import ffmpeg_exe

    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=25:duration=31",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=31",
            "-c:a",
            "aac",
            "-shortest",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "35",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=300,
    )


def _hand_in_sketch(people: dict, sketch) -> None:
    """Dilnoza's film and note for *sketch*, checked and handed in."""
    import tempfile
    from pathlib import Path

    from media import services as media_services
    from projects.coursework import submissions

    trainee = people.get("dilnoza@demo.gongbang.kr")
    if trainee is None:
        return
    film, note = sketch.deliverables[0], sketch.deliverables[1]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "promo.mp4"
        _demo_film(path)
        with open(path, "rb") as fh:
            media = media_services.register_upload(
                trainee, fh, filename="우리동네빵집_홍보.mp4", declared_type="video/mp4", spec=film.media_spec
            )
    # Checked here rather than by the worker: the attempt needs an accepted file now.
    media_services.process_media(media_services.start_processing(media.id))
    submission = submissions.submission_for(sketch, trainee, create=True)
    submissions.attach_upload(submission, film, media)
    submissions.save_answer(submission, note, text="아침 7시 빵이 나오는 순간을 중심으로 구성했습니다.")
    submissions.save_declarations(
        submission,
        ai_used=True,
        ai_tools="Suno (배경 음악 / background music)",
        ai_generated="배경 음악 / the background music",
        people=[{"name": "박정희 (빵집 사장님)", "consent": "given"}],
    )
    submissions.submit(submission, trainee, statement_accepted=True)
