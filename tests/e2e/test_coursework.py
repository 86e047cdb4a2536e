"""Coursework end to end in Chromium: publish a brief, hand in work, build a rubric, grade, release,
read feedback.
"""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta

import pytest

from media.ffmpeg import ffmpeg_exe
from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import shot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def _clip(path, seconds: int, size: str, audio: bool) -> None:
    args = [
        ffmpeg_exe(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=25:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    subprocess.run(
        args
        + [
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


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e-clips")
    silent, film = folder / "silent-short.mp4", folder / "promo-film.mp4"
    _clip(silent, 3, "640x360", audio=False)
    _clip(film, 31, "1280x720", audio=True)
    return {"silent": silent, "film": film}


@pytest.fixture
def page_for(browser):
    contexts = []

    def make(locale="ko-KR", phone=False):
        context = browser.new_context(
            locale=locale, **(PHONE if phone else {"viewport": {"width": 1280, "height": 900}})
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()


def test_instructor_publishes_and_a_phone_upload_shows_reasons_in_korean(server, page_for, clips):
    staff = page_for("ko-KR")
    sign_in(staff, server, "instructor@demo.gongbang.kr")  # 김서연 reads Korean
    staff.goto(server + "/projects/new")
    staff.get_by_role("link", name=re.compile("AI 기반 영상 제작 · 2026년 2기")).first.click()
    staff.get_by_label("제목(한국어)").fill("자기소개 영상")
    staff.get_by_label("제목(영어)").fill("Self-introduction video")
    staff.get_by_label("과제 설명(영어)").fill("Introduce yourself in **30 to 90 seconds**, with sound.")
    due = (datetime.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    staff.locator("#due_at").fill(due)
    staff.get_by_role("button", name="과제 저장").click()
    staff.get_by_role("button", name="제출물 추가").click()
    staff.get_by_label("이름(한국어)").fill("소개 영상")
    staff.get_by_label("이름(영어)").fill("Introduction")
    staff.get_by_label("종류").select_option("video")
    staff.get_by_label("최소 길이(초)").fill("30")
    staff.get_by_label("소리 필수").check()
    staff.get_by_role("button", name="제출물 저장").click()
    staff.get_by_role("button", name="기수에 게시").click()
    staff.get_by_role("button", name="기수에 게시").click()  # the step that says how many trainees it reaches
    assert "게시됨" in staff.locator("main").inner_text()
    shot(staff, "instructor-project-published")

    phone = page_for("ko-KR", phone=True)
    sign_in(phone, server, "dilnoza@demo.gongbang.kr")
    phone.get_by_role("link", name="자기소개 영상").first.click()
    phone.get_by_role("button", name="과제 작업하기").click()
    phone.locator("input[type=file]").first.set_input_files(str(clips["silent"]))
    phone.locator("[data-upload-submit]").first.click()
    # The upload finishes, the page reloads with the file being checked, then again with the outcome.
    phone.wait_for_selector(".problems li", timeout=60_000)
    reasons = phone.locator(".problems").first.inner_text()
    assert "소리" in reasons and "30" in reasons, reasons
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "trainee-phone-rejected-ko")


def test_grade_with_a_timed_comment_release_and_read_it_in_korean(server, page_for, clips):
    trainee = page_for("ko-KR")
    sign_in(trainee, server, "dilnoza@demo.gongbang.kr")
    trainee.get_by_role("link", name="우리 동네 가게 홍보 영상").first.click()
    trainee.get_by_role("button", name="과제 작업하기").click()
    trainee.locator("input[type=file]").first.set_input_files(str(clips["film"]))
    trainee.locator("[data-upload-submit]").first.click()
    trainee.wait_for_selector("text=적합한 파일:", timeout=90_000)
    trainee.locator("textarea[name=text]").fill("시장 상인의 하루를 따라가며 찍었습니다.")
    trainee.locator("form[action$='/answer'] button[type=submit]").last.click()
    trainee.get_by_label("이 작업에 AI 도구를 사용했나요?").select_option("yes")
    trainee.get_by_label("어떤 도구인가요?").fill("Suno")
    trainee.locator("#declarations button[type=submit], #declarations input[type=submit]").click()
    trainee.locator("#hand-in input[type=checkbox]").check()
    trainee.locator("#hand-in button[type=submit]").click()
    assert "접수증" in trainee.locator("main").inner_text()

    staff = page_for("ko-KR")
    sign_in(staff, server, "instructor@demo.gongbang.kr")
    staff.goto(server + "/projects/rubrics/new")
    staff.locator("input[name=title_en]").fill("Promo film rubric")
    staff.locator("input[name=title_ko]").fill("홍보 영상 평가")
    staff.locator("input[name='c0-title_en']").fill("Storytelling")
    staff.locator("input[name='c0-title_ko']").fill("이야기 구성")
    for j, (ko, en, points) in enumerate(
        [("부족", "Weak", "0"), ("좋음", "Good", "6"), ("훌륭함", "Great", "10")]
    ):
        staff.locator(f"input[name='c0-l{j}-name_ko']").fill(ko)
        staff.locator(f"input[name='c0-l{j}-name_en']").fill(en)
        staff.locator(f"input[name='c0-l{j}-points']").fill(points)
    staff.get_by_role("button", name="루브릭 저장").click()
    assert "1판" in staff.locator("main").inner_text()
    staff.goto(server + "/projects/")
    staff.get_by_role("link", name="우리 동네 가게 홍보 영상").first.click()
    project_url = staff.url
    staff.locator("main").get_by_role("link", name="루브릭", exact=True).click()
    staff.locator("select[name=rubric_id]").select_option(label="홍보 영상 평가 (v1)")
    staff.get_by_role("button", name="이 루브릭 사용").click()
    staff.goto(project_url + "/submissions")
    staff.locator("table").get_by_role("link", name="성적", exact=True).first.click()
    grading_url = staff.url
    staff.wait_for_selector("video[data-grading-video]")
    staff.locator("[data-comment-seconds]").fill("12.5")
    staff.locator("textarea[name=text]").fill("이 장면의 조명이 아주 좋아요.")
    staff.get_by_role("button", name="이 장면에 의견 달기").click()
    assert "0:12" in staff.locator(".timed-comments").inner_text()

    # A second grader opens the same form, the first saves, the second's save is refused with both
    # versions shown.
    other = page_for("ko-KR")
    sign_in(other, server, "instructor@demo.gongbang.kr")
    other.goto(grading_url)
    staff.locator("label.level", has_text="훌륭함").first.click()
    staff.locator("textarea[name=feedback]").fill("Clear story and good light.")
    staff.locator("select[name=status]").select_option("ready")
    staff.get_by_role("button", name="평가 저장").click()
    assert "평가를 저장했습니다." in staff.locator("main").inner_text()
    other.locator("label.level").nth(1).click()
    other.locator("textarea[name=feedback]").fill("다른 평가자의 의견")
    other.locator("form:has(input[name=version]) button[type=submit]").click()
    conflict = other.locator(".conflict").inner_text()
    assert "덮어쓴 내용은 없습니다" in conflict and "Clear story and good light." in conflict
    shot(other, "grader-conflict-ko")

    staff.goto(grading_url)
    staff.get_by_role("button", name="훈련생에게 공개").click()
    trainee.goto(project_url.replace(server, server) + "/feedback")
    body = trainee.locator("main").inner_text()
    assert "내 성적: 100 / 100" in body and "Clear story and good light." in body, body
    assert "이 장면의 조명이 아주 좋아요." in body
    trainee.locator("[data-seek]").first.click()
    assert trainee.evaluate("document.querySelector('video').currentTime") >= 12
    shot(trainee, "trainee-feedback-ko")
    trainee.goto(server + "/notifications")
    assert "성적이 공개되었습니다" in trainee.locator("main").inner_text()


def test_scrub_strip_under_the_player_seeks(server, page_for, clips):
    page = page_for("en-US")
    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/media/check")
    page.locator("input[type=file]").set_input_files(str(clips["film"]))
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(re.compile(r"/media/\d+$"), timeout=60_000)
    page.wait_for_selector(".scrub-frame", timeout=60_000)
    frames = page.locator(".scrub-frame")
    assert frames.count() == 7  # 31 s at one frame per 5 s
    frames.nth(3).click()
    assert page.evaluate("document.querySelector('video').currentTime") >= 13
    shot(page, "scrub-strip")
