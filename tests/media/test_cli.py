"""``media inspect``: JSON shape, exit codes, posters, languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from PIL import Image

from media.cli import cli


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, ["inspect", *map(str, args)], catch_exceptions=False)

    return invoke


def test_group_is_plain_click():
    assert isinstance(cli, click.Group) and cli.name == "media"
    assert "inspect" in cli.commands


def test_json_for_an_accepted_file(run, media, tmp_path):
    poster = tmp_path / "poster.jpg"
    result = run(
        media["black_start.mp4"],
        "--json",
        "--poster",
        poster,
        "--spec",
        '{"kinds": ["video"], "min_duration": 1}',
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"ok", "kind", "problems", "info"}
    assert payload["ok"] is True and payload["kind"] == "video" and payload["problems"] == []
    assert payload["info"]["width"] == 320 and payload["info"]["poster"] == str(poster)
    with Image.open(poster) as image:
        assert image.size == (320, 240)


def test_json_for_a_rejected_file_in_korean(run, media, tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"kinds": ["video"], "min_duration": 30, "require_audio": True}))
    result = run(media["h264_silent.mp4"], "--json", "--lang", "ko", "--spec", f"@{spec}")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert [p["code"] for p in payload["problems"]] == ["too_short", "no_audio"]
    assert all(set(p) == {"code", "message"} for p in payload["problems"])
    assert payload["problems"][0]["message"] == "영상 길이가 2초입니다. 과제 요건은 최소 30초입니다."


def test_hostile_file_gets_no_poster(run, media, tmp_path, no_connection):
    poster = tmp_path / "p.jpg"
    result = run(media["hls_http.m3u8"], "--json", "--poster", poster)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["problems"][0]["code"] == "unsafe_content"
    assert payload["info"]["poster"] is None and not poster.exists()


def test_image_thumbnail_as_poster(run, media, tmp_path):
    poster = tmp_path / "thumb.png"
    result = run(media["photo.jpg"], "--json", "--poster", poster)
    assert result.exit_code == 0
    with Image.open(poster) as image:
        assert image.size == (40, 80)


def test_readable_summary(run, media):
    result = run(media["portrait.mp4"], "--spec", '{"min_width": 320}')
    assert result.exit_code == 1
    assert "REJECTED" in result.output and "240×320 (rotated 90°)" in result.output
    assert "[resolution_too_low]" in result.output
    assert run(media["h264_aac.mp4"]).output.splitlines()[0].endswith("OK (video)")


@pytest.mark.parametrize(
    "args",
    [
        ("--spec", "{not json"),
        ("--spec", '["video"]'),
        ("--spec", '{"colour": "red"}'),
        ("--spec", "@/nonexistent/spec.json"),
        ("--lang", "fr"),
        ("--poster", "out.gif"),
    ],
)
def test_usage_errors_exit_2(run, media, args):
    result = run(media["h264_aac.mp4"], "--json", *args)
    assert result.exit_code == 2


def test_missing_file_exits_2(run, tmp_path):
    assert run(tmp_path / "nope.mp4", "--json").exit_code == 2


def test_library_imports_neither_flask_nor_the_database():
    code = (
        "import sys, media.validation, media.thumbnails, media.preview, media.messages, media.cli, "
        "media.tus; print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'lms', "
        "'projects'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == "[]"


def test_lms_media_inspect_builds_no_application(media, tmp_path):
    """``lms media inspect`` is found before the app is built: no instance files, no database."""
    instance = tmp_path / "instance"
    root = Path(__file__).resolve().parents[2]
    probe = (
        "import sys, lms\n"
        "def refuse(*a, **k): raise SystemExit('the app was built')\n"
        "lms.create_app = refuse\n"
        "from lms.cli import main\n"
        "sys.argv = ['lms', 'media', 'inspect', sys.argv[1], '--json']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(media["h264_aac.mp4"])],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "LMS_INSTANCE_PATH": str(instance), "PYTHONPATH": str(root)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    assert not instance.exists() or not any(instance.iterdir())
