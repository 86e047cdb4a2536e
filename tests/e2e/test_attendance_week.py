"""A part of issue 16's "Done when" on a phone: the administrator finds a past session of the demo trainees'
cohort without a signed log, its instructor writes and signs the log, a change after signing is refused
without a reason and kept as version 2 with one, and the month's attendance sheet adds up on screen.

(The roll call, the check-in by code with its refusals, the warnings and corrections are covered through
the pages in tests/projects/test_attendance.py; this test does not yet drive them in the browser.)
"""

from __future__ import annotations

import re

from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import shot


def test_instructor_signs_a_log_and_the_monthly_sheet_adds_up(server, new_page):
    admin = new_page("en-US", phone=True)
    sign_in(admin, server, "admin@demo.gongbang.kr")
    admin.goto(server + "/attendance/logs/missing")
    autumn = re.compile("2026 Autumn|2026년 2기")  # the demo trainees' cohort, in the admin's language
    row = admin.locator("tr", has_text=autumn).filter(
        has_text=re.compile("No signed log|서명한 훈련일지 없음")
    )
    link = row.first.get_by_role("link")
    assert link.count() == 1, "the demo leaves the autumn cohort's last held session without a log"
    log_url = server + link.get_attribute("href")

    page = new_page("en-US", phone=True)
    sign_in(page, server, "instructor@demo.gongbang.kr")
    page.goto(log_url)
    # Fields and buttons by name: the demo instructor reads Korean, whatever the browser asks for.
    page.locator("[name=content]").fill("Storyboards: three panels per scene, then a pair review.")
    page.locator("[name=remarks]").fill("Two trainees came late.")
    page.locator("[name=sign]").click()
    assert re.search(r"Signed|서명함", page.locator("main").inner_text())
    assert "v1" in page.locator("main").inner_text()
    shot(page, "attendance-log-signed")

    page.locator("[name=content]").fill("Storyboards and shot lists.")
    page.locator("[name=sign]").click()
    assert re.search(r"Give a reason\.|사유를 입력하세요\.", page.locator("body").inner_text())
    page.locator("[name=content]").fill("Storyboards and shot lists.")
    page.locator("[name=reason]").fill("Shot lists were also taught.")
    page.locator("[name=sign]").click()
    body = page.locator("main").inner_text()
    assert "v2" in body and "Shot lists were also taught." in body

    page.locator("main a[href*='/sheet?month=']").click()
    page.wait_for_url(re.compile(r"/sheet\?month="))
    shot(page, "attendance-sheet-phone")
    marks = ["O", "L", "E", "X", "V"]
    rows = page.locator("table.sheet tbody tr")
    assert rows.count() >= 1
    columns = page.locator("table.sheet thead th").count() - 1 - len(marks) - 3
    totals = dict.fromkeys(marks, 0)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        symbols, counts = cells[:columns], cells[columns : columns + len(marks)]
        for mark, shown in zip(marks, counts, strict=True):
            assert int(shown) == symbols.count(mark)
            totals[mark] += int(shown)
    footer = page.locator("table.sheet tfoot td").all_inner_texts()
    assert [int(v) for v in footer[columns : columns + len(marks)]] == [totals[m] for m in marks]
