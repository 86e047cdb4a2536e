"""Captions end to end in Chromium: a brief asks for Korean captions, a trainee on a phone adds an SRT and
fixes a line's time in the editor, the hand-in waits for the track, the instructor reads and searches the
transcript while grading; hostile caption files get their reasons and nothing in them runs.

The pieces are tested alone elsewhere (the parser in ``tests/media/test_captions.py``, the routes in
``tests/media/test_caption_routes.py``, the editor's script on a routed page in
``tests/media/test_caption_editor.py``, the rule in ``tests/projects/test_caption_requirements.py``); here
they run together on the real server, the pages in Korean as the demo people read them.
"""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from media.ffmpeg import ffmpeg_exe
from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import shot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TITLE_KO, TITLE_EN = "자막 연습 영상", "Caption practice film"

SRT = """1
00:00:00,500 --> 00:00:02,000
안녕하세요, 저는 딜노자입니다.

2
00:00:02,500 --> 00:00:04,000
시장에서 일하는 사람들을 찍었습니다.

3
00:00:04,000 --> 00:00:05,500
감사합니다.
"""


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    """Six seconds of picture and sound, small enough to upload in a moment."""
    path = tmp_path_factory.mktemp("e2e-captions") / "market-film.mp4"
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
            "testsrc2=size=640x360:rate=25:duration=6",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=6",
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
        timeout=120,
    )
    return path


@pytest.fixture
def page_for(browser):
    """``page_for(locale, phone=False)``: a page whose dialogs, script errors and console errors are recorded
    in ``page.incidents`` (a hostile caption must set off none)."""
    contexts = []

    def make(locale="ko-KR", phone=False):
        context = browser.new_context(
            locale=locale, **(PHONE if phone else {"viewport": {"width": 1280, "height": 900}})
        )
        contexts.append(context)
        page = context.new_page()
        page.incidents = []
        page.on(
            "dialog", lambda dialog: (page.incidents.append(f"dialog: {dialog.message}"), dialog.dismiss())
        )
        page.on("pageerror", lambda exc: page.incidents.append(f"script error: {exc}"))
        page.on(
            "console",
            lambda message: (
                page.incidents.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def _brief_asking_for_korean_captions(page, server):
    sign_in(page, server, "instructor@demo.gongbang.kr")
    page.goto(server + "/projects/new")
    page.get_by_role("link", name=re.compile("AI 기반 영상 제작 · 2026년 2기")).first.click()
    page.get_by_label("제목(한국어)").fill(TITLE_KO)
    page.get_by_label("제목(영어)").fill(TITLE_EN)
    page.locator("#due_at").fill((datetime.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="과제 저장").click()
    page.get_by_role("button", name="제출물 추가").click()
    page.get_by_label("이름(한국어)").fill("자막 영상")
    page.get_by_label("이름(영어)").fill("Captioned film")
    page.get_by_label("종류").select_option("video")
    page.get_by_label("꼭 필요한 자막 언어").fill("ko")
    page.get_by_role("button", name="제출물 저장").click()
    page.wait_for_load_state()
    project_url = page.url.split("#")[0]
    page.get_by_role("button", name="기수에 게시").click()
    page.get_by_role("button", name="기수에 게시").click()  # the step that says how many trainees it reaches
    expect(page.locator("main")).to_contain_text("게시됨")
    return project_url


def _rubric_for(page, server, project_url):
    page.goto(server + "/projects/rubrics/new")
    page.locator("input[name=title_en]").fill("Caption practice rubric")
    page.locator("input[name=title_ko]").fill("자막 연습 평가")
    page.locator("input[name='c0-title_en']").fill("Captions")
    page.locator("input[name='c0-title_ko']").fill("자막")
    for j, (ko, en, points) in enumerate([("부족", "Weak", "0"), ("좋음", "Good", "10")]):
        page.locator(f"input[name='c0-l{j}-name_ko']").fill(ko)
        page.locator(f"input[name='c0-l{j}-name_en']").fill(en)
        page.locator(f"input[name='c0-l{j}-points']").fill(points)
    page.get_by_role("button", name="루브릭 저장").click()
    page.wait_for_load_state()
    page.goto(project_url)
    page.locator("main").get_by_role("link", name="루브릭", exact=True).click()
    page.locator("select[name=rubric_id]").select_option(label="자막 연습 평가 (v1)")
    page.get_by_role("button", name="이 루브릭 사용").click()
    page.wait_for_load_state()


def test_korean_captions_from_a_phone_to_the_grading_screen(server, page_for, film, tmp_path):
    staff = page_for("ko-KR")
    project_url = _brief_asking_for_korean_captions(staff, server)
    _rubric_for(staff, server, project_url)

    phone = page_for("ko-KR", phone=True)
    sign_in(phone, server, "dilnoza@demo.gongbang.kr")
    phone.goto(project_url + "/work")
    phone.locator("input[type=file]").first.set_input_files(str(film))
    phone.locator("[data-upload-submit]").first.click()
    phone.wait_for_selector("text=적합한 파일:", timeout=90_000)
    phone.get_by_label("이 작업에 AI 도구를 사용했나요?").select_option("no")
    phone.locator("#declarations button[type=submit], #declarations input[type=submit]").click()
    phone.wait_for_load_state()

    # The film is accepted, but the brief asks for Korean captions: the hand-in waits for them.
    hand_in = phone.locator("#hand-in [data-hand-in]")
    expect(hand_in).to_be_disabled()
    assert hand_in.get_attribute("data-blocked") == "1"
    missing = phone.locator("#hand-in [data-checklist] a[href$='/captions']")
    expect(missing).to_contain_text("한국어")
    shot(phone, "captions-hand-in-blocked-phone-ko")
    missing.click()

    srt = tmp_path / "딜노자-한국어.srt"
    srt.write_text(SRT, encoding="utf-8")
    phone.get_by_label("자막 파일 (.vtt 또는 .srt)").set_input_files(str(srt))
    phone.locator("#add select[name=language]").select_option("ko")
    phone.get_by_role("button", name="자막 추가").click()
    phone.wait_for_load_state()
    expect(phone.locator("#tracks tbody tr")).to_have_count(1)
    assert "3" in phone.locator("#tracks tbody tr").inner_text()  # three lines
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#tracks a[href$='/edit']").click()

    # The second line starts 0.4 s late: the trainee types the right start on the phone and saves.
    rows = phone.locator("[data-cue-row]")
    phone.locator("[data-cue-split]").first.wait_for(timeout=10_000)  # the editor's buttons are in place
    start = rows.nth(1).locator("[data-cue-start]")
    assert start.input_value().endswith("0:02.500")  # "00:00:02.500" as stored
    start.fill("0:02.1")
    shot(phone, "captions-editor-phone-ko")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="자막 저장").click()
    phone.wait_for_load_state()
    expect(phone.locator("main")).to_contain_text("자막을 저장했습니다.")
    phone.locator("[data-cue-split]").first.wait_for(timeout=10_000)
    assert (
        phone.locator("[data-cue-row]").nth(1).locator("[data-cue-start]").input_value().endswith("0:02.100")
    )

    phone.goto(project_url + "/work")
    hand_in = phone.locator("#hand-in [data-hand-in]")
    expect(hand_in).to_be_enabled()
    phone.locator("#hand-in input[type=checkbox]").check()
    hand_in.click()
    expect(phone.locator("main")).to_contain_text("접수증")
    assert phone.incidents == []

    staff.goto(project_url + "/submissions")
    staff.locator("table").get_by_role("link", name="성적", exact=True).first.click()
    staff.wait_for_selector("video[data-grading-video]")
    player = staff.locator("video[data-grading-video]")
    track = player.locator("track[srclang=ko]")
    expect(track).to_have_count(1)
    assert track.get_attribute("kind") == "subtitles"
    panel = staff.locator("[data-transcript]")
    expect(panel).to_be_visible()
    lines = panel.locator("[data-transcript-lines] li")
    # The player carries the scrub strip's thumbnails as a metadata track too: the panel lists the captions.
    expect(player.locator("track[kind=metadata]")).to_have_count(1)
    expect(lines).to_have_count(3, timeout=15_000)  # the script fills the panel once the track loads
    expect(lines.nth(1)).to_contain_text("0:02")
    panel.locator("[data-transcript-search]").fill("시장")
    expect(panel.locator("[data-transcript-lines] li:not([hidden])")).to_have_count(1)
    visible = panel.locator("[data-transcript-lines] li:not([hidden])")
    expect(visible).to_contain_text("시장에서 일하는 사람들을 찍었습니다.")
    visible.get_by_role("button").click()
    staff.wait_for_function(
        "document.querySelector('video[data-grading-video]').currentTime >= 2", timeout=10_000
    )
    assert staff.evaluate("document.querySelector('video[data-grading-video]').currentTime") < 2.5
    panel.locator("[data-transcript-search]").fill("없는 말")
    expect(panel.locator("[data-transcript-lines] li:not([hidden])")).to_have_count(0)
    expect(panel.locator("[data-transcript-status]")).to_be_visible()
    shot(staff, "captions-grading-transcript-ko")
    assert staff.incidents == []


#: (file name, bytes, the problem code shown, words the reason must hold)
HOSTILE = [
    (
        "script.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<script>alert('caption')</script>\n\n"
        "00:00:01.000 --> 00:00:02.000\n<img src=x onerror=alert(1)>\n",
        "caption_markup",
        "script",
    ),
    (
        "backwards.vtt",
        "WEBVTT\n\n00:00:03.000 --> 00:00:01.000\nbackwards\n",
        "caption_end_before_start",
        "3",
    ),
    ("broken.srt", "1\n00:00:00,000 --> 00:00:01,00\nhi\n", "caption_timing", "2"),
    (
        "utf16.vtt",
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n안녕하세요\n".encode("utf-16"),
        "caption_encoding",
        "UTF-16",
    ),
    ("page.vtt", "<html><body><script>alert(1)</script></body></html>", "caption_signature", "WEBVTT"),
]


def _huge_cues() -> bytes:
    """About 3 MB of cues, three times the cap: refused by its size before any of it is read as cues."""
    cue = "00:00:00.000 --> 00:00:00.001\n<script>alert(1)</script>\n\n"
    return ("WEBVTT\n\n" + cue * (3_000_000 // len(cue))).encode()


def test_hostile_caption_files_get_reasons_and_nothing_runs(server, page_for, film, tmp_path):
    page = page_for("ko-KR", phone=True)
    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/media/check")
    page.locator("input[type=file]").set_input_files(str(film))
    page.locator("[data-upload-submit]").click()
    page.wait_for_url(re.compile(r"/media/\d+$"), timeout=60_000)
    captions_url = page.url + "/captions"

    for name, data, code, words in [*HOSTILE, ("huge.vtt", _huge_cues(), "caption_too_large", "MB")]:
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        page.goto(captions_url)
        page.locator("input[type=file]").set_input_files(str(path))
        page.locator("#add select[name=language]").select_option("ko")
        page.locator("#add button[type=submit], #add input[type=submit]").first.click()
        page.wait_for_load_state()
        reason = page.locator(f"#add .problems li[data-code={code}]").first
        expect(reason).to_be_visible()
        assert words in reason.inner_text(), (name, reason.inner_text())
        expect(page.locator("#tracks tbody tr")).to_have_count(0)  # nothing was kept
        assert page.locator("main img[src=x], main script:not([src])").count() == 0
        if name == "script.vtt":
            shot(page, "captions-hostile-reasons-phone-ko")

    # Markup written as text (entities) is a caption's words: it is kept and shown as text everywhere.
    words = "&lt;img src=x onerror=alert(1)&gt; &amp; <b>굵게</b>"
    path = tmp_path / "entities.vtt"
    path.write_text(f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{words}\n", encoding="utf-8")
    page.goto(captions_url)
    page.locator("input[type=file]").set_input_files(str(path))
    page.locator("#add select[name=language]").select_option("ko")
    page.locator("#add button[type=submit], #add input[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("#tracks tbody tr")).to_have_count(1)
    line = page.locator("[data-transcript-lines] li").first
    expect(line).to_contain_text("<img src=x onerror=alert(1)> & 굵게", timeout=15_000)
    assert page.locator("[data-transcript] img, [data-transcript] b").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls in its own box
    shot(page, "captions-transcript-entities-phone")
    page.locator("#tracks a[href$='/edit']").click()
    page.locator("[data-cue-split]").first.wait_for(timeout=10_000)
    assert page.locator("[data-cue-text]").first.input_value() == words
    assert page.locator("[data-cue-rows] img").count() == 0
    page.wait_for_timeout(500)  # an onerror would fire as soon as an image failed to load
    assert page.incidents == [], page.incidents
