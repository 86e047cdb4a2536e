"""Every page each role reaches passes an axe-core audit and fits a phone (issue 14).

Each role (and a visitor) signs in and crawls the pages it reaches: same-origin links followed from the
dashboard and the menu, one page per URL pattern (``/projects/3`` and ``/projects/5`` are one pattern), a cap
per role, and a few seeds the crawl might not reach first (the grading screen, the receipt, the gradebook).
Every page is audited by axe-core (WCAG 2.2 AA rule tags) in Korean on a 390 px phone and in English on a
1366 px desktop, and measured for sideways scrolling at 360 and 390 px in both languages. A serious or
critical violation, or a page wider than the screen, fails with the rule, the element and the URL.

The module runs its own server: switching the language is kept on each demo account.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import running_server

axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python missing"
)

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE_WIDTHS = (360, 390)
CAP = 20

ROLES = {
    "visitor": None,
    "admin": "admin@demo.gongbang.kr",
    "instructor": "instructor@demo.gongbang.kr",
    "trainee": "dilnoza@demo.gongbang.kr",
    "liaison": "liaison@demo.gongbang.kr",
    "employer": "employer@demo.gongbang.kr",
}
# Pages a role reaches only deep down (or through a project with work in it): the demo's submission 1 is
# Dilnoza's hand-in to project 3.
SEEDS = {
    "visitor": ["/", "/auth/login", "/auth/forgot"],
    "admin": ["/dashboard", "/careers/placement", "/admin/completions"],
    "instructor": [
        "/dashboard",
        "/projects/3/submissions/1/grade",
        "/projects/3/submissions",
        "/projects/3/submissions/1",
        "/projects/cohorts/2/gradebook",
        "/projects/3/analytics",
        "/projects/3/by-criterion",
    ],
    "trainee": [
        "/dashboard",
        "/projects/3/submissions/1/attempts/1",
        "/projects/3/work",
        "/projects/3/feedback",
    ],
    "liaison": ["/dashboard", "/careers/placement", "/careers/employers"],
    "employer": ["/dashboard", "/careers/search"],
}
# Not pages: sign-out, downloads, files, feeds and anything that is not HTML.
SKIP = re.compile(
    r"/(logout|download|export|files?|raw|stream|thumb|backup)(/|$)|\.(csv|zip|pdf|png|jpe?g|gif|webp|mp4|webm"
    r"|vtt|srt|svg|ics|json|txt|xml)$|^/(static|api)/",
    re.I,
)


def pattern(url: str) -> str:
    """One crawl entry per kind of page: numbers and long tokens in the path are placeholders, and a query
    counts by its names only (``?status=pending`` and ``?status=all`` are one filtered list)."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    path = re.sub(r"/[A-Za-z0-9_-]{20,}(?=/|$)", "/T", path)
    names = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return path + ("?" + "&".join(names) if names else "")


def _links(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.netloc != origin or SKIP.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _open(page, url: str, errors: list[str]) -> bool:
    """Go to *url*; False when it is no HTML page (a download, a refusal). A server error is a finding."""
    try:
        response = page.goto(url)
    except Exception:  # noqa: BLE001 - Playwright raises on a download; it is simply no page to audit
        return False
    if response is not None and response.status >= 500:
        errors.append(f"{url}: HTTP {response.status}")
    return bool(
        response is not None and response.ok and "text/html" in response.headers.get("content-type", "")
    )


def _overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _wide_element(page) -> str:
    """The outermost element that sticks out past the right edge, to say what to fix."""
    return page.evaluate(
        """() => {
          const w = document.documentElement.clientWidth;
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 1 && r.width > 0) {
              const cls = typeof el.className === 'string' ? el.className.trim().split(/ +/).join('.') : '';
              return el.tagName.toLowerCase() + '.' + cls + ' right=' + Math.round(r.right);
            }
          }
          return '?';
        }"""
    )


def _audit(page, axe, url: str, where: str) -> list[str]:
    results = axe.run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    )
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:3]
        problems.append(f"{where} {url}: {violation['id']} ({violation['impact']}) {targets}")
    return problems


def _switch_language(page, server: str, code: str) -> None:
    page.goto(server + "/account")
    # Clicked from a script: on a phone the switch sits in the folded menu.
    with page.expect_navigation():
        page.evaluate(SWITCH_LANGUAGE, code)
    assert page.locator("html").get_attribute("lang") == code


def _measure(page, url: str, lang: str, found: dict) -> None:
    """Sideways scrolling of the page at each phone width (the viewport ends at the last)."""
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        if _overflow(page) > 0:
            found["overflow"].append(f"{lang} {width}px {url}: {_overflow(page)} px, {_wide_element(page)}")


def _signed_in(browser, server: str, role: str, lang: str, options: dict):
    context = browser.new_context(locale="ko-KR" if lang == "ko" else "en-US", **options)
    page = context.new_page()
    if ROLES[role]:
        sign_in(page, server, ROLES[role])
        _switch_language(page, server, lang)
    return context, page


def _crawl_in_korean_on_a_phone(browser, server: str, role: str, axe, found: dict) -> None:
    """Follow links breadth first from the seeds; audit and measure each new kind of page."""
    origin = urlsplit(server).netloc
    context, page = _signed_in(browser, server, role, "ko", PHONE)
    seen: set[str] = set()
    queue = list(SEEDS[role])
    while queue and len(found["pages"]) < CAP:
        path = queue.pop(0)
        if pattern(path) in seen:
            continue
        seen.add(pattern(path))
        if not _open(page, server + path, found["errors"]):
            continue
        final = urlsplit(page.url)
        if final.path != urlsplit(path).path:  # a redirect (to the dashboard, to sign-in)
            if pattern(final.path) in seen:
                continue
            seen.add(pattern(final.path))
            path = final.path + (f"?{final.query}" if final.query else "")
        found["pages"].append(path)
        queue.extend(link for link in _links(page, origin) if pattern(link) not in seen)
        _measure(page, path, "ko", found)
        found["axe"] += _audit(page, axe, path, "ko 390px")
    context.close()


def _revisit_in_english_on_a_desktop(browser, server: str, role: str, axe, found: dict) -> None:
    context, page = _signed_in(browser, server, role, "en", DESKTOP)
    for path in found["pages"]:
        if not _open(page, server + path, found["errors"]):
            continue
        found["axe"] += _audit(page, axe, path, "en 1366px")
        _measure(page, path, "en", found)
        page.set_viewport_size(DESKTOP["viewport"])
    context.close()


def _crawl(browser, server: str, role: str) -> dict:
    """*role*'s pages (Korean, phone), then the same pages in English on a desktop; every finding."""
    axe = axe_playwright.Axe()
    found: dict[str, list[str]] = {"pages": [], "axe": [], "overflow": [], "errors": []}
    _crawl_in_korean_on_a_phone(browser, server, role, axe, found)
    _revisit_in_english_on_a_desktop(browser, server, role, axe, found)
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: the crawl switches every demo account's language."""
    with running_server(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def crawled(browser, server):
    """``crawled(role)``: that role's pages and findings, crawled once for the module."""
    cache: dict[str, dict] = {}

    def get(role: str) -> dict:
        if role not in cache:
            cache[role] = _crawl(browser, server, role)
        return cache[role]

    return get


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_axe_in_both_languages_and_sizes(crawled, role):
    found = crawled(role)
    assert len(found["pages"]) >= (3 if role == "visitor" else 8), found["pages"]
    assert not found["errors"], found["errors"]
    assert not found["axe"], "\n".join(found["axe"])


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_scrolls_sideways_on_a_phone(crawled, role):
    found = crawled(role)
    assert not found["overflow"], "\n".join(found["overflow"])
