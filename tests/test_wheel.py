"""A non-editable install (the built wheel) serves pages with templates and translations."""

from __future__ import annotations

import configparser
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_listed_for_the_wheel():
    """setup.cfg names packages one by one: a new package left out works in the editable install and fails
    in the wheel (lms.calendar did)."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("lms", "media", "projects", "lti")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found - listed == set()


@pytest.mark.slow
def test_wheel_serves_the_login_page_in_korean(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    [wheel] = dist.glob("gongbang-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True
    )
    # Dependencies come from the test environment; the package itself only from the wheel.
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import lms, pathlib; from lms import create_app\n"
        "app = create_app({'TESTING': True})\n"
        "print(lms.__file__); print(app.jinja_loader.searchpath[0])\n"
        "r = app.test_client().get('/auth/login', headers={'Accept-Language': 'ko'})\n"
        "body = r.get_data(as_text=True)\n"
        "print(r.status_code, '로그인' in body, 'css/pico.min.css' in body)\n"
        "print(app.test_client().get('/static/css/app.css').status_code)\n"
        "from lms.resources import migrations_dir; "
        "print(sorted(p.name for p in pathlib.Path(migrations_dir()).glob('versions/*.py'))[:1])\n"
    )
    out = subprocess.run(
        [str(py), "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LMS_INSTANCE_PATH": str(tmp_path / "instance")},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    module, templates, status, static, migration = out.stdout.strip().splitlines()
    assert module.startswith(str(venv)) and templates.startswith(str(venv))  # not the checkout
    assert status == "200 True True" and static == "200"
    assert migration.startswith("['2026")
