"""The centre's achievements in Chromium on a 390 px phone: an administrator defines a competency (a rubric
criterion's title), awards it to those who already qualify after a confirmation that says how many, and the
trainee downloads its Open Badges credential, which /verify (signed out) finds valid."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import running_server, shot
from tests.projects.test_credentials_browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: it defines and awards."""
    with running_server(tmp_path_factory) as url:
        yield url


def _sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_define_award_download_verify_on_a_phone(server, new_page):
    admin = new_page("en-US", phone=True)
    sign_in(admin, server, "admin@demo.gongbang.kr")
    admin.goto(server + "/admin/credentials/achievements/new")
    admin.wait_for_load_state()
    admin.locator("select[name=kind]").select_option("competency_shown")
    admin.locator("input[name=name_ko]").fill("편집 역량")
    admin.locator("input[name=name_en]").fill("Editing competency")
    admin.locator("textarea[name=criteria_en]").fill("Editing and colour scored at least 75%.")
    admin.locator("select[name=achievement_type]").select_option("Competency")
    admin.locator("input[name=criterion_title]").fill("Editing and colour")
    assert _sideways(admin) <= 0
    admin.locator("form [type=submit][name=submit]").click()
    admin.wait_for_url(re.compile(r"/admin/credentials/achievements/\d+$"))
    admin.locator("form[action$='/award'] [type=submit]").click()  # the admin reads Korean: by structure
    admin.wait_for_load_state()
    expect(admin.locator("article li")).to_have_count(1)  # the confirmation names who qualifies
    expect(admin.locator("article li")).to_contain_text("Dilnoza Karimova")
    shot(admin, "achievements-award-confirm-phone")
    assert _sideways(admin) <= 0
    admin.locator("article form button[type=submit]").click()
    admin.wait_for_load_state()
    row = admin.locator("tr", has_text="Dilnoza Karimova")
    expect(row.locator(".badge.ok")).to_be_visible()  # valid: issued by its job (eager here)

    trainee = new_page("en-US", phone=True)
    sign_in(trainee, server, "dilnoza@demo.gongbang.kr")
    trainee.goto(server + "/my/credentials")
    trainee.wait_for_load_state()
    card = trainee.locator("article.credential", has_text="Editing competency")
    expect(card).to_be_visible()
    shot(trainee, "achievements-mine-phone")
    assert _sideways(trainee) <= 0
    with trainee.expect_download() as download:
        card.get_by_role("button", name="JSON").click()
    credential = json.loads(download.value.path().read_text("utf-8"))
    achievement = credential["credentialSubject"]["achievement"]
    assert (
        achievement["achievementType"] == "Competency"
        and achievement["name"] == "편집 역량 (Editing competency)"
    )

    visitor = new_page("en-US")
    visitor.goto(server + "/verify")
    visitor.locator("input[name=address]").fill(credential["id"])
    visitor.locator("form [type=submit]").last.click()
    visitor.wait_for_load_state()
    assert visitor.locator("[data-verdict]").get_attribute("data-verdict") == "valid"
