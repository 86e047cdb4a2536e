"""Resumable uploads (tus 1.0): the protocol on both faces, limits before any byte, finishing exactly once."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import time
import tracemalloc

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from media import services, signals, tasks, tus
from media.models import MediaFile, MediaStatus
from media.signals import UploadTarget
from media.tus import TusError, TusStore, parse_checksum, parse_metadata
from tests.fixtures.users import PASSWORD

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client, length, context="check:any", base="/media/uploads/", filename="clip.mp4", headers=None):
    return client.post(
        base,
        headers={
            **TUS,
            "Upload-Length": str(length),
            "Accept-Language": "en",
            "Upload-Metadata": metadata(filename=filename, filetype="video/mp4", context=context),
            **(headers or {}),
        },
    )


def patch(client, url, offset, data, headers=None, **kwargs):
    return client.patch(
        url,
        data=data,
        headers={
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": OCTETS,
            "Accept-Language": "en",
            **(headers or {}),
        },
        **kwargs,
    )


def head(client, url, headers=None):
    return client.head(url, headers={**TUS, **(headers or {})})


def digest(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def tus_files(app):
    root = services.get_storage().root / "tus"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.fixture
def trainee(make_user):
    return make_user("trainee", locale="en")


@pytest.fixture
def signed_in(client, login, trainee):
    return login(trainee)


@pytest.fixture
def sample(media):
    return media["h264_aac.mp4"].read_bytes()


@pytest.fixture
def target(app):
    """``target(UploadTarget | Exception)``: answer the context ``testing:1`` as a plugin would."""
    answers = []

    def receiver(user, context, **_kw):
        if context != "testing:1" or not answers:
            return None
        if isinstance(answers[-1], Exception):
            raise answers[-1]
        return answers[-1]

    signals.upload_requested.connect(receiver)
    yield answers.append
    signals.upload_requested.disconnect(receiver)


def test_options_announce_the_protocol_without_a_version_header(client):
    r = client.options("/media/uploads/")
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert r.headers["Tus-Version"] == "1.0.0" and r.headers["Tus-Max-Size"] == str(2 * 1000**3)
    assert set(r.headers["Tus-Extension"].split(",")) >= {"creation", "termination", "checksum"}
    assert r.headers["Tus-Checksum-Algorithm"] == "sha1,sha256,md5"


def test_upload_in_chunks_resume_and_finish_once(signed_in, sample, db, app, trainee):
    client = signed_in
    completed = []

    def on_completed(media, context, user):
        completed.append((media.id, context, user.id))

    signals.upload_completed.connect(on_completed)
    try:
        r = create(client, len(sample))
        assert r.status_code == 201 and r.headers["Upload-Offset"] == "0"
        assert r.headers["Tus-Resumable"] == "1.0.0"
        url = r.headers["Location"]
        assert re.fullmatch(r"/media/uploads/[A-Za-z0-9_-]{32,}", url) and "Upload-Expires" in r.headers
        third = len(sample) // 3
        r = patch(client, url, 0, sample[:third])
        assert r.status_code == 204 and r.headers["Upload-Offset"] == str(third)
        assert "Gongbang-Media-Id" not in r.headers
        # A client that lost track asks where to resume.
        r = head(client, url)
        assert r.status_code == 200 and r.headers["Upload-Offset"] == str(third)
        assert r.headers["Upload-Length"] == str(len(sample)) and r.headers["Cache-Control"] == "no-store"
        assert parse_metadata(r.headers["Upload-Metadata"])["filename"] == "clip.mp4"
        assert patch(client, url, third, sample[third : 2 * third]).headers["Upload-Offset"] == str(2 * third)
        r = patch(client, url, 2 * third, sample[2 * third :])
        assert r.status_code == 204 and r.headers["Upload-Offset"] == str(len(sample))
    finally:
        signals.upload_completed.disconnect(on_completed)
    m = db.session.query(MediaFile).one()
    assert r.headers["Gongbang-Media-Id"] == str(m.id) and r.headers["Gongbang-Media-Url"] == f"/media/{m.id}"
    assert m.sha256 == hashlib.sha256(sample).hexdigest() and m.size_bytes == len(sample)
    assert services.get_storage().path(m.storage_key).read_bytes() == sample
    assert m.owner_id == trainee.id and m.original_name == "clip.mp4" and m.declared_type == "video/mp4"
    # The checks ran (eagerly here) against the preset's brief.
    assert m.status is MediaStatus.READY and m.kind == "video" and m.rendition("poster") is not None
    assert completed == [(m.id, "check:any", trainee.id)]
    assert not any(name.endswith(".part") for name in tus_files(app))
    # The answer to a retried final PATCH or HEAD is the same file, not a second one.
    for again in (head(client, url), patch(client, url, len(sample), b"")):
        assert again.status_code in (200, 204) and again.headers["Gongbang-Media-Id"] == str(m.id)
    assert patch(client, url, 0, sample[:10]).status_code == 409
    assert db.session.query(MediaFile).count() == 1 and len(completed) == 1


def test_wrong_offset_is_409_and_changes_nothing(signed_in, sample):
    url = create(signed_in, len(sample)).headers["Location"]
    patch(signed_in, url, 0, sample[:100])
    for offset in (0, 50, 101):
        r = patch(signed_in, url, offset, sample[offset : offset + 100])
        assert r.status_code == 409 and r.get_json()["code"] == 409, offset
    assert head(signed_in, url).headers["Upload-Offset"] == "100"


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
def test_checksums_are_verified_and_a_mismatch_keeps_nothing(signed_in, sample, app, algorithm):
    url = create(signed_in, len(sample)).headers["Location"]
    r = patch(signed_in, url, 0, sample[:1000], headers={"Upload-Checksum": digest(algorithm, sample[:1000])})
    assert r.status_code == 204 and r.headers["Upload-Offset"] == "1000"
    damaged = b"X" + sample[1001:2000]
    r = patch(
        signed_in, url, 1000, damaged, headers={"Upload-Checksum": digest(algorithm, sample[1000:2000])}
    )
    assert r.status_code == 460 and r.status == "460 Checksum Mismatch"
    assert r.headers["Tus-Resumable"] == "1.0.0"
    assert "damaged" in r.get_json()["message"]
    assert head(signed_in, url).headers["Upload-Offset"] == "1000"
    part = services.get_upload_store().part_path(url.rsplit("/", 1)[1])
    assert part.read_bytes() == sample[:1000]


@pytest.mark.parametrize(
    "header", ["crc32 AAAA", "sha1 not-base64!", "sha256 " + base64.b64encode(b"short").decode()]
)
def test_unreadable_checksums_are_400(signed_in, sample, header):
    url = create(signed_in, len(sample)).headers["Location"]
    r = patch(signed_in, url, 0, sample[:10], headers={"Upload-Checksum": header})
    assert r.status_code == 400 and head(signed_in, url).headers["Upload-Offset"] == "0"


def test_termination_deletes_the_bytes(signed_in, sample, app):
    url = create(signed_in, len(sample)).headers["Location"]
    patch(signed_in, url, 0, sample[:500])
    assert len(tus_files(app)) == 3  # .part, .info, .lock
    r = signed_in.delete(url, headers=TUS)
    assert r.status_code == 204 and r.headers["Tus-Resumable"] == "1.0.0"
    assert tus_files(app) == []
    assert head(signed_in, url).status_code == 404
    assert signed_in.delete(url, headers=TUS).status_code == 404


@pytest.mark.parametrize("method", ["post", "head", "patch", "delete"])
@pytest.mark.parametrize("version", [None, "0.2.2", "1.0"])
def test_missing_or_other_protocol_version_is_412(signed_in, sample, method, version):
    url = create(signed_in, len(sample)).headers["Location"]
    headers = {"Upload-Length": "10", "Upload-Offset": "0", "Content-Type": OCTETS}
    if version:
        headers["Tus-Resumable"] = version
    r = getattr(signed_in, method)(
        "/media/uploads/" if method == "post" else url,
        headers=headers,
        data=b"x" if method == "patch" else None,
    )
    assert r.status_code == 412 and r.headers["Tus-Version"] == r.headers["Tus-Resumable"] == "1.0.0"


def test_patch_needs_the_offset_content_type_and_a_number(signed_in, sample):
    url = create(signed_in, len(sample)).headers["Location"]
    for content_type in ("application/octet-stream", "multipart/form-data; boundary=x", None):
        headers = {**TUS, "Upload-Offset": "0", **({"Content-Type": content_type} if content_type else {})}
        assert signed_in.patch(url, data=sample[:10], headers=headers).status_code == 415, content_type
    assert patch(signed_in, url, "-1", b"x").status_code == 400
    assert patch(signed_in, url, "", b"x").status_code == 400
    assert head(signed_in, url).headers["Upload-Offset"] == "0"


def test_creation_needs_a_length_and_readable_metadata(signed_in):
    assert signed_in.post("/media/uploads/", headers={**TUS, "Upload-Defer-Length": "1"}).status_code == 400
    assert create(signed_in, "12abc").status_code == 400
    bad = {"Upload-Metadata": "filename not*base64,context " + base64.b64encode(b"check:any").decode()}
    r = create(signed_in, 10, headers=bad)
    assert r.status_code == 400 and "Upload-Metadata" in r.get_json()["message"]


def test_past_the_length_is_413_and_nothing_is_kept(signed_in, sample):
    url = create(signed_in, 100).headers["Location"]
    patch(signed_in, url, 0, sample[:60])
    assert patch(signed_in, url, 60, sample[60:160]).status_code == 413
    assert head(signed_in, url).headers["Upload-Offset"] == "60"


@pytest.mark.parametrize("limit", ["spec", "target", "config", "quota"])
def test_too_large_is_refused_before_any_byte_is_stored(signed_in, app, db, target, limit):
    context = "testing:1"
    target(
        UploadTarget(
            spec={"max_size_bytes": 5000} if limit == "spec" else {},
            max_bytes=5000 if limit == "target" else None,
        )
    )
    if limit == "config":
        app.config["MEDIA_UPLOAD_MAX_BYTES"] = 5000
    if limit == "quota":
        app.config["MEDIA_QUOTA_BYTES"] = 5000
    r = create(signed_in, 6000, context=context)
    assert r.status_code == 413 and r.headers["Tus-Resumable"] == "1.0.0"
    message = r.get_json()["message"]
    if limit == "quota":
        assert "storage space" in message and "6 KB" in message and "5 KB" in message
    else:
        assert message == "The file is 6 KB; the limit is 5 KB."
    assert tus_files(app) == [] and db.session.query(MediaFile).count() == 0
    assert create(signed_in, 5000, context=context).status_code == 201


def test_quota_counts_stored_files_and_unfinished_uploads(signed_in, app, db, sample, make_user, login):
    app.config["MEDIA_QUOTA_BYTES"] = len(sample) * 2 + 100
    first = create(signed_in, len(sample)).headers["Location"]
    patch(signed_in, first, 0, sample)  # finished: counts as a file
    second = create(signed_in, len(sample))  # unfinished: counts by its length
    assert second.status_code == 201
    assert create(signed_in, 200).status_code == 413
    signed_in.delete(second.headers["Location"], headers=TUS)
    assert create(signed_in, 200).status_code == 201
    # Other people's files are theirs.
    other = login(make_user("trainee"), c=app.test_client())
    assert create(other, len(sample) * 2).status_code == 201


@pytest.mark.parametrize(
    "context, status",
    [
        ("", 400),
        ("check", 400),
        ("check:", 400),
        ("../etc:passwd", 400),
        ("check:any/../x", 400),
        ("testing:99", 403),
        ("check:no_such_preset", 403),
        ("testing:1", 403),
    ],
)
def test_contexts_nobody_answers_or_that_are_malformed_are_refused(signed_in, app, target, context, status):
    target(PermissionError("not enrolled"))
    r = create(signed_in, 10, context=context)
    assert r.status_code == status and r.get_json()["message"] and tus_files(app) == []


def test_a_receiver_decides_the_brief(signed_in, db, target, sample):
    target(UploadTarget(spec={"kinds": ["image"]}))
    url = create(signed_in, len(sample), context="testing:1").headers["Location"]
    patch(signed_in, url, 0, sample)
    m = db.session.query(MediaFile).one()
    assert m.spec["kinds"] == ["image"] and m.status is MediaStatus.REJECTED


def test_uploads_belong_to_their_creator(signed_in, app, sample, make_user, login):
    url = create(signed_in, len(sample)).headers["Location"]
    patch(signed_in, url, 0, sample[:100])
    other = login(make_user("trainee"), c=app.test_client())
    admin = login(make_user("admin"), c=app.test_client())
    for intruder in (other, admin):
        assert head(intruder, url).status_code == 404
        assert patch(intruder, url, 100, sample[100:200]).status_code == 404
        assert intruder.delete(url, headers=TUS).status_code == 404
    assert head(signed_in, url).headers["Upload-Offset"] == "100"
    for made_up in ("/media/uploads/" + "A" * 32, "/media/uploads/..%2F..%2Finstance", "/media/uploads/x"):
        assert head(signed_in, made_up).status_code == 404


def test_anonymous_requests_get_401(app, signed_in, sample):
    url = create(signed_in, len(sample)).headers["Location"]
    anonymous = app.test_client()
    r = create(anonymous, 10)
    assert r.status_code == 401 and r.headers["Tus-Resumable"] == "1.0.0"
    assert "Sign in" in r.get_json()["message"]
    assert head(anonymous, url).status_code == 401 and patch(anonymous, url, 0, b"x").status_code == 401
    assert tus_files(app) and head(signed_in, url).headers["Upload-Offset"] == "0"


def signed_in_with_csrf(app_factory, user):
    """A client of an app with CSRF protection on, signed in as *user*, and the token its pages carry."""
    csrf_app = app_factory(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    page = client.get("/media/check").get_data(as_text=True)  # signing in renews the session, and the token
    return client, re.search(r'data-csrf-token="([^"]+)"', page).group(1)


def test_browser_face_needs_the_csrf_header(app_factory, trainee, sample):
    client, token = signed_in_with_csrf(app_factory, trainee)
    assert create(client, len(sample)).status_code == 400
    r = create(client, len(sample), headers={"X-CSRFToken": token})
    assert r.status_code == 201
    url = r.headers["Location"]
    r = patch(client, url, 0, sample)
    assert r.status_code == 400 and r.headers["Tus-Resumable"] == "1.0.0"
    assert head(client, url).headers["Upload-Offset"] == "0"  # HEAD changes nothing: no token needed
    assert client.delete(url, headers=TUS).status_code == 400
    r = patch(client, url, 0, sample, headers={"X-CSRFToken": token})
    assert r.status_code == 204 and r.headers["Gongbang-Media-Id"]


def test_plain_form_post_streams_past_the_forms_limit_with_csrf_on(app_factory, trainee, db):
    """Without JavaScript the Check page posts the file; CSRF must not apply the 16 MB form limit to it."""
    client, token = signed_in_with_csrf(app_factory, trainee)
    big = b"\x00\x13" + bytes(17 * 1024 * 1024)
    assert len(big) > client.application.config["MAX_CONTENT_LENGTH"]
    # Encoded here: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "preset": "any", "file": FileStorage(io.BytesIO(big), "big.bin")}
    )
    r = client.post("/media/check", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 302, r.status_code
    assert db.session.query(MediaFile).one().size_bytes == len(big)


def test_api_face_with_a_bearer_token(client, make_user, token_for, sample, db, app):
    user = make_user("trainee")
    headers = token_for(user, "read write")
    r = create(client, len(sample), base="/api/v1/uploads/", headers=headers)
    assert r.status_code == 201
    url = r.headers["Location"]
    assert url.startswith("/api/v1/uploads/")
    assert patch(client, url, 0, sample[:1000], headers=headers).headers["Upload-Offset"] == "1000"
    read_only = token_for(user, "read")
    assert head(client, url, headers=read_only).headers["Upload-Offset"] == "1000"
    assert patch(client, url, 1000, sample[1000:], headers=read_only).status_code == 403
    r = patch(client, url, 1000, sample[1000:], headers=headers)
    m = db.session.query(MediaFile).one()
    assert r.status_code == 204 and r.headers["Gongbang-Media-Id"] == str(m.id) and m.owner_id == user.id
    assert r.headers["Gongbang-Media-Url"] == f"/media/{m.id}"
    assert m.sha256 == hashlib.sha256(sample).hexdigest()
    # Someone else's token, no token, and the session cookie do not reach it.
    assert head(client, url, headers=token_for(make_user("trainee"), "read write")).status_code == 404
    r = head(client, url)
    assert r.status_code == 401 and r.headers["Tus-Resumable"] == "1.0.0"
    r = create(client, 10, base="/api/v1/uploads/", context="check:none", headers=headers)
    assert r.status_code == 403 and set(r.get_json()) == {"code", "status", "message"}
    assert client.options("/api/v1/uploads/", headers=headers).headers["Tus-Max-Size"] == str(2 * 1000**3)


def test_the_api_face_is_documented(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"post", "options"} <= set(doc["paths"]["/api/v1/uploads/"])
    one = doc["paths"]["/api/v1/uploads/{upload_id}"]
    assert {"head", "patch", "delete", "options"} <= set(one)
    assert "application/offset+octet-stream" in one["patch"]["requestBody"]["content"]
    assert {"204", "409", "412", "415", "460"} <= set(one["patch"]["responses"])
    assert "Gongbang-Media-Id" in one["patch"]["responses"]["204"]["headers"]


def test_a_crash_between_storing_and_registering_is_recovered(signed_in, sample, db, app, monkeypatch):
    url = create(signed_in, len(sample)).headers["Location"]
    real = services.register_stored

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(services, "register_stored", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        patch(signed_in, url, 0, sample)
    sha256 = hashlib.sha256(sample).hexdigest()
    assert services.get_storage().exists(f"originals/{sha256[:2]}/{sha256[2:4]}/{sha256}")
    assert db.session.query(MediaFile).count() == 0
    assert not any(name.endswith(".part") for name in tus_files(app))  # already moved into storage
    monkeypatch.setattr(services, "register_stored", real)
    r = head(signed_in, url)
    m = db.session.query(MediaFile).one()
    assert r.status_code == 200 and r.headers["Gongbang-Media-Id"] == str(m.id)
    assert m.sha256 == hashlib.sha256(sample).hexdigest() and m.status is MediaStatus.READY


def test_a_crash_before_the_commit_registers_again_and_only_once(signed_in, sample, db, monkeypatch):
    from media import uploads

    url = create(signed_in, len(sample)).headers["Location"]

    def crash():
        raise RuntimeError("database gone")

    monkeypatch.setattr(uploads, "commit", crash)
    with pytest.raises(RuntimeError, match="database gone"):
        patch(signed_in, url, 0, sample)
    upload = services.get_upload_store().info(url.rsplit("/", 1)[1])
    assert upload.media_id is not None and db.session.query(MediaFile).count() == 0  # rolled back
    monkeypatch.undo()
    r = patch(signed_in, url, len(sample), b"")
    assert r.status_code == 204 and db.session.query(MediaFile).count() == 1
    assert head(signed_in, url).headers["Gongbang-Media-Id"] == r.headers["Gongbang-Media-Id"]


def test_an_empty_file_is_finished_at_creation(signed_in, db):
    r = create(signed_in, 0)
    m = db.session.query(MediaFile).one()
    assert r.status_code == 201 and r.headers["Gongbang-Media-Id"] == str(m.id)
    assert m.status is MediaStatus.REJECTED and m.problems[0]["code"] == "empty_file"


def test_expired_uploads_are_gone_and_purged(signed_in, sample, app, runner):
    stale = create(signed_in, len(sample)).headers["Location"]
    patch(signed_in, stale, 0, sample[:100])
    fresh = create(signed_in, len(sample)).headers["Location"]
    store = services.get_upload_store()
    stale_id = stale.rsplit("/", 1)[1]
    with store.lock(stale_id):
        store.mark(stale_id, expires=time.time() - 1)
    assert head(signed_in, stale).status_code == 404  # expired, not yet purged
    assert tasks.purge_uploads.delay().get() == {"uploads": 1, "tmp_files": 0}
    assert not any(name.startswith(stale_id) for name in tus_files(app))
    assert head(signed_in, fresh).status_code == 200
    result = runner.invoke(args=["media", "purge-uploads"])
    assert result.exit_code == 0 and "removed 0 expired upload(s)" in result.output
    # A day after the last write (LMS_MEDIA_UPLOAD_EXPIRY_HOURS) the fresh one goes too.
    removed, _stale = services.purge_uploads(now=time.time() + 24 * 3600 + 60)
    assert removed == [fresh.rsplit("/", 1)[1]] and tus_files(app) == []


def test_the_purge_runs_from_beat(app):
    from lms.cli import _worker_argv

    entry = app.extensions["celery"].conf.beat_schedule["media.purge_uploads"]
    assert entry["task"] == "media.purge_uploads" and entry["schedule"] == 3600
    assert "media.purge_uploads" in app.extensions["celery"].tasks
    assert "-B" in _worker_argv(1, beat=True) and "-B" not in _worker_argv(1)


class ChunkPolice(io.RawIOBase):
    """A request body of *size* pseudo-random bytes that fails the test if read whole or in large pieces."""

    LARGEST = 8 * 1024 * 1024

    def __init__(self, size: int):
        self.size, self.pos, self.sha256, self.largest = size, 0, hashlib.sha256(), 0
        self.block = hashlib.sha512(b"seed").digest() * 16384  # 1 MiB

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer)
        assert 0 < n <= self.LARGEST, f"read of {n} bytes"
        self.largest = max(self.largest, n)
        start = self.pos % len(self.block)
        n = min(n, self.size - self.pos, len(self.block) - start)  # a short read is allowed
        piece = memoryview(self.block)[start : start + n]
        buffer[:n] = piece
        self.sha256.update(piece)
        self.pos += n
        return n

    def seekable(self):
        return True  # the test client measures the body with seek and tell; the server does not seek

    def seek(self, offset, whence=io.SEEK_SET):
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def read(self, size=-1):
        assert size is not None and 0 < size <= self.LARGEST, f"read({size})"
        return super().read(size)

    def readall(self):
        raise AssertionError("the whole body was read at once")


def test_the_body_is_never_read_whole(signed_in, db):
    size = 24 * 1024 * 1024
    url = create(signed_in, size, filename="big.bin").headers["Location"]
    body = ChunkPolice(size)
    tracemalloc.start()
    try:
        r = patch(signed_in, url, 0, None, input_stream=body, content_length=size)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 204 and r.headers["Upload-Offset"] == str(size)
    assert body.pos == size and body.largest <= tus.CHUNK
    assert peak < 6 * 1024 * 1024, f"{peak / 2**20:.1f} MiB held at once"
    assert db.session.query(MediaFile).one().sha256 == body.sha256.hexdigest()


def test_the_check_page_offers_the_resumable_uploader(signed_in, client):
    page = client.get("/media/check").get_data(as_text=True)
    assert 'data-context="check:{preset}"' in page and 'data-endpoint="/media/uploads/"' in page
    assert 'enctype="multipart/form-data"' in page and 'action="/media/check"' in page and "<progress" in page
    assert "/media/static/media/vendor/tus.min.js" in page and "/media/static/media/upload.js" in page
    assert "<script>" not in page  # the CSP allows script files only
    for path in ("/media/static/media/vendor/tus.min.js", "/media/static/media/upload.js"):
        r = client.get(path)
        assert r.status_code == 200 and len(r.data) > 1000
        r.close()


def test_the_macro_can_show_the_status_on_the_page(app, trainee):
    from flask import render_template_string
    from flask_login import login_user

    source = (
        '{% from "media/_uploader.html" import uploader %}'
        '{{ uploader("testing:1", "/plain", "Your video", accept="video/*", max_bytes=10**9, follow=False,'
        ' id="clip") }}'
    )
    with app.test_request_context("/"):
        login_user(trainee)
        html = render_template_string(source)
    form, after = html.split("</form>", 1)
    assert (
        'data-follow="false"' in form
        and 'data-status-panel="clip-status"' in form
        and 'accept="video/*"' in form
    )
    assert (
        'action="/plain"' in form and 'data-max-bytes="1000000000"' in form and "Up to 1 GB per file." in form
    )
    # The panel holds forms of its own (the poster picker), so it cannot sit inside the uploader's form.
    assert 'id="clip-status" data-media-panel' in after and "media/media.js" in after


# The store on its own (no Flask).


@pytest.mark.parametrize(
    "header, expected",
    [
        (None, {}),
        ("", {}),
        ("filename ZmlsZS5tcDQ=", {"filename": "file.mp4"}),
        ("is_confidential", {"is_confidential": ""}),
        (
            "filename " + base64.b64encode("영상.mp4".encode()).decode() + ", is_confidential",
            {"filename": "영상.mp4", "is_confidential": ""},
        ),
    ],
)
def test_metadata_is_parsed(header, expected):
    assert parse_metadata(header) == expected
    if expected:
        assert parse_metadata(tus.format_metadata(expected)) == expected


@pytest.mark.parametrize(
    "header",
    [
        "filename ZmlsZS5tcDQ",
        "a b c",
        "file name ZQ==",
        "a ZQ==,a ZQ==",
        "a //79",
        " ,a ZQ==",
        "k " + "A" * 9000,
    ],
)
def test_bad_metadata_is_400(header):
    with pytest.raises(TusError) as caught:
        parse_metadata(header)
    assert caught.value.status == 400 and caught.value.code == "bad_metadata"


def test_checksum_header_is_parsed():
    assert parse_checksum(None) is None
    assert parse_checksum(digest("sha1", b"abc")) == ("sha1", hashlib.sha1(b"abc").digest())


@pytest.mark.parametrize("upload_id", ["../../etc/passwd", "a" * 31, "a/" + "b" * 40, "." * 40, "", "a" * 87])
def test_ids_are_checked_before_any_path_is_built(tmp_path, upload_id):
    store = TusStore(tmp_path)
    for call in (
        lambda: store.info(upload_id),
        lambda: store.terminate(upload_id),
        lambda: store.append(upload_id, 0, io.BytesIO(b"x")),
    ):
        with pytest.raises(TusError) as caught:
            call()
        assert caught.value.status == 404
    assert list(tmp_path.iterdir()) == []


def test_store_ids_are_long_and_random(tmp_path):
    store = TusStore(tmp_path)
    ids = {store.create(1, {}, 1, "check:any").id for _ in range(20)}
    assert len(ids) == 20 and all(len(i) >= 32 for i in ids)


class Dropped(io.RawIOBase):
    """A body that breaks after *good* bytes, as a cut connection does."""

    def __init__(self, good: bytes):
        self.data = io.BytesIO(good)

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.data.readinto(buffer)
        if not n:
            raise ConnectionResetError("client went away")
        return n


def test_a_cut_body_keeps_what_arrived_unless_it_had_a_checksum(tmp_path):
    store = TusStore(tmp_path)
    upload = store.create(1000, {}, 1, "check:any")
    with pytest.raises(ConnectionResetError):
        store.append(upload.id, 0, Dropped(b"a" * 300))
    assert store.info(upload.id).offset == 300
    with pytest.raises(ConnectionResetError):
        store.append(upload.id, 300, Dropped(b"b" * 300), checksum=parse_checksum(digest("md5", b"b" * 700)))
    assert store.info(upload.id).offset == 300 and store.part_path(upload.id).stat().st_size == 300


def test_a_second_writer_is_told_to_wait(tmp_path):
    store = TusStore(tmp_path)
    upload = store.create(10, {}, 1, "check:any")
    with store.lock(upload.id):
        with pytest.raises(TusError) as caught:
            store.append(upload.id, 0, io.BytesIO(b"x"))
    assert caught.value.status == 423
    assert store.append(upload.id, 0, io.BytesIO(b"x")).offset == 1


def test_the_offset_never_claims_more_than_the_part_holds(tmp_path):
    store = TusStore(tmp_path)
    upload = store.create(10, {}, 1, "check:any")
    store.append(upload.id, 0, io.BytesIO(b"12345"))
    with open(store.part_path(upload.id), "r+b") as fh:
        fh.truncate(3)  # the data did not reach the disk before a power cut, the record did
    assert store.info(upload.id).offset == 3
    assert store.append(upload.id, 3, io.BytesIO(b"4567890")).complete


def test_purge_leaves_uploads_in_progress_and_removes_leftovers(tmp_path):
    store = TusStore(tmp_path, expiry_seconds=60)
    now = time.time()
    old = store.create(10, {}, 1, "check:any", now=now - 120)
    busy = store.create(10, {}, 1, "check:any", now=now - 120)
    young = store.create(10, {}, 1, "check:any", now=now)
    orphan = tmp_path / ("Z" * 32 + ".part")
    orphan.write_bytes(b"left by a crashed creation")
    with store.lock(busy.id):
        assert store.purge_expired(now=now + 1) == [old.id]
    assert orphan.exists()  # too young to tell from a creation in progress
    assert store.purge_expired(now=now + 3600) == sorted([busy.id, young.id])
    assert list(tmp_path.iterdir()) == []
    assert store.pending_bytes(1) == 0


def test_background_hash_matches_hashing_inline_and_stops_where_receiving_stopped():
    from media.storage import BackgroundHash

    blocks = [bytes([i]) * (1000 + 7919 * i) for i in range(40)]
    whole, check = hashlib.sha256(), hashlib.md5()
    with BackgroundHash(whole, check, size=max(map(len, blocks))) as hashing:
        buffers = set()
        for block in blocks:
            view = hashing.buffer()
            buffers.add(id(view))
            view[: len(block)] = block
            hashing.feed(view, len(block))
        hashing.finish()
    assert whole.hexdigest() == hashlib.sha256(b"".join(blocks)).hexdigest()
    assert check.hexdigest() == hashlib.md5(b"".join(blocks)).hexdigest()
    assert len(buffers) <= 4  # a ring of buffers, not one per block

    # Receiving fails after 3 blocks: the thread ends with the context, the digest covers those 3 only.
    partial = hashlib.sha256()
    with pytest.raises(OSError), BackgroundHash(partial, size=20000) as hashing:
        for block in blocks[:3]:
            view = hashing.buffer()
            view[: len(block)] = block
            hashing.feed(view, len(block))
        raise OSError("connection reset")
    assert partial.hexdigest() == hashlib.sha256(b"".join(blocks[:3])).hexdigest()


def test_background_hash_reports_a_failing_digest_and_needs_no_thread_without_one():
    from media.storage import BackgroundHash

    class Broken:
        def update(self, _data):
            raise RuntimeError("hash failed")

    hashing = BackgroundHash(Broken(), size=8)
    view = hashing.buffer()
    hashing.feed(view, 8)
    with pytest.raises(RuntimeError, match="hash failed"):
        hashing.finish()
    idle = BackgroundHash(None, size=8)
    assert idle.buffer() is idle.buffer() and idle._thread is None
    idle.feed(idle.buffer(), 8)
    idle.finish()
