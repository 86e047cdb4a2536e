"""A trainee's portfolio in Chromium: publish a video item, share an expiring link, read the view log,
stop it.

Dilnoza's promo film is graded and released in the demo data.  She works in Korean, then in English; a
visitor who is not signed in opens each link, and each link stops working as soon as she revokes it.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_coursework import PHONE
from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import shot

TEXT = {
    "ko": {
        "nav": "포트폴리오",
        "hide": "숨기기",
        "publish": "공개",
        "published": "항목을 공개했습니다.",
        "visibility": "포트폴리오 공개 범위",
        "save": "포트폴리오 저장",
        "recipient": "누구에게 보낼 링크입니까?",
        "days": "유효 기간(일)",
        "create": "링크 만들기",
        "log": "전체 열람 기록",
        "revoke": "링크 중지",
        "logged": "한빛미디어웍스 인사팀에게 보낸 링크",
        "who": "한빛미디어웍스 인사팀",
        "title": "동네 빵집 홍보 영상",
        "ai": "사용한 AI 도구:",
        "revoked": "작동하지 않습니다",
        "copy": "링크 복사",
        "stopped": "새 링크를 요청하십시오",
    },
    "en": {
        "nav": "Portfolio",
        "hide": "Hide",
        "publish": "Publish",
        "published": "The item is published.",
        "visibility": "Who may see your portfolio",
        "save": "Save portfolio",
        "recipient": "Who is the link for?",
        "days": "Works for (days)",
        "create": "Create link",
        "log": "All views",
        "revoke": "Stop link",
        "logged": "Link for Hanbit HR",
        "who": "Hanbit HR",
        "title": "Promo film for a neighbourhood bakery",
        "ai": "AI tools used:",
        "revoked": "no longer works",
        "copy": "Copy link",
        "stopped": "ask the trainee for a new one",
    },
}


@pytest.fixture
def pages(browser):
    contexts = []

    def make(locale, phone=False):
        context = browser.new_context(
            locale=locale, **(PHONE if phone else {"viewport": {"width": 1280, "height": 900}})
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
        page.on("dialog", lambda dialog: dialog.accept())  # "Stop this link now?"
        return page

    yield make
    for context in contexts:
        context.close()


def test_trainee_publishes_shares_sees_the_view_and_revokes(server, pages):
    for lang in ("ko", "en"):
        t = TEXT[lang]
        # Korean on her phone; English at a desktop, where the language buttons are in view.
        trainee = pages("ko-KR", phone=True) if lang == "ko" else pages("en-US")
        sign_in(trainee, server, "dilnoza@demo.gongbang.kr")
        if lang == "en":
            with trainee.expect_navigation():
                trainee.evaluate(SWITCH_LANGUAGE, "en")
        # In the main navigation (folded away on a phone): in the first links or under "More", which also
        # lists it among the phone's links.
        nav = trainee.locator("header nav a", has_text=t["nav"])
        assert nav.count() >= 1
        trainee.goto(server + nav.first.get_attribute("href"))
        # Start from an unpublished item (the demo publishes it), then publish it from its own page.
        hide = trainee.locator("#items").get_by_role("button", name=t["hide"], exact=True)
        if hide.count():
            hide.first.click()
        trainee.locator("#items").get_by_role("link").first.click()
        video = trainee.locator("main video")
        assert video.get_attribute("poster") and "/poster.jpg" in video.get_attribute("poster")
        trainee.get_by_role("button", name=t["publish"], exact=True).click()
        assert t["published"] in trainee.get_by_role("status").first.inner_text()
        trainee.get_by_label(t["visibility"]).select_option("link")
        trainee.get_by_role("button", name=t["save"]).click()
        trainee.get_by_label(t["recipient"]).fill(t["who"])
        trainee.get_by_label(t["days"]).fill("7")
        trainee.get_by_role("button", name=t["create"]).click()
        url = trainee.locator("[data-share-url]").input_value()
        assert "/portfolio/l/" in url and len(url.rsplit("/", 1)[1]) >= 43
        # The whole address is on screen (a phone's field shows only its start) with a Copy button beside it.
        assert trainee.locator("#share-url-text").inner_text() == url
        assert trainee.get_by_role("button", name=t["copy"]).is_visible()
        shot(trainee, f"portfolio-link-created-{lang}")

        visitor = pages("en-US" if lang == "en" else "ko-KR")
        response = visitor.goto(url)
        assert response.status == 200
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "noindex" in response.headers["x-robots-tag"]
        assert visitor.locator('meta[name="robots"]').get_attribute("content").startswith("noindex")
        item = visitor.locator("article.portfolio-item").first
        assert t["title"] in item.inner_text() and t["ai"] in item.inner_text()
        poster = item.locator("video").get_attribute("poster")
        assert token_of(url) in poster  # the poster and film load through the link
        assert visitor.evaluate("url => fetch(url).then(r => r.status)", poster) == 200
        preview = item.locator("video source").get_attribute("src")
        assert visitor.evaluate(
            "url => fetch(url, {headers: {Range: 'bytes=0-99'}}).then(r => r.status)", preview
        ) in (200, 206)
        shot(visitor, f"portfolio-shared-{lang}")

        trainee.goto(server + "/portfolio")
        trainee.get_by_role("link", name=t["log"]).click()
        assert t["logged"] in trainee.locator("main").inner_text()
        shot(trainee, f"portfolio-log-{lang}")
        trainee.goto(server + "/portfolio#links")
        row = trainee.locator("#links tr", has_text=t["who"]).filter(
            has=trainee.get_by_role("button", name=t["revoke"])
        )
        row.get_by_role("button", name=t["revoke"]).click()
        assert t["revoked"] in trainee.get_by_role("status").first.inner_text()
        gone = visitor.goto(url)
        assert gone.status == 410 and "noindex" in gone.headers["x-robots-tag"]  # at once
        assert t["stopped"] in visitor.locator("main").inner_text()
        assert visitor.locator("article.portfolio-item").count() == 0
        assert visitor.evaluate("url => fetch(url).then(r => r.status)", poster) == 404
    with trainee.expect_navigation():  # leave Dilnoza reading Korean, as the demo has her
        trainee.evaluate(SWITCH_LANGUAGE, "ko")


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]
