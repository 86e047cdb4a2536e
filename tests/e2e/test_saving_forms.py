"""Buttons that save one part of a page also save what was typed in the rest of it (issue 14, defects 3
and 4), in Chromium, in Korean on a 390 px phone.

- The portfolio item page: "동의 저장" (save consent) and "공개" (publish) keep the reflections typed above
  them, and an item is never published without a reflection.
- The workspace: "제출하기" (hand in) counts the AI answers on the form as they are chosen, and saves them
  with the hand-in, without a separate "save declarations" step.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_coursework import PHONE, _clip
from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import running_server, shot


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: the other browser tests change the demo rows these pages start from."""
    with running_server(tmp_path_factory) as url:
        yield url


@pytest.fixture
def phone(browser):
    contexts = []

    def make():
        context = browser.new_context(locale="ko-KR", **PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
        return page

    yield make
    for context in contexts:
        context.close()


def _korean(page) -> None:
    """Switch the signed-in person's language to Korean (the buttons are folded away on a phone)."""
    if page.locator("#lang-select").input_value() != "ko":
        with page.expect_navigation():
            page.evaluate(SWITCH_LANGUAGE, "ko")


def _open_item(page, server) -> str:
    page.goto(server + "/portfolio")
    page.locator("#items").get_by_role("link").first.click()
    return page.url


def test_consent_and_publish_keep_the_reflection_typed_above_them(server, phone):
    trainee = phone()
    sign_in(trainee, server, "dilnoza@demo.gongbang.kr")  # Dilnoza reads Korean
    item_url = _open_item(trainee, server)
    trainee.get_by_label("성찰(한국어)").fill("빵집 사장님과 새벽 촬영을 다시 계획했습니다.")
    trainee.get_by_label("성찰(영어)").fill("I planned the dawn shoot again.")
    trainee.get_by_role("button", name="동의 저장").click()
    assert "동의를 기록했습니다." in trainee.get_by_role("status").first.inner_text()

    # Saved on the server: a fresh tab (no draft kept in this one) shows the text typed before the consent.
    other = phone()
    sign_in(other, server, "dilnoza@demo.gongbang.kr")
    other.goto(item_url)
    assert other.get_by_label("성찰(한국어)").input_value() == "빵집 사장님과 새벽 촬영을 다시 계획했습니다."
    assert other.get_by_label("성찰(영어)").input_value() == "I planned the dawn shoot again."

    # Publishing with no reflection is refused, and says so.
    if other.get_by_role("button", name="숨기기", exact=True).count():
        other.get_by_role("button", name="숨기기", exact=True).click()
        other.goto(item_url)
    other.get_by_label("성찰(한국어)").fill("")
    other.get_by_label("성찰(영어)").fill("")
    other.get_by_role("button", name="공개", exact=True).click()
    assert re.search("성찰|reflection", other.locator(".flash-error").first.inner_text())
    assert "공개 안 함" in other.locator("main").inner_text()
    other.wait_for_load_state()  # the style sheet too: a busy CI machine measured the page before it came
    assert other.evaluate("document.documentElement.scrollWidth") <= 390
    shot(other, "portfolio-item-no-reflection-ko")

    # Publish sits below the reflections and saves the one typed now, then publishes.
    other.get_by_label("성찰(한국어)").fill(
        "새벽 촬영을 위해 사장님과 일정을 맞췄고, 음악은 Suno로 만들었습니다."
    )
    other.get_by_label("성찰(영어)").fill(
        "I planned the dawn shoot with the owner and made the music with Suno."
    )
    other.get_by_role("button", name="공개", exact=True).click()
    assert "항목을 공개했습니다." in other.get_by_role("status").first.inner_text()
    other.goto(item_url)
    assert "게시됨" in other.locator("main").inner_text()
    assert other.get_by_label("성찰(한국어)").input_value().startswith("새벽 촬영을 위해")


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e-saving") / "promo-film.mp4"
    _clip(path, 31, "1280x720", audio=True)
    return path


def test_hand_in_counts_and_saves_the_declarations_on_the_form(server, phone, film):
    trainee = phone()
    sign_in(trainee, server, "angelica@demo.gongbang.kr")
    _korean(trainee)
    trainee.get_by_role("link", name="우리 동네 가게 홍보 영상").first.click()
    trainee.get_by_role("button", name="과제 작업하기").click()
    trainee.locator("input[type=file]").first.set_input_files(str(film))
    trainee.locator("[data-upload-submit]").first.click()
    trainee.wait_for_selector("text=적합한 파일:", timeout=90_000)
    trainee.locator("textarea[name=text]").fill("시장 상인의 하루를 따라가며 찍었습니다.")
    trainee.locator("form[action$='/answer'] button[type=submit]").last.click()

    hand_in = trainee.get_by_role("button", name="제출하기")
    ai_item = trainee.get_by_text("AI 도구에 관한 질문에 답하세요.")
    # The script that counts the answers runs once the page has loaded (late on a busy CI machine).
    trainee.wait_for_load_state()
    expect(hand_in).to_be_disabled()
    assert ai_item.is_visible()
    # Answered on the form, not saved yet: the checklist and the button follow at once.
    trainee.get_by_label("이 작업에 AI 도구를 사용했나요?").select_option("yes")
    trainee.get_by_label("어떤 도구인가요?").fill("Runway, Suno")
    trainee.locator("#hand-in input[type=checkbox]").check()
    assert not ai_item.is_visible()
    assert hand_in.is_enabled()
    assert trainee.evaluate("document.documentElement.scrollWidth") <= 390
    shot(trainee, "hand-in-answers-count-ko")
    hand_in.click()
    body = trainee.locator("main").inner_text()
    assert "접수증" in body and "Runway, Suno" in body, body
