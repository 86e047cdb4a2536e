"""A real server (gunicorn on a free port, migrated, demo data) and headless Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(os.environ.get("LMS_E2E_SCREENSHOTS", "test-results"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of a running Gongbang (gunicorn) with the demo data loaded."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = dict(os.environ, LMS_INSTANCE_PATH=str(instance), LMS_CELERY_ALWAYS_EAGER="true")
    lms = [sys.executable, "-m", "lms.cli"]
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run(lms + args, env=env, check=True, capture_output=True, cwd=instance)
    port = _free_port()
    log = open(instance / "gunicorn.log", "wb")
    # --pythonpath: the working folder (the instance) holds a "media" folder of uploads once the demo made one,
    # which would shadow the media package as a namespace package.
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--pythonpath", root, "lms:create_app()"], env=env, cwd=instance, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError((instance / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (apt-get install -y chromium fonts-nanum) "
                    "or set LMS_CHROMIUM")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page(locale="ko", phone=False)``: a page in a fresh browser context."""
    contexts = []

    def make(locale="ko-KR", phone=False):
        options = {"locale": locale}
        if phone:
            options.update(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                           has_touch=True)
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
