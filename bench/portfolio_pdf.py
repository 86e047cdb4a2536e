"""Time and measure the portfolio's PDF download against its ZIP download (issue 17's PDF portfolio).

Run from the repository root (not part of the test suite; it needs WeasyPrint and the fonts)::

    .venv/bin/python bench/portfolio_pdf.py [--items 30] [--runs 7]

On a fresh SQLite instance: one trainee's portfolio of ``--items`` published items, each a released, graded
film (one short H.264 clip, made with the bundled ffmpeg and processed as an upload is, handed in again per
project, so every item has a poster) with a Korean and an English reflection of about 600 characters, and the
trainee's completion credential (one QR code).  Each round downloads, as the signed-in trainee through the
test client (the whole request: loading, rendering, writing the bytes):

- **pdf**: ``GET /portfolio/export.pdf``;
- **zip**, the reference: ``GET /portfolio/export.zip``, the offline bundle of the same portfolio (it streams
  the stored files, so it is what a download costs without rendering).

After a warm-up round (WeasyPrint's import and fontconfig's cache are paid there), ``--runs`` rounds run
each download in turn, the PDF first in odd rounds and the ZIP first in even ones; the medians of the wall
time and of the process's CPU time (less swayed by other processes on a busy machine) and the ratio of the
wall medians are printed, with the load average.  Peak RSS is measured per kind in a forked child that does
one download: the child resets its peak (``/proc/self/clear_refs``), so ``VmHWM`` minus the ``VmRSS`` it
started from is what that download added on top of the loaded app.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "bench-password-1234"
REFLECTION_KO = "이 영상에서 조명과 구도를 계획하고, 촬영 후 색 보정을 했습니다. " * 12
REFLECTION_EN = "I planned the light and the framing, shot the scenes and graded the colour afterwards. " * 7


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def clip(directory: str) -> bytes:
    """A 3-second 320x240 H.264/AAC clip (what the tests' fixtures make)."""
    from media.ffmpeg import ffmpeg_exe

    path = Path(directory) / "clip.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
         "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path.read_bytes()


def build(items: int, directory: str):
    """The trainee and their portfolio of *items* published films; returns the trainee's e-mail."""
    from lms.auth.services import hasher
    from lms.db import utcnow
    from lms.extensions import db
    from lms.programmes import services as programmes
    from lms.users.models import Role, User
    from media import services as media_services
    from projects.completions import services as completions
    from projects.coursework import services, submissions
    from projects.credentials import services as credentials
    from projects.grading import rubrics
    from projects.grading import services as marking
    from projects.grading.models import MarkingStatus
    from projects.portfolios import services as portfolios
    from projects.portfolios.models import Visibility

    password = hasher().hash(PASSWORD)
    instr = User(email="i@bench.example", name="Instructor", role=Role.INSTRUCTOR, locale="ko")
    trainee = User(
        email="t@bench.example", name="응우옌 티 마이", role=Role.TRAINEE, locale="ko", password_hash=password
    )
    db.session.add_all([instr, trainee])
    db.session.flush()
    programme = programmes.create_programme(code="B", name_ko="영상 제작", name_en="Video production")
    today = utcnow().date()
    cohort = programmes.create_cohort(
        programme, code="B1", name="B1", start_date=today - timedelta(days=90), end_date=today
    )
    programmes.enrol_trainee(cohort, trainee)
    programmes.assign_instructor(cohort, instr)
    video = media_services.register_upload(
        trainee, io.BytesIO(clip(directory)), filename="cut.mp4", declared_type="video/mp4", spec={}
    )
    media_services.process_media(video)
    assert video.rendition("poster") is not None, video.problems
    rubric = rubrics.create_rubric(
        programme_id=programme.id,
        title_ko="영상 평가",
        title_en="Film rubric",
        data={
            "criteria": [
                {
                    "id": "story",
                    "title_en": "Shot planning",
                    "title_ko": "촬영 구성",
                    "levels": [{"id": "good", "name_en": "Good", "points": 5}],
                }
            ]
        },
        by=instr,
    )
    portfolio = portfolios.portfolio_of(trainee, create=True)
    for n in range(items):
        project = services.create_project(
            cohort, instr, title_en=f"Film {n}", title_ko=f"영상 {n}", due_at=utcnow() + timedelta(days=7)
        )
        deliverable = services.save_deliverable(
            project, name_en="Final cut", name_ko="최종본", kind="video", spec={}
        )
        services.publish_project(project)
        rubrics.attach(project, rubric.latest)
        submission = submissions.submission_for(project, trainee, create=True)
        submissions.attach_upload(submission, deliverable, video)
        submissions.save_declarations(submission, ai_used=True, ai_tools="Suno (music)", ai_generated="music")
        attempt = submissions.submit(submission, trainee, statement_accepted=True)
        assessment = marking.start_assessment(submission, instr)
        marking.save_assessment(
            assessment,
            expected_version=assessment.version,
            marks={"story": {"level_id": "good"}},
            feedback="",
            status=MarkingStatus.READY,
            by=instr,
        )
        marking.release([assessment], instr)
        item = portfolios.add_item(portfolio, attempt.id)
        portfolios.update_item(
            item,
            title_ko=f"가게 홍보 영상 {n}",
            title_en=f"Shop promo {n}",
            reflection_ko=REFLECTION_KO,
            reflection_en=REFLECTION_EN,
        )
        portfolios.set_published(item, True)
    portfolios.update_portfolio(portfolio, headline_ko="영상 편집자", visibility=Visibility.STAFF)
    completion = completions.mark_completion(trainee, cohort, today, instr)
    credentials.issue_for_completion(completion)
    db.session.commit()
    return trainee.email


def download(client, url: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, bytes) of one download of *url*."""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(url)
    data = response.get_data()
    response.close()
    took, used = time.perf_counter() - start, time.process_time() - cpu
    assert response.status_code == 200, (url, response.status_code)
    return took, used, len(data)


def peak_of(client, url: str) -> tuple[int, int]:
    """(VmRSS at the start, VmHWM at the end) in KiB of a forked child doing one download of *url*."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reset the peak, download once, report
        os.close(read)
        try:
            Path("/proc/self/clear_refs").write_text("5")
            base = status_kib("VmRSS")
            download(client, url)
            os.write(write, f"{base} {status_kib('VmHWM')}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    base, peak = (int(v) for v in text.split())
    return base, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    directory = tempfile.mkdtemp(prefix="gongbang-bench-portfolio-pdf-")
    os.environ["LMS_INSTANCE_PATH"] = directory
    from lms import create_app, pdf
    from lms.extensions import db

    if not pdf.available():
        print("WeasyPrint is not available here: nothing to measure")
        return 1
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-" + "x" * 40,
            "MAIL_BACKEND": "none",
            "CELERY_ALWAYS_EAGER": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        with app.test_request_context("/"):
            email = build(args.items, directory)
    client = app.test_client()
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    urls = {"pdf": "/portfolio/export.pdf", "zip": "/portfolio/export.zip"}
    sizes = {kind: download(client, url)[2] for kind, url in urls.items()}  # warm-up
    times: dict[str, list[float]] = {"pdf": [], "zip": []}
    cpu: dict[str, list[float]] = {"pdf": [], "zip": []}
    for run in range(args.runs):
        for kind in ("pdf", "zip") if run % 2 == 0 else ("zip", "pdf"):
            took, used, _size = download(client, urls[kind])
            times[kind].append(took)
            cpu[kind].append(used)
    peaks = {kind: peak_of(client, url) for kind, url in urls.items()}
    pdf_m, zip_m = statistics.median(times["pdf"]), statistics.median(times["zip"])
    print(f"{args.items} items, {args.runs} runs, load {os.getloadavg()[0]:.1f}")
    for kind, median in (("pdf", pdf_m), ("zip", zip_m)):
        base, peak = peaks[kind]
        print(
            f"{kind}: median {ms(median)} (range {ms(min(times[kind]))}-{ms(max(times[kind]))}), "
            f"CPU {ms(statistics.median(cpu[kind]))}, {sizes[kind] / 1024:.0f} KiB; "
            f"peak RSS {peak / 1024:.0f} MiB, +{(peak - base) / 1024:.0f} MiB "
            f"over the loaded app's {base / 1024:.0f} MiB"
        )
    print(f"pdf / zip: {pdf_m / zip_m:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
