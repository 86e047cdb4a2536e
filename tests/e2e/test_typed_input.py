"""Nothing a person types is lost (issue 14): the draft keeper (lms/static/js/drafts.js) in Chromium.

A reload after an action (a timed comment, an upload finishing), an expired form in a second tab after signing
out, and a sign-in on the way back keep what was typed; a successful save drops its draft.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD
from media.ffmpeg import ffmpeg_exe
from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import running_server, shot


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: the other browser tests change the demo rows these pages start from."""
    with running_server(tmp_path_factory) as url:
        yield url


def _watch(page):
    page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
    return page


def _grading_page(page, server):
    page.goto(server + "/projects/")
    page.get_by_role("link", name="골목 시장 스케치").first.click()
    page.goto(page.url.split("?")[0].rstrip("/") + "/submissions")
    page.locator("table a[href$='/grade']").first.click()
    page.wait_for_selector("video[data-grading-video]")


def _unchecked_level(page):
    """A rubric level the saved assessment did not pick (its radio is unchecked)."""
    radios = page.locator(".grading-rubric input[type=radio]")
    for i in range(radios.count()):
        if not radios.nth(i).is_checked():
            return radios.nth(i).get_attribute("name"), radios.nth(i).get_attribute("value")
    raise AssertionError("every level is picked")


def test_grading_picks_and_comments_survive_a_timed_comment_on_a_phone_in_korean(server, context_for):
    page = _watch(context_for("ko-KR", phone=True).new_page())
    sign_in(page, server, "instructor@demo.gongbang.kr")
    _grading_page(page, server)
    name, value = _unchecked_level(page)
    page.locator(f".grading-rubric input[name='{name}'][value='{value}']").check()
    comment = page.locator(".grading-rubric textarea[name^=comment-]").first
    comment_name = comment.get_attribute("name")
    comment.fill("구도가 안정적입니다.\n다음에는 삼각대를 쓰세요.")
    page.locator(".grading-rubric textarea[name=feedback]").fill("전체적으로 좋아요. 소리를 다듬어 보세요.")

    page.locator("[data-comment-seconds]").fill("1.5")
    page.locator(".timed-form textarea[name=text]").fill("여기서 화면이 흔들려요.")
    page.get_by_role("button", name="이 장면에 의견 달기").click()
    page.wait_for_load_state()
    assert "여기서 화면이 흔들려요." in page.locator(".timed-comments").inner_text()

    assert page.locator(f".grading-rubric input[name='{name}'][value='{value}']").is_checked()
    assert page.locator(f"textarea[name='{comment_name}']").input_value() == (
        "구도가 안정적입니다.\n다음에는 삼각대를 쓰세요."
    )
    assert page.locator(".grading-rubric textarea[name=feedback]").input_value() == (
        "전체적으로 좋아요. 소리를 다듬어 보세요."
    )
    # The timed comment went through: its form starts empty again.
    assert page.locator(".timed-form textarea[name=text]").input_value() == ""
    assert page.locator("[data-draft-note]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "grading-draft-restored-phone-ko")

    # Saving the assessment drops the draft: the next visit shows the saved values and no note.
    page.locator(".grading-rubric button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-draft-note]").count() == 0
    page.goto(page.url)
    assert page.locator("[data-draft-note]").count() == 0
    assert page.locator(".grading-rubric textarea[name=feedback]").input_value() == (
        "전체적으로 좋아요. 소리를 다듬어 보세요."
    )


def test_undo_puts_back_what_the_server_sent(server, context_for):
    page = _watch(context_for("en-US").new_page())
    sign_in(page, server, "instructor@demo.gongbang.kr")
    _grading_page(page, server)
    feedback = page.locator(".grading-rubric textarea[name=feedback]")
    saved = feedback.input_value()
    feedback.fill("A draft I do not want.")
    page.reload()
    assert feedback.input_value() == "A draft I do not want."
    note = page.locator("[data-draft-note]")
    # The demo instructor reads Korean (her account's language), whatever the browser asks.
    assert "입력하던 내용을 되살렸습니다." in note.inner_text()
    note.get_by_role("button", name="되돌리기").click()
    assert feedback.input_value() == saved
    page.reload()
    assert feedback.input_value() == saved
    assert page.locator("[data-draft-note]").count() == 0


def _clip(path) -> None:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25:duration=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=120,
    )


def test_declarations_survive_the_reload_when_an_upload_finishes(server, context_for, tmp_path):
    clip = tmp_path / "teaser.mp4"
    _clip(clip)
    page = _watch(context_for("ko-KR", phone=True).new_page())
    sign_in(page, server, "budi@demo.gongbang.kr")  # Budi reads English: he switches to Korean
    with page.expect_navigation():
        page.evaluate(SWITCH_LANGUAGE, "ko")
    page.get_by_role("link", name="우리 동네 가게 홍보 영상").first.click()
    page.get_by_role("button", name="과제 작업하기").click()
    work_url = page.url
    # Typed, then a file sent: it uploads, the page reloads, the check ends and the page reloads again.
    declarations = page.locator("#declarations")
    declarations.locator("select[name=ai_used]").select_option("yes")
    declarations.locator("[name=ai_tools]").fill("Runway, Suno")
    declarations.locator("[name='people-0-name']").fill("김민지")
    page.locator("input[type=file]").first.set_input_files(str(clip))
    page.locator("[data-upload-submit]").first.click()
    page.wait_for_selector(".problems li", timeout=60_000)
    assert page.url.split("#")[0] == work_url.split("#")[0]
    # The draft comes back once the page's scripts have run (late on a busy CI machine).
    page.wait_for_load_state()
    declarations = page.locator("#declarations")
    expect(declarations.locator("select[name=ai_used]")).to_have_value("yes")
    assert declarations.locator("[name=ai_tools]").input_value() == "Runway, Suno"
    assert declarations.locator("[name='people-0-name']").input_value() == "김민지"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "declarations-kept-after-upload-phone-ko")


@pytest.mark.parametrize("locale", ["ko-KR", "en-US"])
def test_text_typed_in_a_second_tab_after_signing_out_comes_back_after_signing_in(
    server, context_for, locale
):
    context = context_for(locale)
    first = _watch(context.new_page())
    sign_in(first, server, "instructor@demo.gongbang.kr")
    second = _watch(context.new_page())
    _grading_page(second, server)
    grading_url = second.url
    feedback = second.locator(".grading-rubric textarea[name=feedback]")
    typed = f"두 번째 탭에서 쓴 의견 / typed in the second tab ({locale})"
    feedback.fill(typed)

    first.locator("form[action$='/logout'] button[type=submit]").click()
    first.wait_for_load_state()

    second.locator(".grading-rubric button[type=submit]").click()
    second.wait_for_load_state()
    back = second.locator("a[data-draft-back]")
    assert back.count() == 1, second.locator("main").inner_text()
    back.click()
    # Signed out: the way back goes through the sign-in, which returns to the form.
    second.wait_for_url(re.compile(r"/auth/login"))
    second.locator("input[type=email], input[name=email]").first.fill("instructor@demo.gongbang.kr")
    second.locator("input[type=password]").fill(DEMO_PASSWORD)
    second.locator("form button[type=submit], form input[type=submit]").last.click()
    second.wait_for_url(grading_url)
    assert second.locator(".grading-rubric textarea[name=feedback]").input_value() == typed
    assert second.locator("[data-draft-note]").count() == 1
    # The password typed to sign in is never kept.
    assert DEMO_PASSWORD not in second.evaluate("JSON.stringify(sessionStorage)")
    shot(second, f"second-tab-text-back-{locale[:2]}")
