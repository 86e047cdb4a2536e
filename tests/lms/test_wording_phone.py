"""The wording pages in a real browser: they fit a 390 px phone, and an override saved in the browser is
shown by every gunicorn worker (two processes) on the next requests."""

from __future__ import annotations

import urllib.request

import pytest

from lms.wording.rules import message_key
from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAGES = [
    "/admin/wording/",
    "/admin/wording/messages?lang=ko",
    "/admin/wording/messages?lang=ur&status=unreviewed",
    f"/admin/wording/message?lang=ru&key={message_key('Gongbang: %(num)d message today')}",
    f"/admin/wording/message?lang=ko&key={message_key('Sign in')}",
    "/admin/wording/import?lang=vi",
]


def test_wording_pages_fit_a_phone_and_every_worker_shows_an_override(server, context_for):
    page = context_for("ko-KR", phone=True).new_page()
    sign_in(page, server, "admin@demo.gongbang.kr")
    for path in PAGES:
        response = page.goto(server + path)
        assert response is not None and response.status == 200, path
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    shot(page, "wording-message-phone")

    page.goto(server + f"/admin/wording/message?lang=ko&key={message_key('Sign in')}")
    page.locator("textarea[name=text]").fill("들어가기")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    # Each fetch is a new connection, so gunicorn's two workers both answer some of them.
    for _ in range(12):
        with urllib.request.urlopen(server + "/auth/login") as answer:
            assert "들어가기" in answer.read().decode()
    page.goto(server + f"/admin/wording/message?lang=ko&key={message_key('Sign in')}")
    with page.expect_navigation():
        page.locator("form[action$='/revert'] button").click()
    with urllib.request.urlopen(server + "/auth/login") as answer:
        assert "들어가기" not in answer.read().decode()
