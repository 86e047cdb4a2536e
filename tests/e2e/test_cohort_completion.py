"""Friction removed (issue 14), in Chromium: an invited person who sets a password lands signed in on their
dashboard; an administrator records a whole cohort's completion with "select all" and one confirmation, and
each trainee finds the certificate notice.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import running_server, shot


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: the completions and the new account change the demo rows."""
    with running_server(tmp_path_factory) as url:
        yield url


def _watch(page):
    page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
    return page


def _admin_in_english(page, server):
    """The demo administrator reads Korean; this module's pages are checked in English (kept on the account,
    on this module's own server)."""
    sign_in(page, server, "admin@demo.gongbang.kr")
    with page.expect_navigation():
        page.evaluate(SWITCH_LANGUAGE, "en")


def test_an_invitation_link_ends_signed_in_on_the_dashboard(server, new_page):
    admin = _watch(new_page("en-US"))
    _admin_in_english(admin, server)
    admin.goto(server + "/admin/users/new")
    admin.get_by_label("Full name").fill("Invited Person")
    admin.get_by_label("Email").fill("invited@example.org")
    admin.get_by_label("Role").select_option("trainee")
    admin.get_by_label("Language for e-mails and pages").select_option("en")
    admin.get_by_role("button", name=re.compile("invitation")).click()
    admin.goto(server + "/admin/outbox")
    body = admin.locator("details", has_text="invited@example.org").first.locator("pre").text_content()
    link = re.search(r"/auth/set-password/[A-Za-z0-9_\-]+", body).group(0)

    page = _watch(new_page("en-US", phone=True))
    page.goto(server + link)
    page.get_by_label("New password", exact=True).fill("blue kettle morning")
    page.get_by_label(re.compile("again|Repeat|Confirm", re.I)).fill("blue kettle morning")
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert "you are signed in" in page.locator("main").inner_text()
    shot(page, "invitation-signed-in-phone")
    page.goto(server + link)  # the link is spent
    assert page.locator("main").inner_text().strip() and "/auth/set-password/" in page.url
    assert page.locator("input[name=password]").count() == 0


def test_select_all_then_one_confirmation_records_the_cohort(server, new_page):
    page = _watch(new_page("en-US"))
    _admin_in_english(page, server)
    page.goto(server + "/admin/completions")
    page.get_by_role("link", name=re.compile("Digital.*2026 Autumn")).click()
    page.wait_for_load_state()  # the deferred script has run (on a busy machine it can lag the click)
    boxes = page.locator("input[name=user_ids]")
    master = page.get_by_label("Select all")
    master.wait_for(state="visible", timeout=10_000)  # shown by the script; hidden without it
    count = boxes.count()
    assert count >= 2 and master.is_visible()
    master.check()
    assert page.locator("input[name=user_ids]:checked").count() == count
    boxes.first.uncheck()
    assert master.evaluate("el => el.indeterminate") and not master.is_checked()
    boxes.first.check()
    assert master.is_checked() and not master.evaluate("el => el.indeterminate")
    names = [page.locator(f"label[for={b.get_attribute('id')}]").inner_text() for b in boxes.all()]

    page.get_by_role("button", name="Continue").click()
    # expect() waits: click() returns once the navigation starts, and a busy machine is slow to finish it.
    expect(page.get_by_role("heading", name="Confirm completions")).to_be_visible()
    listed = page.locator("main li").all_inner_texts()
    assert all(name in listed for name in names)
    shot(page, "cohort-completion-confirm")
    page.get_by_role("button", name=f"Record and sign {count} completions").click()
    expect(page.locator("main")).to_contain_text(f"{count} completions are recorded and signed")
    expect(page.locator("input[name=user_ids]")).to_have_count(0)  # every trainee has a record now
    expect(page.get_by_text("Every trainee of this cohort has a completion record.")).to_be_visible()


def test_the_trainee_finds_the_certificate_notice(server, new_page):
    # After the test above: every trainee of the Digital cohort has a record, Chan Sokha among them.
    page = _watch(new_page("en-US", phone=True))
    sign_in(page, server, "sokha@demo.gongbang.kr")
    page.goto(server + "/notifications")
    notice = page.get_by_role("link", name=re.compile("Your certificate is ready"))
    assert notice.count() == 1  # told once
    notice.click()
    page.wait_for_url(re.compile(r"/certificates/\d+$"))
    assert "Chan Sokha" in page.locator("main").inner_text()
    shot(page, "certificate-notice-phone")
