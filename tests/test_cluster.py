"""Two web processes and two job workers on PostgreSQL + Redis with one storage folder (bench/cluster.py).

Skipped, with the reason, where PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) does not answer. It uses
the database ``test_cluster`` and Redis databases 14 and 15.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def report():
    missing = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not _answers(port)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not running on 127.0.0.1: the cluster test needs both")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cluster.py"), "--uploads", "4", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.stdout.strip(), done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def test_every_step_across_two_web_processes_and_two_workers(report):
    result, done = report
    failed = [s["step"] for s in result["steps"] if not s["ok"]]
    assert not failed, failed
    assert result["ok"] and done.returncode == 0
    assert len(result["steps"]) == 10


def test_each_upload_was_checked_by_one_of_the_two_named_workers(report):
    result, _done = report
    workers = result["media_worker"]
    assert len(workers) == 4
    assert set(workers.values()) <= {"worker1@cluster", "worker2@cluster"}
    totals = result["tasks_per_worker"]
    assert sum(t.get("media.process_upload", 0) for t in totals.values()) == 4


def test_the_stale_save_through_the_other_web_process_was_refused(report):
    result, _done = report
    stale = next(s for s in result["steps"] if "stale version" in s["step"])
    assert stale["ok"] and "409" in stale["step"]
