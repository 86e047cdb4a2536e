"""Issue 14's coursework friction in Chromium: the rubric total follows the levels picked, the project page
shows the rubric on a phone without sideways scrolling, publishing asks first, and a reload mid-upload offers
to resume the unfinished upload."""

from __future__ import annotations

import re
import subprocess

import pytest

from media.ffmpeg import ffmpeg_exe
from projects.coursework.demo import SKETCH_TITLE_EN
from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import running_server, shot

expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: uploads and grading here change the demo rows."""
    with running_server(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """About 12 MB of H.264 (noise does not compress): two 8 MB chunks, so an upload can stop half-way."""
    path = tmp_path_factory.mktemp("friction-video") / "half-sent.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=640x360:rate=25:duration=5", "-vf", "noise=alls=60:allf=t", "-c:v", "libx264",
         "-preset", "ultrafast", "-b:v", "20M", "-maxrate", "20M", "-bufsize", "20M", "-pix_fmt", "yuv420p",
         str(path)],
        check=True,
        timeout=120,
    )  # fmt: skip
    assert 9_000_000 < path.stat().st_size < 30_000_000, path.stat().st_size
    return path


def _watch(page):
    page.on("pageerror", lambda exc: pytest.fail(f"script error: {exc}"))
    return page


def _sketch(page, server):
    """The demo's graded project (its page's URL), from the project list in either language."""
    page.goto(server + "/projects/")
    page.locator("a", has_text=re.compile(f"골목 시장 스케치|{re.escape(SKETCH_TITLE_EN)}")).first.click()
    return page.url.split("?")[0].split("#")[0].rstrip("/")


def test_rubric_total_follows_the_levels_picked(server, context_for):
    page = _watch(context_for("en-US").new_page())
    sign_in(page, server, "instructor@demo.gongbang.kr")
    project = _sketch(page, server)
    page.goto(project + "/submissions")
    page.locator("table a[href$='/grade']").first.click()
    total = page.locator("[data-rubric-total-text]")
    assert page.locator("[data-rubric-total]").get_attribute("aria-live") == "polite"
    # The demo's marks: 5 + 4 + 5 of 15 points, on a scale of 100.
    # (Numbers, not words: the wording follows the instructor's language.)
    expect(total).to_have_text(re.compile(r"\b93\.3 / 100\b"))
    page.locator(".grading-rubric input[name='level-editing'][value='excellent']").check()
    expect(total).to_have_text(re.compile(r"\b100 / 100\b"))
    page.locator(".grading-rubric input[name='level-ai'][value='missing']").check()
    expect(total).to_have_text(re.compile(r"\b66\.7 / 100\b"))
    shot(page, "instructor-desktop-live-total")


def test_trainee_reads_the_rubric_on_a_phone(server, context_for):
    page = _watch(context_for("ko-KR", phone=True).new_page())
    sign_in(page, server, "dilnoza@demo.gongbang.kr")
    project = _sketch(page, server)
    page.goto(project)
    grading = page.locator("#grading")
    assert grading.locator(".criterion").count() == 3
    assert "Shot planning" in grading.text_content() or "촬영 구성" in grading.text_content()
    assert page.locator("[data-max-grade]").text_content().strip() == "100"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    grading.scroll_into_view_if_needed()
    shot(page, "trainee-phone-project-rubric")


def test_publishing_asks_how_many_first(server, context_for):
    page = _watch(context_for("en-US").new_page())
    sign_in(page, server, "instructor@demo.gongbang.kr")
    page.goto(server + "/projects/")
    # The demo's unpublished teaser; its page offers "Publish to the cohort".
    page.locator("a", has_text=re.compile("15초 숏폼 티저|15-second short-form teaser")).first.click()
    publish = page.locator("form[action$='/publish'] button")
    publish.click()
    question = page.locator("[data-confirm-question]").text_content()
    assert re.search(r"\d+", question) and "15" in question, question  # how many, whatever the language
    shot(page, "instructor-desktop-publish-confirm")
    page.locator(".confirm-step a[role=button]").click()  # Cancel
    expect(publish).to_be_visible()  # still a draft: nothing was published


def test_a_reload_mid_upload_offers_to_resume(server, context_for, clip):
    page = _watch(context_for("en-US", phone=True).new_page())
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while the upload runs
    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/media/check")
    patches = {"count": 0}

    def stall_after_first_chunk(route):
        if route.request.method == "PATCH":
            patches["count"] += 1
            if patches["count"] > 1:
                route.abort("connectionreset")  # the rest never arrives: a tunnel, a crash, a closed lid
                return
        route.continue_()

    page.route(re.compile(r".*/media/uploads/.*"), stall_after_first_chunk)
    page.select_option("select[name=preset]", "any")
    page.set_input_files("input[type=file]", str(clip))
    page.locator("[data-upload-submit]").click()
    page.wait_for_function(
        "() => Number(document.querySelector('[data-upload-bar]').value) > 0", timeout=30_000
    )
    page.wait_for_timeout(1_500)  # the second chunk is refused and retried: the upload is stuck half-way
    assert patches["count"] >= 2

    page.reload()
    page.select_option("select[name=preset]", "any")
    notice = page.locator("[data-upload-unfinished]")
    notice.wait_for(state="visible", timeout=10_000)
    words = page.locator("[data-upload-unfinished-text]")
    page.wait_for_function(
        "() => /of .* sent/.test(document.querySelector('[data-upload-unfinished-text]').textContent)",
        timeout=10_000,
    )
    said = words.text_content()
    sent = re.search(r"“half-sent\.mp4”.*\(([\d.]+) MB of ([\d.]+) MB sent\)", said)
    assert sent and 0 < float(sent[1]) < float(sent[2]), said
    shot(page, "trainee-phone-upload-unfinished")

    page.unroute(re.compile(r".*/media/uploads/.*"))  # the connection is back
    offsets = []
    page.on(
        "request",
        lambda r: offsets.append(r.headers.get("upload-offset")) if r.method == "PATCH" else None,
    )
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose the file and resume").click()
    chooser.value.set_files(str(clip))
    page.wait_for_url(re.compile(r"/media/\d+$"), timeout=60_000)
    assert offsets and offsets[0] != "0", offsets  # continued where it stopped, not from the start
