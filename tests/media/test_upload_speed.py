"""Uploads at disk speed: bodies read from the socket in large blocks and hashed while written.

The speed itself is measured by ``bench/upload.py``; these tests prove the
behaviour that makes it: how a body is read (real gunicorn request parsing
over a socket pair, with the socket's calls recorded), that nothing else on
the connection is touched, that a cut body keeps what arrived, that the
SHA-256 of an upload is right without reading the file again, and that
``lms serve`` runs gunicorn with these hooks.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from werkzeug.wsgi import LimitedStream

from lms import serving
from lms.serving import SocketBody, pre_request, supported
from media import storage, tus
from media.tus import TusStore

MIB = 1024 * 1024
OCTETS = "application/offset+octet-stream"


class RecordingSocket:
    """The server's end of the connection, noting how much each read asked for."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.recv_sizes: list[int] = []
        self.recv_into_sizes: list[int] = []

    def recv(self, size: int) -> bytes:
        self.recv_sizes.append(size)
        return self.sock.recv(size)

    def recv_into(self, buffer, size: int = 0) -> int:
        self.recv_into_sizes.append(len(buffer))
        return self.sock.recv_into(buffer, size)

    def fileno(self) -> int:
        return self.sock.fileno()

    def gettimeout(self) -> float | None:
        return self.sock.gettimeout()


class Worker:
    class log:
        @staticmethod
        def debug(*_args) -> None:
            pass


class Connection:
    """A client and gunicorn's parser on the two ends of a socket pair; the client writes from a thread."""

    def __init__(self, *parts: bytes, close: bool = False):
        self.client, server = socket.socketpair()
        self.server = RecordingSocket(server)
        self.parser = RequestParser(Config(), self.server, ("127.0.0.1", 1))
        self.sender = threading.Thread(target=self._send, args=(parts, close), daemon=True)
        self.sender.start()

    def _send(self, parts, close):
        for part in parts:
            self.client.sendall(part)
        if close:
            self.client.close()  # the client goes away

    def request(self):
        """The next request, with its body handed over as ``lms serve`` does."""
        req = next(self.parser)
        pre_request(Worker, req)
        return req

    def close(self):
        self.sender.join(timeout=10)
        self.client.close()
        self.server.sock.close()


def patch_head(length: int, path: str = "/media/uploads/x") -> bytes:
    return f"PATCH {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode()


def as_wsgi_input(req) -> LimitedStream:
    """What Flask's ``request.stream`` is under gunicorn (werkzeug's wrapper with the upload limit)."""
    return LimitedStream(req.body, 1 << 40, is_max=True)


def test_gunicorn_here_is_one_the_hooks_know():
    assert supported()


def test_a_body_is_read_in_blocks_of_a_mebibyte_straight_from_the_socket():
    body = os.urandom(3 * MIB + 123)
    conn = Connection(
        patch_head(len(body)) + body[:5000], body[5000:], b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    try:
        req = conn.request()
        assert isinstance(req.body, SocketBody)
        header_reads = len(conn.server.recv_sizes)
        stream = as_wsgi_input(req)
        buffer = memoryview(bytearray(tus.CHUNK))
        sizes, received = [], bytearray()
        while n := stream.readinto(buffer):
            sizes.append(n)
            received += buffer[:n]
        assert bytes(received) == body
        assert sizes == [MIB, MIB, MIB, 123]  # every block full but the last
        # The socket itself is asked for the rest of each block at once, never 8 KiB at a time: the first
        # block for all but what came with the headers (one 8 KiB read), the others for a whole mebibyte.
        asked = conn.server.recv_into_sizes
        assert asked[0] >= MIB - 8192 and asked.count(MIB) == 2
        assert len(conn.server.recv_sizes) == header_reads  # gunicorn's own 8 KiB reader had no part in it
        # The next request on the connection is intact: the body's reader stopped at its end.
        following = conn.request()
        assert (following.method, following.path) == ("GET", "/next")
    finally:
        conn.close()


def test_small_bodies_lines_and_pipelined_requests():
    form = b"a=1\nbb=22\nccc"
    conn = Connection(
        patch_head(len(form))
        + form
        + patch_head(5, "/second")
        + b"12345"
        + b"GET /third HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    try:
        req = conn.request()
        assert req.body.readline() == b"a=1\n"
        assert list(req.body) == [b"bb=22\n", b"ccc"]
        assert req.body.read() == b""
        second = conn.request()
        assert second.path == "/second"  # its body is never read: gunicorn skips it with read()
        third = conn.request()
        assert third.path == "/third"
    finally:
        conn.close()


def test_read_returns_what_was_asked_and_chunked_bodies_keep_gunicorns_reader():
    conn = Connection(
        patch_head(10) + b"0123456789",
        b"POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    )
    try:
        req = conn.request()
        assert [req.body.read(4), req.body.read(4), req.body.read(4), req.body.read(4)] == [
            b"0123",
            b"4567",
            b"89",
            b"",
        ]
        chunked = conn.request()
        assert not isinstance(chunked.body, SocketBody) and chunked.body.read() == b"abc"
    finally:
        conn.close()


def test_taking_over_a_body_reads_nothing_before_the_application_asks():
    """A client that sends ``Expect: 100-continue`` waits for the go-ahead before sending its body."""
    client, server = socket.socketpair()
    server.settimeout(10)  # a blocking read in the hook would hang here, not pass
    try:
        client.sendall(b"PATCH /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        req = next(RequestParser(Config(), server, ("127.0.0.1", 1)))
        pre_request(Worker, req)  # before gunicorn answers 100 Continue: no byte of the body is there yet
        assert isinstance(req.body, SocketBody) and req.body.remaining == 5
        server.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.1 100")
        client.sendall(b"hello")
        assert req.body.read() == b"hello"
    finally:
        client.close()
        server.close()


def test_a_client_that_goes_away_mid_patch_keeps_what_arrived(tmp_path):
    data = os.urandom(5 * MIB)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    cut = 2 * MIB + 777
    conn = Connection(patch_head(len(data)), data[:cut], close=True)
    try:
        req = conn.request()
        after = store.append(upload.id, 0, as_wsgi_input(req))
    finally:
        conn.close()
    assert after.offset == cut == store.info(upload.id).offset
    assert store.part_path(upload.id).read_bytes() == data[:cut]
    # The client resumes from there on a new connection; the hash of the whole is right.
    rest = data[cut:]
    conn = Connection(patch_head(len(rest)) + rest)
    try:
        done = store.append(upload.id, cut, as_wsgi_input(conn.request()))
    finally:
        conn.close()
    assert done.complete
    with store.lock(upload.id):
        assert store.content_sha256(done) == hashlib.sha256(data).hexdigest()


def test_the_hash_is_computed_while_writing_not_by_reading_the_file_again(tmp_path, monkeypatch):
    parts = [os.urandom(MIB + 17), os.urandom(3 * MIB), b"", os.urandom(5)]
    data = b"".join(parts)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    offset = 0
    for part in parts:
        upload = store.append(upload.id, offset, _Chunks(part))
        offset += len(part)
    assert upload.complete

    def no_second_pass(*_args, **_kwargs):
        raise AssertionError("the upload was read again to hash it")

    monkeypatch.setattr(hashlib, "file_digest", no_second_pass)
    with store.lock(upload.id):
        assert store.content_sha256(upload) == hashlib.sha256(data).hexdigest()


def test_the_hash_is_right_when_another_process_wrote_a_part_or_bytes_were_lost(tmp_path):
    data = os.urandom(2 * MIB + 3)
    here, elsewhere = TusStore(tmp_path), TusStore(tmp_path)  # two web workers' stores
    upload = here.create(len(data), {}, 1, "check:any")
    here.append(upload.id, 0, _Chunks(data[:MIB]))
    elsewhere.append(upload.id, MIB, _Chunks(data[MIB : MIB + 100]))
    with open(here.part_path(upload.id), "r+b") as fh:
        fh.truncate(MIB + 50)  # a power cut lost the end of the last part
    upload = here.append(upload.id, MIB + 50, _Chunks(data[MIB + 50 :]))
    assert upload.complete
    with here.lock(upload.id):
        assert here.content_sha256(upload) == hashlib.sha256(data).hexdigest()


def test_a_refused_part_leaves_the_running_hash_where_it_was(tmp_path):
    data = os.urandom(3 * MIB)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    store.append(upload.id, 0, _Chunks(data[:MIB]))
    wrong = tus.parse_checksum("sha1 " + base64.b64encode(hashlib.sha1(b"other").digest()).decode())
    with pytest.raises(tus.TusError) as caught:
        store.append(upload.id, MIB, _Chunks(data[MIB:]), checksum=wrong)
    assert caught.value.status == tus.CHECKSUM_MISMATCH
    with pytest.raises(tus.TusError):
        store.append(upload.id, MIB, _Chunks(data[MIB:] + b"too long"))
    upload = store.append(upload.id, MIB, _Chunks(data[MIB:]))
    with store.lock(upload.id):
        assert store.content_sha256(upload) == hashlib.sha256(data).hexdigest()


def test_a_spliced_body_goes_from_the_socket_to_the_file_without_entering_python(tmp_path):
    body = os.urandom(3 * MIB + 123)
    conn = Connection(
        patch_head(len(body)) + body[:5000], body[5000:], b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    target = tmp_path / "part"
    try:
        req = conn.request()
        header_reads = len(conn.server.recv_sizes)
        fd = os.open(target, os.O_RDWR | os.O_CREAT)
        try:
            offset, steps = 0, []
            while n := req.body.splice_into(fd, offset, 10 * MIB):
                steps.append(n)
                offset += n
        finally:
            os.close(fd)
        assert target.read_bytes() == body
        assert req.body.remaining == 0 and req.body.splice_into(0, 0, 1) == 0
        # What gunicorn read with the headers (an 8 KiB read) is written first; then the kernel
        # moves at most a pipe-load at a time.
        assert steps[0] <= 8192 and all(step <= serving.PIPE_BYTES for step in steps)
        assert conn.server.recv_into_sizes == [] and len(conn.server.recv_sizes) == header_reads
        following = conn.request()  # stopped at the body's end: the next request is intact
        assert (following.method, following.path) == ("GET", "/next")
        req.body.close()
    finally:
        conn.close()


def test_a_tus_part_from_the_socket_is_spliced_and_hashed_from_the_file(tmp_path, monkeypatch):
    data = os.urandom(5 * MIB + 9)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    cut = 2 * MIB + 1
    conn = Connection(patch_head(cut) + data[:cut], patch_head(len(data) - cut) + data[cut:])
    try:
        upload = store.append(upload.id, 0, conn.request().body)
        assert upload.offset == cut
        upload = store.append(upload.id, cut, conn.request().body)
    finally:
        conn.close()
    assert upload.complete and conn.server.recv_into_sizes == []
    assert store.part_path(upload.id).read_bytes() == data

    def no_second_pass(*_args, **_kwargs):
        raise AssertionError("the upload was read again to hash it")

    monkeypatch.setattr(hashlib, "file_digest", no_second_pass)
    with store.lock(upload.id):
        assert store.content_sha256(upload) == hashlib.sha256(data).hexdigest()


def test_a_spliced_part_that_is_cut_too_long_or_wrong_keeps_the_upload_right(tmp_path):
    data = os.urandom(4 * MIB)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    # The client goes away after 1 MiB + 5 of the 4 MiB it announced: what arrived is kept.
    cut = MIB + 5
    conn = Connection(patch_head(len(data)), data[:cut], close=True)
    try:
        upload = store.append(upload.id, 0, conn.request().body)
    finally:
        conn.close()
    assert upload.offset == cut and store.part_path(upload.id).read_bytes() == data[:cut]
    # A part longer than the upload: refused, and the byte past the end that reached the file is gone.
    rest = data[cut:] + b"!"
    conn = Connection(patch_head(len(rest)) + rest)
    try:
        with pytest.raises(tus.TusError) as caught:
            store.append(upload.id, cut, conn.request().body)
    finally:
        conn.close()
    assert caught.value.status == 413
    assert store.info(upload.id).offset == cut and store.part_path(upload.id).stat().st_size == cut
    # A part whose checksum is wrong: nothing of it stays.
    wrong = tus.parse_checksum("sha1 " + base64.b64encode(hashlib.sha1(b"other").digest()).decode())
    conn = Connection(patch_head(len(data) - cut) + data[cut:])
    try:
        with pytest.raises(tus.TusError) as caught:
            store.append(upload.id, cut, conn.request().body, checksum=wrong)
    finally:
        conn.close()
    assert caught.value.status == tus.CHECKSUM_MISMATCH and store.info(upload.id).offset == cut
    # The right rest: the whole upload and its hash are right.
    right = tus.parse_checksum("sha1 " + base64.b64encode(hashlib.sha1(data[cut:]).digest()).decode())
    conn = Connection(patch_head(len(data) - cut) + data[cut:])
    try:
        upload = store.append(upload.id, cut, conn.request().body, checksum=right)
    finally:
        conn.close()
    assert upload.complete and store.part_path(upload.id).read_bytes() == data
    with store.lock(upload.id):
        assert store.content_sha256(upload) == hashlib.sha256(data).hexdigest()


def test_splicing_from_a_socket_with_a_timeout_waits_for_bytes_and_then_gives_up(tmp_path):
    client, server = socket.socketpair()
    server.settimeout(5)  # non-blocking underneath: splice(2) answers EAGAIN until bytes come
    try:
        client.sendall(b"PATCH /u HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n")
        req = next(RequestParser(Config(), server, ("127.0.0.1", 1)))
        pre_request(Worker, req)
        threading.Timer(0.3, client.sendall, args=(b"abc",)).start()
        fd = os.open(tmp_path / "part", os.O_RDWR | os.O_CREAT)
        try:
            assert req.body.splice_into(fd, 0, 6) == 3  # waited for the late bytes
            assert os.pread(fd, 10, 0) == b"abc"
            server.settimeout(0.2)
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                req.body.splice_into(fd, 3, 3)
            assert time.monotonic() - started < 3
        finally:
            os.close(fd)
            req.body.close()
    finally:
        client.close()
        server.close()


def test_the_disk_is_told_to_write_behind_a_large_part(tmp_path, monkeypatch):
    ranges = []
    monkeypatch.setattr(tus, "WRITEBACK_STEP", MIB)
    monkeypatch.setattr(tus, "start_writeback", lambda fd, offset, length: ranges.append((offset, length)))
    data = os.urandom(3 * MIB + 500)
    store = TusStore(tmp_path)
    upload = store.create(len(data) + 10, {}, 1, "check:any")
    store.append(upload.id, 0, _Chunks(data))
    # In order, with no gap and no overlap, each once a mebibyte piled up (the body comes in pieces of about
    # 100 kB); the tail, under a mebibyte, is left to the final fsync.
    starts = [0] + [offset + length for offset, length in ranges[:-1]]
    assert [offset for offset, _length in ranges] == starts and len(ranges) >= 2
    assert all(MIB <= length < MIB + 100_010 for _offset, length in ranges)
    assert len(data) - sum(length for _offset, length in ranges) < MIB
    storage.start_writeback(os.open(store.part_path(upload.id), os.O_RDONLY), 0, MIB)  # a real call: harmless
    assert store.part_path(upload.id).read_bytes() == data


def test_hashing_behind_covers_exactly_what_was_reported_when_the_writer_fails(tmp_path):
    data = os.urandom(3 * MIB)
    path = tmp_path / "f"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    digest = hashlib.sha256()
    try:
        with pytest.raises(RuntimeError), storage.HashBehind(fd, 100, digest, size=4096) as hashing:
            hashing.written(MIB)
            hashing.written(2 * MIB + 1)
            raise RuntimeError("the connection broke")
    finally:
        os.close(fd)
    assert digest.hexdigest() == hashlib.sha256(data[100 : 2 * MIB + 1]).hexdigest()


class _Chunks:
    """A body that arrives in uneven pieces (as a network delivers it)."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def readinto(self, buffer) -> int:
        n = min(len(buffer), 100_000 + self.pos % 7, len(self.data) - self.pos)
        buffer[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


MAKE_TOKEN = """
from lms import create_app
from lms.api.services import create_token
from lms.jobs import commit
from lms.users.models import Role
from lms.users.services import create_user
app = create_app()
with app.app_context():
    user = create_user(
        email="speed@example.org", name="Speed", role=Role.TRAINEE, created_by=None, invite=False
    )
    print(create_token(user, "speed", "read write")[1])
    commit()
"""

SHA256_OF = """
import sys
from lms import create_app
from lms.extensions import db
from media.models import MediaFile
with create_app().app_context():
    print(db.session.get(MediaFile, int(sys.argv[1])).sha256)
"""


@pytest.mark.slow
def test_lms_serve_reads_bodies_from_the_socket_and_stores_them_right(tmp_path):
    """The real ``lms serve``: its log says the hooks are on; a cut PATCH, resuming and the hash over HTTP."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_MEDIA_QUOTA_BYTES="null")
    lms = str(Path(sys.executable).with_name("lms"))
    subprocess.run([lms, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [sys.executable, "-c", MAKE_TOKEN], env=env, check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [lms, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(port, proc, log_path)
        data = os.urandom(12 * MIB + 5)
        auth = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
        meta = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}"
            for k, v in {"filename": "speed.bin", "context": "check:any"}.items()
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            "/api/v1/uploads/",
            headers={**auth, "Upload-Length": str(len(data)), "Upload-Metadata": meta},
        )
        created = conn.getresponse()
        created.read()
        assert created.status == 201, created.status
        location = created.getheader("Location")
        # A PATCH whose client goes away after 5 MiB + 1 of the 12 MiB it announced.
        cut = 5 * MIB + 1
        with socket.create_connection(("127.0.0.1", port)) as raw:
            raw.sendall(
                f"PATCH {location} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth['Authorization']}\r\n"
                f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: {OCTETS}\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data[:cut]
            )
        offset = _offset_after_cut(conn, location, auth)
        assert 0 < offset <= cut
        # The rest on the kept-alive connection, in two PATCHes.
        for start, end in ((offset, 9 * MIB), (9 * MIB, len(data))):
            headers = {**auth, "Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream"}
            conn.request("PATCH", location, body=data[start:end], headers=headers)
            answer = conn.getresponse()
            answer.read()
            assert answer.status == 204, answer.status
        media_id = answer.getheader("Gongbang-Media-Id")
        conn.close()
        stored = subprocess.run(
            [sys.executable, "-c", SHA256_OF, media_id], env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        assert stored == hashlib.sha256(data).hexdigest()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert "read straight from the socket" in log_path.read_text(errors="replace")


def _wait_for(port: int, proc: subprocess.Popen, log_path: Path) -> None:
    for _ in range(160):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.25)
        finally:
            conn.close()
        if proc.poll() is not None:
            break
    raise AssertionError(log_path.read_text(errors="replace")[-3000:])


def _offset_after_cut(conn, location, auth) -> int:
    """The offset once the server has written what arrived of the cut PATCH (HEAD answers 423 meanwhile)."""
    for _ in range(100):
        conn.request("HEAD", location, headers=auth)
        answer = conn.getresponse()
        answer.read()
        if answer.status == 200 and int(answer.getheader("Upload-Offset")):
            return int(answer.getheader("Upload-Offset"))
        time.sleep(0.1)
    raise AssertionError("the cut PATCH left nothing")


def test_a_file_system_that_refuses_splicing_gets_the_bytes_written_the_ordinary_way(tmp_path, monkeypatch):
    """Some file systems answer ``splice(2)`` into a file with EINVAL: the bytes already in the pipe and the
    rest of the body are read and written instead, and the upload's hash is still right."""
    import errno

    real_splice = os.splice
    refused = []

    def splice(src, dst, count, offset_src=None, offset_dst=None, flags=0):
        if offset_dst is not None:  # into the file
            refused.append(count)
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_splice(src, dst, count, offset_src, offset_dst, flags)

    monkeypatch.setattr(os, "splice", splice)
    data = os.urandom(3 * MIB + 11)
    store = TusStore(tmp_path)
    upload = store.create(len(data), {}, 1, "check:any")
    conn = Connection(patch_head(len(data)) + data)
    try:
        upload = store.append(upload.id, 0, conn.request().body)
    finally:
        conn.close()
    assert len(refused) == 1  # asked once; the rest of the body never tried again
    assert upload.complete and store.part_path(upload.id).read_bytes() == data
    with store.lock(upload.id):
        assert store.content_sha256(upload) == hashlib.sha256(data).hexdigest()
