"""Every interface language, each role's main pages, on a 390 px phone (issue 18), in Chromium.

For each shipped language, a visitor and each demo role open their main pages, and three things are checked:
- nothing scrolls sideways;
- no letter is drawn as a box: each distinct character of the page's text is drawn on a canvas in the page's
  font and compared with what an unassigned code point draws (the "tofu" box of a missing glyph);
- no interface text is left in English: no text of the page equals a message of the catalogues whose
  translation in that language differs. Content in another language is skipped: user content and the
  language list carry their own ``lang``.

In Urdu the page says ``dir="rtl"`` and, on a desktop, the brand and menu sit on the right.

The module runs its own server, because it changes the demo accounts' language.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lms.config import SHIPPED_LANGUAGES
from lms.demo import DEMO_PASSWORD
from tests.catalogues import NAMES
from tests.e2e.test_roles import SWITCH_LANGUAGE, sign_in
from tests.fixtures.browser import running_server, shot

ROOT = Path(__file__).resolve().parents[2]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: Each role's main pages (the demo's project 3 has Dilnoza's hand-in, submission 1).
ROLES = {
    "visitor": (None, ["/auth/login", "/auth/forgot"]),
    "admin": ("admin@demo.gongbang.kr", ["/dashboard", "/admin/users", "/account"]),
    "instructor": (
        "instructor@demo.gongbang.kr",
        ["/dashboard", "/projects/3/submissions/1/grade", "/projects/3/submissions"],
    ),
    "trainee": (
        "dilnoza@demo.gongbang.kr",
        ["/dashboard", "/projects/3", "/projects/3/work", "/notifications"],
    ),
    "liaison": ("liaison@demo.gongbang.kr", ["/dashboard", "/careers/employers"]),
    "employer": ("employer@demo.gongbang.kr", ["/dashboard", "/careers/search"]),
}

#: The distinct characters of the page's own text (not that of elements in another language) that the page's
#: font draws as a missing glyph's box.
BOXES = """() => {
  const font = '16px ' + getComputedStyle(document.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 40; canvas.height = 40;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch) => {
    ctx.clearRect(0, 0, 40, 40); ctx.font = font; ctx.fillStyle = '#000'; ctx.textBaseline = 'top';
    ctx.fillText(ch, 4, 4);
    return ctx.getImageData(0, 0, 40, 40).data.join(',');
  };
  const blank = draw(' ');
  // Unassigned code points: whatever the font stack draws for them is the box of a missing glyph.
  const boxes = new Set(['\\u0378', '\\u0530', '\\u{2FFFD}'].map(draw).filter(d => d !== blank));
  const chars = new Set([...document.body.innerText].filter(c => c.codePointAt(0) > 0x2FF && !/\\s/.test(c)));
  return {reference: boxes.size, missing: [...chars].filter(c => boxes.has(draw(c)))};
}"""

#: The page's text pieces written in the page's own language (a text node's nearest ``lang`` is the page's).
TEXTS = """() => {
  const lang = document.documentElement.lang;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, template, [hidden], .visually-hidden')) continue;
    const owner = el.closest('[lang]');
    if (owner && owner !== document.documentElement && owner.lang !== lang) continue;
    const text = node.data.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}"""


def _messages_translated_differently(code: str) -> set[str]:
    """English messages (no placeholder) whose translation in *code* is not the English itself."""
    found = set()
    for package in ("lms", "projects", "media", "lti"):
        with open(ROOT / package / "translations" / code / "LC_MESSAGES" / "messages.po", "rb") as fh:
            for m in read_po(fh, locale=code):
                if not m.id or not isinstance(m.id, str) or "%" in m.id or "\n" in m.id or m.id in NAMES:
                    continue
                if m.string and m.string.strip() != m.id.strip() and re.search(r"[a-z]{3,}", m.id):
                    found.add(m.id.strip())
    return found


#: A font for each script the languages need (fontconfig family names, as Debian's packages install them).
FONTS = (
    "Nanum",
    "Noto Sans CJK SC",
    "Noto Sans Khmer",
    "Noto Sans Myanmar",
    "Noto Sans Thai",
    "Noto Sans Devanagari",
    "Noto Nastaliq Urdu",
)


@pytest.fixture(scope="module", autouse=True)
def fonts():
    """Skip, saying what to install, where the machine lacks a font for one of the scripts."""
    try:
        families = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("fontconfig (fc-list) is missing: install fonts-nanum fonts-noto-core fonts-noto-cjk")
    missing = [font for font in FONTS if font.lower() not in families.lower()]
    if missing:
        pytest.skip(
            f"no font for {', '.join(missing)}: apt-get install -y fonts-nanum fonts-noto-core fonts-noto-cjk"
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: the test changes every demo account's language."""
    with running_server(tmp_path_factory) as url:
        yield url


def _check_page(page, url: str, path: str, code: str, english: set[str], found: list[str]) -> None:
    response = page.goto(url)
    if response is None or not response.ok:
        found.append(f"{code} {path}: HTTP {None if response is None else response.status}")
        return
    html_lang = page.locator("html").get_attribute("lang")
    if html_lang != code.replace("_", "-"):
        found.append(f"{code} {path}: <html lang={html_lang}>")
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if wide > 0:
        found.append(f"{code} {path}: scrolls {wide} px sideways")
    boxes = page.evaluate(BOXES)
    if boxes["reference"] == 0:
        found.append(f"{code} {path}: no reference box could be drawn (the glyph check cannot work)")
    if boxes["missing"]:
        found.append(f"{code} {path}: drawn as boxes: {''.join(boxes['missing'][:20])}")
    if code != "en":
        left = sorted({text for text in page.evaluate(TEXTS) if text in english})
        if left:
            found.append(f"{code} {path}: untranslated: {left[:8]}")


@pytest.mark.parametrize("role", list(ROLES))
def test_every_language_on_a_phone_has_no_boxes_no_english_and_no_sideways_scroll(browser, server, role):
    email, paths = ROLES[role]
    context = browser.new_context(locale="ko-KR", **PHONE)
    page = context.new_page()
    found: list[str] = []
    if email:
        sign_in(page, server, email)
    else:
        page.goto(server + "/auth/login")
    for code in SHIPPED_LANGUAGES:
        english = _messages_translated_differently(code)
        with page.expect_navigation():
            page.evaluate(SWITCH_LANGUAGE, code)
        for path in paths:
            _check_page(page, server + path, path, code, english, found)
        if role == "trainee" and code in ("km", "my", "ur", "zh_Hans"):
            shot(page, f"languages-{code}-trainee-phone")
    if email:  # back to Korean, as the demo has them
        with page.expect_navigation():
            page.evaluate(SWITCH_LANGUAGE, "ko")
    context.close()
    assert not found, "\n".join(found)


def test_urdu_reads_right_to_left_with_the_menu_on_the_right(browser, server):
    context = browser.new_context(locale="ur-PK", **DESKTOP)
    page = context.new_page()
    page.goto(server + "/auth/login")
    with page.expect_navigation():
        page.evaluate(SWITCH_LANGUAGE, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"  # the visitor's sign-in page
    page.locator("#email").fill("dilnoza@demo.gongbang.kr")
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    with page.expect_navigation():  # Dilnoza reads Korean: her own setting wins until she switches
        page.evaluate(SWITCH_LANGUAGE, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    width = DESKTOP["viewport"]["width"]
    brand = page.locator(".brand").bounding_box()
    links = page.locator("#nav-links").bounding_box()
    assert brand["x"] > width / 2, brand  # the brand starts the line, at the right
    assert links["x"] + links["width"] <= brand["x"] + 1, (links, brand)  # the menu follows it, leftwards
    title = page.locator("main h1").first.bounding_box()
    assert title["x"] + title["width"] > width / 2  # headings start at the right
    shot(page, "languages-ur-dashboard-desktop")
    with page.expect_navigation():
        page.evaluate(SWITCH_LANGUAGE, "ko")
    assert page.locator("html").get_attribute("dir") == "ltr"
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] < width / 2  # and back: at the left in Korean
    context.close()
