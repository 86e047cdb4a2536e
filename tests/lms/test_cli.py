"""The `lms` command line."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.users.models import User


def test_create_user_with_password_and_duplicate(runner, db):
    r = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Boss@Example.org",
            "--name",
            "관리자",
            "--password",
            "quiet river lantern",
        ]
    )
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(User.email)) == "boss@example.org"
    again = runner.invoke(
        args=[
            "create-user",
            "--email",
            "boss@example.org",
            "--name",
            "x",
            "--password",
            "quiet river lantern",
        ]
    )
    assert again.exit_code == 1 and "Another account already uses" in again.output
    weak = runner.invoke(
        args=["create-user", "--email", "w@example.org", "--name", "w", "--password", "password"]
    )
    assert weak.exit_code == 1 and "common" in weak.output


def test_import_trainees_all_or_nothing(runner, db, make_cohort, tmp_path):
    cohort = make_cohort(code="2026-2")
    good = tmp_path / "good.csv"
    good.write_text(
        "name,email,programme,cohort,language\n"
        f"응우옌 티 란,lan@example.org,{cohort.programme.code},2026-2,en\n",
        encoding="utf-8-sig",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"name,email,programme,cohort\nA,b@example.org,{cohort.programme.code},2026-2\nB,nope,X,Y\n"
    )
    r = runner.invoke(args=["import-trainees", str(bad)])
    assert r.exit_code == 1 and "line 3: bad_email" in r.output and "nothing was imported" in r.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    r = runner.invoke(args=["import-trainees", str(good)])
    assert r.exit_code == 0 and "Imported 1 new" in r.output


def test_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.gongbang.kr" in first.output and "workshop-demo-2026" in first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert runner.invoke(args=["demo", "--if-empty"]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == count >= 17


@pytest.mark.slow
def test_serve_starts_from_an_instance_folder_that_has_a_media_folder(tmp_path):
    """`lms serve` run where the instance keeps its files must still find the media plugin's code."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    instance = tmp_path / "instance"
    (instance / "media").mkdir(parents=True)  # what local storage creates beside the database
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, LMS_INSTANCE_PATH=str(instance))
    lms = str(Path(sys.executable).with_name("lms"))
    subprocess.run([lms, "db", "upgrade"], cwd=instance, env=env, check=True, capture_output=True)
    proc = subprocess.Popen(
        [lms, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        cwd=instance,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status = None
        for _ in range(120):
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).status
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.25)
        assert status == 200, (
            proc.stdout.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
        )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()
