"""Plugin seams: loading by name, loud failures, and a core that stands alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lms import create_app
from lms.plugins import PluginError


def test_core_boots_and_serves_without_plugins(tmp_path):
    app = create_app({"PLUGINS": [], "TESTING": True}, instance_path=str(tmp_path))
    assert "media" not in app.extensions and "projects" not in app.extensions
    with app.app_context():
        from lms.extensions import db

        db.create_all()
    r = app.test_client().get("/auth/login")
    assert r.status_code == 200 and "Gongbang" in r.get_data(as_text=True)


def test_default_plugins_are_loaded_in_order(app):
    assert list(app.extensions["lms.plugins"]) == ["media", "projects", "lti"]


def test_unknown_plugin_fails_loudly(tmp_path):
    with pytest.raises(
        PluginError, match=r"Unknown plugin 'portfolio'.*installed plugins: lti, media, projects"
    ):
        create_app({"PLUGINS": ["portfolio"]}, instance_path=str(tmp_path))


def test_broken_plugin_fails_loudly(tmp_path, monkeypatch):
    import lms.plugins

    class BrokenEntryPoint:
        name, value = "media", "media:init_app"

        def load(self):
            raise ImportError("No module named 'av'")

    monkeypatch.setattr(lms.plugins, "available_plugins", lambda: {"media": BrokenEntryPoint()})
    with pytest.raises(PluginError, match=r"Plugin 'media' \(media:init_app\) failed to initialise.*av"):
        create_app({"PLUGINS": ["media"]}, instance_path=str(tmp_path))


def test_core_app_imports_no_plugin_module(tmp_path):
    code = (
        "import sys; from lms import create_app; create_app({'PLUGINS': []}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('media', 'projects')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LMS_INSTANCE_PATH": str(tmp_path)},
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_plugins_contribute_navigation_and_dashboard_panels(app, make_user, login, client):
    from lms import signals

    def nav(user):
        return [signals.NavItem("Plugin link", "core.health", order=99)]

    def panels(user):
        return [signals.Panel("errors/error.html", order=1)]

    signals.nav_items.connect(nav)
    signals.dashboard_panels.connect(panels)
    try:
        body = login(make_user("trainee")).get("/dashboard").get_data(as_text=True)
    finally:
        signals.nav_items.disconnect(nav)
        signals.dashboard_panels.disconnect(panels)
    assert 'href="/healthz"' in body and "Plugin link" in body
    assert body.count("<article") >= 2  # the core's panel and the plugin's
