"""Benchmark a 2 GiB resumable upload through the tus API face against ``cp`` of the same file.

Run from the repository root (not part of the test suite; needs about three
times --size of free disk where --dir is)::

    .venv/bin/python bench/upload.py [--runs 3] [--size-mib 2048] [--patch-mib 64] [--dir DIR]
                                     [--server serve|plain]

It starts ``lms serve --no-worker`` (gunicorn, 2 workers, 4 threads each, with
its configuration :mod:`lms.gunicorn_conf`) on a free loopback port against a
fresh temporary instance (SQLite, no job worker, so the checks queue but do not
run); ``--server plain`` starts the same gunicorn command without that
configuration (gunicorn's own body reader, as before).  It creates a trainee and an API token, and
uploads a file of random bytes in PATCHes of --patch-mib over one kept-alive
connection (as tus clients do; --new-connections opens one per request), sent
with ``sendfile`` so the client costs as little CPU as it can.  Under ``lms serve``
each part goes from the socket into the part file inside the kernel (``splice``) and
is hashed from the file on a second thread.  The upload time runs
from the creation POST to the answer of the final PATCH, which includes
finishing: the fsync, the SHA-256 (computed while the parts were written when
one worker received them all, else one pass over the file) and the rename
into storage.

Printed per run and as medians: throughput, ``cp`` of the same file on the
same disk measured in the same run (plain ``cp``: no fsync, no hash), their
ratio, the SHA-256 of the same file read from the page cache (the floor of a
content-addressed upload: no upload can answer before its bytes are hashed,
and one stream's SHA-256 runs on one core) and the upload's ratio to it, the
CPU time of the gunicorn workers per GiB uploaded (user + system, from
``/proc/<pid>/stat`` before and after), and the server's peak RSS growth
(VmHWM of each gunicorn worker after the upload minus its VmRSS before; the
peak is reset first where the kernel allows).  Before each timed step the disk
is left to finish what earlier steps wrote (``sync`` and a second's pause), so
no step pays for another's writeback.  Goals: growth < 64 MiB, ratio >= 0.5.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
GOALS = {"rss_mib": 64, "ratio": 0.5}
sys.path.insert(0, str(ROOT))
from lms.cli import gunicorn_argv  # noqa: E402  (the command lms serve runs)

MAKE_USER = """
from lms import create_app
from lms.api.services import create_token
from lms.jobs import commit
from lms.users.models import Role
from lms.users.services import create_user
app = create_app()
with app.app_context():
    user = create_user(email="bench@example.org", name="Bench Trainee", role=Role.TRAINEE, created_by=None,
                       invite=False)
    _token, raw = create_token(user, "bench", "read write")
    commit()
    print(raw)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_file(path: Path, size: int) -> None:
    """*size* random bytes, written once (no holes: every block is really on disk)."""
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(left, 64 * MIB)
            out.write(os.urandom(n))
            left -= n
        out.flush()
        os.fsync(out.fileno())


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of *pid* in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _sep, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(entry.name))
    return sorted(pids)


def workers_of(server: int) -> list[int]:
    """gunicorn's workers: children of its master, which is *server* itself or (``lms serve``) its child."""
    for pid in [server, *children_of(server)]:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gunicorn" in command:
            return children_of(pid)
    return []


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of *pids* so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def request(
    port: int,
    method: str,
    path: str,
    headers: dict,
    body=None,
    offset: int = 0,
    length: int = 0,
    conn: http.client.HTTPConnection | None = None,
) -> http.client.HTTPResponse:
    """One request; on *conn* (kept open, as tus clients keep theirs) or on a connection of its own."""
    own = conn is None
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    if conn.sock is None:
        conn.connect()
    conn.putrequest(method, path, skip_accept_encoding=True)
    for key, value in {**headers, "Content-Length": str(length)}.items():
        conn.putheader(key, value)
    conn.endheaders()
    if length:
        conn.sock.sendfile(body, offset, length)  # zero-copy: the client leaves the CPUs to the server
    response = conn.getresponse()
    response.read()
    if own:
        conn.close()
    return response


def upload(port: int, token: str, path: Path, patch_bytes: int, keep_alive: bool = True) -> tuple[float, str]:
    """Upload *path* through /api/v1/uploads/; returns (seconds, media id).

    With *keep_alive* every request goes over one connection, as tus-js-client and tuspy send them
    (so one web worker receives every part); otherwise each request opens its own.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600) if keep_alive else None
    size = path.stat().st_size
    fields = {"filename": path.name, "filetype": "application/octet-stream", "context": "check:any"}
    meta = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in fields.items())
    auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    start = time.perf_counter()
    created = request(
        port,
        "POST",
        "/api/v1/uploads/",
        {**auth, "Upload-Length": str(size), "Upload-Metadata": meta},
        conn=conn,
    )
    assert created.status == 201, (created.status, created.reason)
    location = created.getheader("Location")
    offset, media_id = 0, None
    with open(path, "rb") as fh:
        while offset < size:
            n = min(patch_bytes, size - offset)
            answer = request(
                port,
                "PATCH",
                location,
                {**auth, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
                fh,
                offset,
                n,
                conn=conn,
            )
            assert answer.status == 204, (answer.status, answer.reason)
            offset = int(answer.getheader("Upload-Offset"))
            media_id = answer.getheader("Gongbang-Media-Id")
    if conn is not None:
        conn.close()
    return time.perf_counter() - start, media_id


def settle() -> None:
    """Let the disk finish what the last step left to write (and discard), so no step pays for another."""
    os.sync()
    time.sleep(1)


def time_cp(src: Path, folder: Path, durable: bool = False) -> float:
    """Seconds for ``cp`` (and, if *durable*, ``sync`` of the copy, as the upload does before answering)."""
    dst = folder / "cp-copy"
    settle()
    start = time.perf_counter()
    subprocess.run(["cp", str(src), str(dst)], check=True)
    if durable:
        subprocess.run(["sync", str(dst)], check=True)
    elapsed = time.perf_counter() - start
    dst.unlink()
    return elapsed


def time_sha256(src: Path) -> float:
    """Seconds for the SHA-256 of *src* alone (from the page cache, as the upload hashes what it wrote)."""
    with open(src, "rb") as fh:
        start = time.perf_counter()
        hashlib.file_digest(fh, "sha256")
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--patch-mib", type=int, default=64)
    parser.add_argument("--dir", type=Path, help="where the file and the instance go (default: system temp)")
    parser.add_argument(
        "--server",
        choices=("serve", "plain"),
        default="serve",
        help="serve: `lms serve --no-worker`; plain: that gunicorn without lms.gunicorn_conf (old reader)",
    )
    parser.add_argument(
        "--new-connections",
        action="store_true",
        help="open a connection per request (by default one kept-alive connection, as tus clients do)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gongbang-bench-", dir=args.dir))
    size = args.size_mib * MIB
    source = folder / "upload.bin"
    instance = folder / "instance"
    env = dict(
        os.environ,
        LMS_INSTANCE_PATH=str(instance),
        LMS_MEDIA_UPLOAD_MAX_BYTES=str(4 * size),
        LMS_MEDIA_QUOTA_BYTES="null",
        LMS_SESSION_COOKIE_SECURE="false",
    )
    lms = [sys.executable, "-m", "lms.cli"]
    server = log = None
    try:
        free = shutil.disk_usage(folder).free
        if free < 3 * size + 1024 * MIB:
            sys.exit(f"{folder}: {free / MIB:.0f} MiB free, need about {(3 * size) / MIB + 1024:.0f} MiB")
        print(f"generating {args.size_mib} MiB of random bytes in {folder} ...", flush=True)
        make_file(source, size)
        subprocess.run(lms + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        token = (
            subprocess.run(
                [sys.executable, "-c", MAKE_USER],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = free_port()
        log = open(folder / "gunicorn.log", "wb")
        if args.server == "serve":
            command = lms + ["serve", "--no-worker", "--workers", "2", "--port", str(port)]
        else:
            command = gunicorn_argv("127.0.0.1", port, 2)
            del command[command.index("--config") : command.index("--config") + 2]
        server = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                request(port, "GET", "/healthz", {})
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit((folder / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.3)
        warm = folder / "warm.bin"
        make_file(warm, MIB)
        for _ in range(4):  # both workers import and open everything a request needs
            upload(port, token, warm, MIB)

        print(
            f"\n{os.cpu_count()} CPUs; {args.size_mib} MiB in {args.patch_mib} MiB PATCHes over loopback; "
            f"gunicorn 2 workers x 4 threads ({args.server}); "
            f"{'a connection per request' if args.new_connections else 'one kept-alive connection'}; "
            f"runs={args.runs}; "
            f"load {os.getloadavg()[0]:.1f}\n"
        )
        header = (
            f"{'run':<6} {'upload s':>9} {'MiB/s':>8} {'cp s':>7} {'cp MiB/s':>9} {'ratio':>6} "
            f"{'cp+sync s':>10} {'ratio':>6} {'sha256 s':>9} {'ratio':>6} {'RSS +MiB':>9} {'CPU s/GiB':>10}"
        )
        print(header)
        print("-" * len(header))
        rows = []
        for run in range(1, args.runs + 1):
            workers = workers_of(server.pid)
            before = {pid: proc_status(pid) for pid in workers}
            resettable = all(reset_peak(pid) for pid in workers)
            settle()
            cpu_before = cpu_seconds(workers)
            seconds, media_id = upload(port, token, source, args.patch_mib * MIB, not args.new_connections)
            assert media_id, "the final PATCH did not name the new file"
            cpu = (cpu_seconds(workers) - cpu_before) / (size / 1024 / MIB)
            base = "VmRSS" if resettable else "VmHWM"
            growth = max(proc_status(pid)["VmHWM"] - before[pid][base] for pid in workers)
            cp = time_cp(source, folder)
            durable = time_cp(source, folder, durable=True)
            sha = time_sha256(source)
            rows.append((seconds, cp, durable, sha, growth, cpu))
            print(
                f"{run:<6} {seconds:9.2f} {size / MIB / seconds:8.0f} {cp:7.2f} {size / MIB / cp:9.0f} "
                f"{cp / seconds:6.2f} {durable:10.2f} {durable / seconds:6.2f} "
                f"{sha:9.2f} {sha / seconds:6.2f} {growth / MIB:9.1f} "
                f"{cpu:10.2f}",
                flush=True,
            )
        up, cp, durable, sha, growth, cpu = (statistics.median(column) for column in zip(*rows))
        ratio = cp / up
        print(
            f"\nmedian: upload {size / MIB / up:.0f} MiB/s, cp {size / MIB / cp:.0f} MiB/s, "
            f"ratio {ratio:.2f} (goal >= {GOALS['ratio']}; against cp+sync {durable / up:.2f}, "
            f"against the SHA-256 alone {sha / up:.2f}), "
            f"server CPU {cpu:.2f} s/GiB, "
            f"server peak RSS growth {growth / MIB:.1f} MiB "
            f"(goal < {GOALS['rss_mib']} MiB) -> "
            f"{'OK' if ratio >= GOALS['ratio'] and growth / MIB < GOALS['rss_mib'] else 'MISSED'}"
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if log is not None:
            log.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
