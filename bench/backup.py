"""Backup while the application takes uploads, restore into a fresh instance, compare.

Run from the repository root (not part of the test suite)::

    .venv/bin/python bench/backup.py [--db sqlite|postgresql] [--files 200] [--runs 3]

Starts gunicorn and a worker on a throwaway instance (see ``bench/crash.py``), fills it with hand-ins and
``--files`` uploads, then for each run: trainees keep uploading over tus while ``lms backup`` runs, and
``lms restore`` puts the archive into a fresh instance (its own database and media folder). Prints, per run,
the backup and restore times, how many uploads landed during the backup, whether every table's rows in the
restored database equal those in the archive's snapshot (row by row on SQLite, counts on PostgreSQL),
whether every restored file matches its SHA-256, and what ``lms check`` says on the restored instance.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.crash import Lab, png  # noqa: E402


def lms(env: dict, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if k != "LMS_CRASH_AT"}
    return subprocess.run(
        [sys.executable, "-m", "lms.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def fresh_env(lab: Lab, folder: Path, n: int) -> dict:
    env = dict(lab.env, LMS_INSTANCE_PATH=str(folder / f"restored-{n}"))
    if "LMS_DATABASE_URL" in env:
        name = f"bench_resilience_restore_{n}"
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
        env["LMS_DATABASE_URL"] = env["LMS_DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    return env


COMPARE = """
import json, sys, hashlib
from sqlalchemy import create_engine, inspect, select, func
from lms import create_app
from lms.extensions import db
from lms.check import run_checks
from datetime import timedelta
app = create_app()
snap = sys.argv[1]
with app.app_context():
    names = set(inspect(db.engine).get_table_names())
    def rows(conn, counts_only):
        out = {}
        for t in db.metadata.sorted_tables:
            if t.name in names:
                q = select(func.count()).select_from(t) if counts_only else select(t)
                out[t.name] = (
                    conn.execute(q).scalar() if counts_only else sorted(map(repr, conn.execute(q).all()))
                )
        return out
    sqlite = db.engine.dialect.name == "sqlite"
    with db.engine.connect() as conn:
        restored = rows(conn, not sqlite)
    if sqlite:
        engine = create_engine("sqlite:///" + snap)
        with engine.connect() as conn:
            expected = rows(conn, False)
        same = expected == restored
    else:
        same = json.loads(open(snap).read())["counts"] == restored
    found = run_checks(grace=timedelta(0))
    print(json.dumps({"same_rows": same,
                      "rows": sum(len(v) if isinstance(v, list) else v for v in restored.values()),
                      "findings": sorted({f.code for f in found}),
                      "pending": sum(f.code == "stuck_job" for f in found)}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="lms-backup-"))
    lab = Lab(folder, args.db, 7)
    lab.clips = []
    results = []
    try:
        lab.start_web()
        lab.start_worker()
        lab.seed(trainees=4)
        for n in range(args.files):
            trainee = lab.trainees[n % len(lab.trainees)]
            lab.tus_upload(trainee["token"], "check:any", png(lab.rng, size=(120, 90)))
        lab.wait_jobs(300)
        for run in range(args.runs):
            stop, landed = threading.Event(), []

            def writer():
                n = 0
                while not stop.is_set():
                    trainee = lab.trainees[n % len(lab.trainees)]
                    lab.tus_upload(trainee["token"], f"deliverable:{lab.image_id}", png(lab.rng))
                    landed.append(time.monotonic())
                    n += 1

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(0.5)
            archive = folder / f"backup-{run}.tar"
            t0 = time.monotonic()
            made = lms(lab.env, "backup", str(archive))
            t1 = time.monotonic()
            stop.set()
            thread.join()
            assert made.returncode == 0, made.stdout + made.stderr
            during = sum(t0 <= t <= t1 for t in landed)
            env = fresh_env(lab, folder, run)
            t2 = time.monotonic()
            restored = lms(env, "restore", str(archive))
            t3 = time.monotonic()
            assert restored.returncode == 0, restored.stdout + restored.stderr
            with tarfile.open(archive) as tar:
                manifest = json.load(tar.extractfile("manifest.json"))
                member = "database/gongbang.sqlite" if manifest["dialect"] == "sqlite" else "manifest.json"
                snap = folder / f"snap-{run}"
                snap.write_bytes(tar.extractfile(member).read())
            compared = subprocess.run(
                [sys.executable, "-c", COMPARE, str(snap)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert compared.returncode == 0, compared.stderr
            facts = json.loads(compared.stdout.strip().splitlines()[-1])
            refused = lms(env, "restore", str(archive))
            results.append(
                {
                    "backup_s": t1 - t0,
                    "restore_s": t3 - t2,
                    "uploads_during": during,
                    "files": len(manifest["files"]),
                    "bytes": archive.stat().st_size,
                    "refused_again": refused.returncode != 0 and "not empty" in refused.stderr,
                    **facts,
                }
            )
    finally:
        lab.stop()
        lab.drop_databases(*(f"bench_resilience_restore_{n}" for n in range(args.runs)))
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nBackups on {args.db} while trainees upload ({args.files} files to start with)\n")
    print(
        "| run | backup s | uploads during it | files | archive MiB | restore s | rows equal | "
        "`lms check` findings | pending jobs carried | 2nd restore refused |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, r in enumerate(results, 1):
        print(
            f"| {n} | {r['backup_s']:.2f} | {r['uploads_during']} | {r['files']} | "
            f"{r['bytes'] / 2**20:.1f} | "
            f"{r['restore_s']:.2f} | {r['same_rows']} | {', '.join(r['findings']) or 'none'} | "
            f"{r['pending']} | "
            f"{r['refused_again']} |"
        )
    print(
        f"\nmedian backup {statistics.median(r['backup_s'] for r in results):.2f} s, "
        f"median restore {statistics.median(r['restore_s'] for r in results):.2f} s "
        "(each includes starting the `lms` command, about 1-2 s here)"
    )
    ok = all(r["same_rows"] and set(r["findings"]) <= {"stuck_job"} and r["refused_again"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
