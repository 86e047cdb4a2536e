"""From sign-up to contact: a company signs up, the liaison approves it, it searches graduates, opens a
portfolio (the trainee sees the view in the log) and expresses interest; the liaison passes it on, the trainee
accepts, and both see each other's contact details. Once in Korean, once in English."""

from __future__ import annotations

import re

import pytest

from lms.demo import DEMO_PASSWORD
from tests.e2e.test_roles import SWITCH_LANGUAGE
from tests.fixtures.browser import shot

PASSWORD = "harbour lantern window 57"
#: locale -> (browser locale, trainee e-mail, trainee's name, skill to search for, words on the pages)
RUNS = {
    "ko": (
        "ko-KR",
        "rahim@demo.gongbang.kr",
        "Rahim Uddin",
        "Lighting",
        {"pending": "승인 대기", "approved": "결정이 기록되었고", "contact": "연락처"},
    ),
    "en": (
        "en-US",
        "maria@demo.gongbang.kr",
        "Maria Santos",
        "CapCut",
        {
            "pending": "Waiting for approval",
            "approved": "The decision is recorded",
            "contact": "Contact details",
        },
    ),
}


def sign_in(page, server, email, password=DEMO_PASSWORD):
    page.goto(server + "/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", list(RUNS))
def test_employer_path_from_sign_up_to_contact(server, new_page, lang):
    locale, trainee_email, trainee_name, skill, words = RUNS[lang]
    company, email = f"E2E 스튜디오 {lang}", f"hr-{lang}@e2e-studio.example.kr"
    first, initial = trainee_name.split()[0], trainee_name.split()[-1][0]

    # The company signs up on the public page and is held on its status page.
    employer = new_page(locale)
    employer.goto(server + "/careers/employers/signup")
    for field, value in {
        "company": company,
        "business_number": "124-81-00998",
        "industry": "Video",
        "address": "대구 중구 1",
        "website": "https://e2e.example.kr",
        "phone": "053-123-4567",
        "contact_name": "Kang Mira",
        "email": email,
        "password": PASSWORD,
        "confirm": PASSWORD,
    }.items():
        employer.locator(f"#{field}").fill(value)
    employer.locator("#region").select_option("daegu")
    employer.locator("#consent").check()
    employer.locator("form input[type=submit]").click()
    employer.wait_for_url(re.compile(r"/careers/employers/signup/done$"))
    sign_in(employer, server, email, PASSWORD)
    assert (
        employer.url.endswith("/careers/status") and words["pending"] in employer.locator("main").inner_text()
    )
    assert employer.goto(server + "/careers/search").status == 403  # not before approval
    shot(employer, f"careers-{lang}-pending")

    # The liaison approves it.
    liaison = new_page(locale)
    sign_in(liaison, server, "liaison@demo.gongbang.kr")
    if lang == "en":  # the demo liaison reads Korean; switched back at the end, for the other tests
        with liaison.expect_navigation():
            liaison.evaluate(SWITCH_LANGUAGE, "en")
    liaison.goto(server + "/careers/employers")
    liaison.get_by_role("link", name=company).click()
    liaison.locator("#decision").select_option("approved")
    liaison.locator("form input[type=submit]").click()
    assert words["approved"] in liaison.locator("main").inner_text()

    # The employer searches, opens the portfolio and expresses interest.
    employer.goto(server + f"/careers/search?skills={skill}")
    card = employer.locator("article.search-result", has_text=f"{first} {initial}.")
    assert card.count() == 1 and trainee_name not in employer.locator("main").inner_text()
    shot(employer, f"careers-{lang}-search")
    card.locator("a[href*='/portfolio/']").click()
    employer.wait_for_load_state()
    assert re.search(r"/portfolio/\d+$", employer.url)
    employer.go_back()
    employer.locator("article.search-result", has_text=f"{first} {initial}.").locator(
        "a[href*='/interest']"
    ).click()
    employer.locator("#role_title").fill(f"영상 촬영 / Camera operator {lang}")
    employer.locator("#message").fill("We would like to meet you.")
    employer.locator("form input[type=submit]").click()
    employer.wait_for_url(re.compile(r"/careers/interests/\d+$"))
    interest_url = employer.url
    assert trainee_name not in employer.locator("main").inner_text()

    # The trainee sees the employer's view in the log.
    trainee = new_page(locale)
    sign_in(trainee, server, trainee_email)
    trainee.goto(server + "/portfolio/log")
    assert company in trainee.locator("main").inner_text()

    # The liaison passes the interest on from the board.
    liaison.goto(server + "/careers/board")
    card = liaison.locator("article.board-card", has_text=f"Camera operator {lang}")
    card.locator("button[name=action][value=forward]").click()
    liaison.wait_for_load_state()
    assert (
        liaison.locator(
            "section[data-status=forwarded] article.board-card", has_text=f"Camera operator {lang}"
        ).count()
        == 1
    )
    shot(liaison, f"careers-{lang}-board")

    # The trainee accepts; both sides see each other's contact details.
    trainee.goto(server + "/careers/interests")
    trainee.get_by_role("link", name=f"영상 촬영 / Camera operator {lang}").click()
    assert "053-123-4567" not in trainee.locator("main").inner_text()
    assert trainee_email in trainee.locator("article.share-notice").inner_text()  # what accepting shares
    asked = []
    trainee.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    trainee.locator("button[name=action][value=accept]").click()
    trainee.wait_for_load_state()
    assert asked and company in asked[0]
    contact = trainee.locator("main").inner_text()
    assert (
        words["contact"] in contact
        and email in contact
        and "053-123-4567" in contact
        and "Kang Mira" in contact
    )
    shot(trainee, f"careers-{lang}-accepted")
    employer.goto(interest_url)
    seen = employer.locator("main").inner_text()
    assert trainee_name in seen and trainee_email in seen
    shot(employer, f"careers-{lang}-contact")
    if lang == "en":
        with liaison.expect_navigation():
            liaison.evaluate(SWITCH_LANGUAGE, "ko")
