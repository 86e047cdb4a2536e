"""Every role signs in, sees its dashboard, switches language; a phone-sized viewport works."""

from __future__ import annotations

import re

import pytest

from lms.demo import DEMO_PASSWORD
from tests.fixtures.browser import shot

ROLES = {
    "admin": ("admin@demo.gongbang.kr", "센터 현황", "Centre overview"),
    "instructor": ("instructor@demo.gongbang.kr", "담당 기수", "Your cohorts"),
    "trainee": ("dilnoza@demo.gongbang.kr", "내 과정", "Your programme"),
    "liaison": ("liaison@demo.gongbang.kr", "90일 안에 수료", "Graduating in the next 90 days"),
    "employer": ("employer@demo.gongbang.kr", "과정", "Programmes"),
}


#: Picks a language in the header's list and sends it: ``page.evaluate(SWITCH_LANGUAGE, "vi")`` (from a
#: script: on a phone the list sits in the folded menu).
SWITCH_LANGUAGE = "(c => { const s = document.querySelector('#lang-select'); s.value = c; s.form.submit(); })"


def sign_in(page, server, email):
    page.goto(server + "/auth/login")
    page.get_by_label(re.compile("이메일|Email")).fill(email)
    page.get_by_label(re.compile("비밀번호|Password")).fill(DEMO_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard$"))


@pytest.mark.parametrize("role", list(ROLES))
def test_role_signs_in_sees_dashboard_and_switches_language(server, new_page, role):
    email, korean, english = ROLES[role]
    page = new_page("ko-KR")
    page.goto(server + "/auth/login")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", name="로그인").is_visible()
    sign_in(page, server, email)
    page.wait_for_load_state()
    body = page.locator("main").inner_text()
    shot(page, f"{role}-dashboard")
    with page.expect_navigation():  # the list sends itself when a language is picked
        page.select_option("#lang-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert english in page.locator("main").inner_text()
    assert korean in body
    shot(page, f"{role}-dashboard-en")


def test_wrong_password_is_explained_in_korean(server, new_page):
    page = new_page("ko-KR")
    page.goto(server + "/auth/login")
    page.get_by_label("이메일").fill("trainee@demo.gongbang.kr")
    page.get_by_label("비밀번호").fill("not the password")
    page.locator("form input[type=submit]").click()
    assert page.get_by_role("alert").inner_text().strip() != ""
    assert "비밀번호" in page.get_by_role("alert").inner_text()


def test_phone_viewport_has_no_sideways_scroll(server, new_page):
    page = new_page("en-US", phone=True)
    page.goto(server + "/auth/login")
    # Signed out, the language switch is in view at once: no menu to open first.
    assert page.locator("#lang-select").is_visible()
    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/account")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    page.goto(server + "/dashboard")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The header is one row (brand and menu button); the links open below it on demand.
    brand, toggle = page.locator(".brand").bounding_box(), page.locator(".nav-toggle").bounding_box()
    assert abs((brand["y"] + brand["height"] / 2) - (toggle["y"] + toggle["height"] / 2)) < 12
    links = page.locator("#nav-links")
    assert not links.is_visible()
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
    assert links.get_by_role("link", name="Notifications").is_visible()
    shot(page, "trainee-phone-dashboard")


def test_admin_imports_and_sees_the_outbox(server, new_page, tmp_path):
    page = new_page("en-US")
    sign_in(page, server, "admin@demo.gongbang.kr")
    csv = tmp_path / "trainees.csv"
    csv.write_text(
        "name,email,programme,cohort,language\n응우옌 반 안,anh@example.org,AIVIDEO,2026-2,ko\n"
        "Broken Row,not-an-email,AIVIDEO,2026-2,en\n",
        encoding="utf-8-sig",
    )
    page.goto(server + "/admin/import")
    page.set_input_files("input[type=file]", str(csv))
    page.locator("form input[type=submit]").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Nothing was imported" in alert and "not-an-email" in alert
    shot(page, "admin-import-errors")
    csv.write_text(
        "name,email,programme,cohort,language\n응우옌 반 안,anh@example.org,AIVIDEO,2026-2,ko\n",
        encoding="utf-8-sig",
    )
    page.set_input_files("input[type=file]", str(csv))
    page.locator("form input[type=submit]").click()
    assert "1 new trainees invited" in page.locator("main").inner_text()
    page.goto(server + "/admin/outbox")
    assert "anh@example.org" in page.locator("main").inner_text()
