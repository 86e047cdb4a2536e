"""A trainee on a phone uploads a video with the resumable uploader; a dropped connection does not lose it."""

from __future__ import annotations

import hashlib
import re
import subprocess
import time

import pytest

from media.ffmpeg import ffmpeg_exe
from tests.e2e.test_roles import sign_in
from tests.fixtures.browser import shot

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-US",
}
SCREENSHOT = "/tmp/upload-e2e.png"
#: How long PATCH requests are refused once the second one is on its way.
CUT_SECONDS = 3.0

WATCH_PROGRESS = """() => {
  const bar = document.querySelector('[data-upload-bar]');
  new MutationObserver(() => window.reportProgress(Number(bar.value))).observe(bar, {attributes: true});
}"""


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """About 20 MB of H.264: a test pattern with noise (which does not compress) at a high bitrate."""
    path = tmp_path_factory.mktemp("e2e-video") / "phone-clip.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=8",
            "-vf",
            "noise=alls=40:allf=t",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-b:v",
            "20M",
            "-maxrate",
            "20M",
            "-bufsize",
            "20M",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=300,
    )
    assert 15_000_000 < path.stat().st_size < 30_000_000, path.stat().st_size
    return path


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_upload_survives_a_dropped_connection_on_a_phone(server, phone_page, video):
    page = phone_page
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    progress: list[float] = []
    page.expose_function("reportProgress", lambda value: progress.append(value))
    cut = {"until": None, "patches": 0, "aborted": 0}

    def flaky_network(route):
        if route.request.method == "PATCH":
            cut["patches"] += 1
            if cut["patches"] == 2:  # the first chunk is through: now the train enters a tunnel
                cut["until"] = time.monotonic() + CUT_SECONDS
            if cut["until"] and time.monotonic() < cut["until"]:
                cut["aborted"] += 1
                route.abort("connectionreset")
                return
        route.continue_()

    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/media/check")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.route(re.compile(r".*/media/uploads/.*"), flaky_network)
    page.evaluate(WATCH_PROGRESS)
    page.select_option("select[name=preset]", "any")
    page.set_input_files("input[type=file]", str(video))
    retrying = page.locator("form[data-uploader]").get_attribute("data-text-retrying")
    page.locator("[data-upload-submit]").click()

    # The connection drops: the page says so and keeps what was sent.
    page.wait_for_function(
        "text => document.querySelector('[data-upload-message]').textContent === text",
        arg=retrying,
        timeout=30_000,
    )
    assert page.locator("[data-upload-progress]").is_visible()
    assert page.locator("[data-upload-pause]").is_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
    shot(page, "trainee-phone-upload-retrying")

    # Then it comes back, the upload resumes and the file's page opens.
    page.wait_for_url(re.compile(r"/media/\d+$"), timeout=120_000)
    media_url = page.url
    assert cut["aborted"] >= 1 and cut["patches"] > cut["aborted"] + 1
    assert any(0 < value < 100 for value in progress) and progress[-1] == 100, progress
    assert len(set(progress)) >= 3, progress  # it moved, not jumped from nothing to done

    expected = hashlib.sha256(video.read_bytes()).hexdigest()
    body = page.locator("main").text_content()  # the SHA-256 is on the receipt, folded away
    assert expected in body and "phone-clip.mp4" in body
    download = page.request.get(media_url + "/download")
    assert download.ok and hashlib.sha256(download.body()).hexdigest() == expected
    shot(page, "trainee-phone-upload-done")
    assert not [p for p in problems if "Content Security Policy" in p], problems


FOLLOW_HERE = """() => new Promise(resolve => {
  // As the macro renders with follow=False: stay on the page and show the file's live status.
  const form = document.querySelector('form[data-uploader]');
  form.setAttribute('data-follow', 'false');
  form.setAttribute('data-status-panel', 'file-status');
  const panel = document.createElement('div');
  panel.id = 'file-status';
  panel.setAttribute('data-media-panel', '');
  panel.hidden = true;
  form.after(panel);
  form.addEventListener('gongbang:uploaded', event => window.reportUploaded(event.detail));
  const script = document.createElement('script');
  script.src = '/media/static/media/media.js';
  script.onload = resolve;
  document.head.appendChild(script);
})"""


def test_pause_resume_and_continue_after_a_reload(server, phone_page, video):
    page = phone_page
    page.on("dialog", lambda dialog: dialog.accept())  # "leave while uploading?"
    sent = {"posts": 0, "offsets": [], "allow": 1}
    uploaded = []
    page.expose_function("reportUploaded", lambda detail: uploaded.append(detail))

    def network(route):
        request = route.request
        if request.method == "POST":
            sent["posts"] += 1
        if request.method == "PATCH":
            if not sent["allow"]:
                route.abort("connectionreset")
                return
            sent["allow"] -= 1
            sent["offsets"].append(int(request.headers["upload-offset"]))
        route.continue_()

    def wait_for_message(name):
        form = page.locator("form[data-uploader]")
        page.wait_for_function(
            "text => document.querySelector('[data-upload-message]').textContent === text",
            arg=form.get_attribute(f"data-text-{name}"),
            timeout=30_000,
        )

    sign_in(page, server, "trainee@demo.gongbang.kr")
    page.goto(server + "/media/check")
    page.route(re.compile(r".*/media/uploads/.*"), network)
    page.set_input_files("input[type=file]", str(video))
    page.locator("[data-upload-submit]").click()
    wait_for_message("retrying")  # the first chunk went through, the second did not
    page.locator("[data-upload-pause]").click()
    wait_for_message("paused")
    assert (
        page.locator("[data-upload-resume]").is_visible()
        and not page.locator("[data-upload-pause]").is_visible()
    )

    sent["allow"] = 1
    page.locator("[data-upload-resume]").click()
    wait_for_message("retrying")  # one more chunk, then the connection is gone again
    page.reload()

    # After the reload the trainee chooses the same file: it continues from the server's offset.
    sent["allow"] = 10
    page.evaluate(FOLLOW_HERE)
    page.set_input_files("input[type=file]", str(video))
    page.locator("[data-upload-submit]").click()
    panel = page.locator("#file-status")
    panel.get_by_text("The file meets the brief.").wait_for(timeout=60_000)
    assert panel.locator("form.poster-form").count() == 1  # its own form, not nested in the uploader's
    chunk = 8 * 1024 * 1024
    assert sent["posts"] == 1 and sent["offsets"] == [0, chunk, 2 * chunk], sent
    assert page.url.endswith("/media/check")
    assert len(uploaded) == 1 and re.fullmatch(r"/media/\d+", uploaded[0]["mediaUrl"])
    assert uploaded[0]["mediaUrl"].endswith("/" + uploaded[0]["mediaId"])
    shot(page, "trainee-phone-upload-status-here")
