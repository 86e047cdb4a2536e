"""The processing job: outcome and reasons stored, renditions made once, retries and crashes survived."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from lms.db import utcnow
from lms.jobs import commit
from media import services, tasks
from media.models import MediaFile, MediaStatus, Rendition
from media.similarity import distance
from media.storage import TooLarge


@pytest.fixture
def upload(app, db, make_user):
    """``upload(path_or_bytes, spec=None, owner=None)``: register a file as a web upload would
    (job runs eagerly)."""
    default_owner = make_user("trainee")

    def do(source, spec=None, owner=None, name=None):
        data = source if isinstance(source, bytes) else source.read_bytes()
        media = services.register_upload(
            owner or default_owner,
            io.BytesIO(data),
            filename=name or getattr(source, "name", "upload.bin"),
            declared_type="video/mp4",
            spec=spec,
        )
        commit()
        db.session.refresh(media)
        return media

    return do


def files_under(root):
    return sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "tmp" not in p.parts
    )


def test_video_is_accepted_with_poster_sprite_and_preview(upload, media, app, db):
    m = upload(media["h264_aac.mp4"], spec={"kinds": ["video"], "require_audio": True})
    assert m.status is MediaStatus.READY and m.problems == [] and m.kind == "video"
    assert {r.role for r in m.renditions} == {"poster", "sprite", "vtt", "preview"}
    assert m.info["duration"] == pytest.approx(2.0, abs=0.1) and m.info["has_audio"] is True
    assert len(m.phash) == 16 and m.poster_time is not None
    storage = services.get_storage()
    vtt = storage.path(m.rendition("vtt").storage_key).read_text()
    assert vtt.startswith("WEBVTT") and "sprite.jpg#xywh=" in vtt
    with Image.open(storage.path(m.rendition("poster").storage_key)) as poster:
        assert poster.format == "JPEG" and poster.width == 320  # never upscaled past the source
    # The playable upload is copied into a fresh file, not served as uploaded.
    preview = storage.path(m.rendition("preview").storage_key)
    assert preview.read_bytes() != storage.path(m.storage_key).read_bytes()


def test_unplayable_video_gets_an_h264_preview(upload, media):
    m = upload(media["hevc.mp4"])
    assert m.status is MediaStatus.READY
    from media.probe import probe

    info = probe(services.get_storage().path(m.rendition("preview").storage_key))
    assert (info.container, info.video_codec, info.pix_fmt) == ("mp4", "h264", "yuv420p")


def test_rejected_file_keeps_its_reasons_and_a_poster(upload, media):
    m = upload(media["h264_silent.mp4"], spec={"kinds": ["video"], "min_duration": 30, "require_audio": True})
    assert m.status is MediaStatus.REJECTED
    assert [p["code"] for p in m.problems] == ["too_short", "no_audio"]
    assert m.problems[0]["params"]["limit"] == 30
    # A picture helps the trainee see which file this was; no preview is made for a refused file.
    assert {r.role for r in m.renditions} == {"poster"}


@pytest.mark.parametrize(
    "name, code",
    [
        ("hls_file.mp4", "unsafe_content"),
        ("random.bin", "unrecognized_format"),
        ("bomb.png", "too_many_pixels"),
        ("truncated_moov.mp4", "truncated"),
    ],
)
def test_hostile_or_broken_uploads_are_rejected_without_renditions(upload, media, name, code, no_connection):
    m = upload(media[name])
    assert m.status is MediaStatus.REJECTED and code in [p["code"] for p in m.problems]
    assert m.renditions == []


def test_image_thumbnail_and_display_copy_carry_no_metadata(upload, media):
    m = upload(media["photo.jpg"], spec={"kinds": ["image"]})
    assert m.status is MediaStatus.READY and {r.role for r in m.renditions} == {"poster", "display"}
    display = services.get_storage().path(m.rendition("display").storage_key)
    assert b"SecretCam" not in display.read_bytes() and b"GPS" not in display.read_bytes()
    with Image.open(display) as image:
        assert image.height > image.width  # EXIF orientation applied


def test_size_limit_is_enforced_while_streaming(app, db, make_user):
    with pytest.raises(TooLarge):
        services.register_upload(
            make_user(), io.BytesIO(b"x" * 5000), filename="big.mp4", spec={"max_size_bytes": 4096}
        )
    assert db.session.query(MediaFile).count() == 0
    assert list(services.get_storage().tmp.iterdir()) == []


def test_rerun_replaces_the_same_renditions(upload, media, db):
    m = upload(media["h264_aac.mp4"])
    root = services.get_storage().root
    before = files_under(root)
    rows = db.session.query(Rendition).count()
    for _ in range(2):
        services.request_reprocess(m)
        commit()
    db.session.refresh(m)
    assert m.status is MediaStatus.READY and m.attempts == 3
    assert files_under(root) == before
    assert db.session.query(Rendition).count() == rows


def test_redelivered_job_for_a_finished_upload_does_nothing(upload, media, db):
    m = upload(media["h264_aac.mp4"])
    attempts = m.attempts
    assert tasks.process_upload.apply(args=[m.id]).get() is None
    db.session.refresh(m)
    assert m.attempts == attempts


def test_job_killed_mid_way_is_finished_by_the_next_delivery(upload, media, db):
    m = upload(media["h264_aac.mp4"])
    # What a worker killed after start_processing leaves behind: "processing", half the files.
    m.status = MediaStatus.PROCESSING
    services.get_storage().delete(m.rendition("preview").storage_key)
    db.session.commit()
    assert tasks.process_upload.apply(args=[m.id]).get() == "ready"
    db.session.refresh(m)
    assert services.get_storage().exists(m.rendition("preview").storage_key)


def test_stalled_uploads_are_queued_again(upload, media, db, monkeypatch):
    m = upload(media["h264_aac.mp4"])
    m.status, m.created_at = MediaStatus.PENDING, utcnow() - timedelta(hours=2)
    fresh = upload(media["photo.jpg"])
    fresh.status = MediaStatus.PENDING
    db.session.commit()
    assert services.requeue_stalled(timedelta(minutes=30)) == [m.id]
    commit()
    db.session.refresh(m)
    db.session.refresh(fresh)
    assert m.status is MediaStatus.READY and fresh.status is MediaStatus.PENDING


@pytest.fixture
def retrying(app, monkeypatch):
    """Eager retries that run through (Celery re-applies them with the propagate setting)."""
    conf = app.extensions["celery"].conf
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = True


def test_transient_failure_is_retried_then_succeeds(upload, media, db, monkeypatch, retrying):
    m = upload(media["h264_aac.mp4"])
    real, calls = services.process_media, []

    def flaky(media_file):
        calls.append(media_file.id)
        if len(calls) < 3:
            raise services.TransientError("storage is not mounted")
        return real(media_file)

    monkeypatch.setattr(services, "process_media", flaky)
    m.status = MediaStatus.PENDING
    db.session.commit()
    # Eager mode runs each retry at once, as a worker would after the countdown.
    result = tasks.process_upload.apply(args=[m.id], throw=False)
    db.session.refresh(m)
    assert result.get() == "ready" and len(calls) == 3 and m.status is MediaStatus.READY


def test_gives_up_after_retries_and_says_so(upload, media, db, monkeypatch, retrying):
    m = upload(media["h264_aac.mp4"])

    def always(_media):
        raise services.TransientError("storage is not mounted")

    monkeypatch.setattr(services, "process_media", always)
    m.status = MediaStatus.PENDING
    db.session.commit()
    assert tasks.process_upload.apply(args=[m.id], throw=False).get() == "failed"
    db.session.refresh(m)
    assert m.status is MediaStatus.FAILED and "storage is not mounted" in m.error
    assert m.attempts == 1 + 1 + tasks.MAX_RETRIES


def test_a_crash_in_processing_marks_the_upload_failed(upload, media, db, monkeypatch):
    m = upload(media["h264_aac.mp4"])
    monkeypatch.setattr(services, "validate", lambda *a, **k: 1 / 0)
    services.request_reprocess(m)
    commit()
    db.session.refresh(m)
    assert m.status is MediaStatus.FAILED and "ZeroDivisionError" in m.error


def test_chosen_poster_survives_reprocessing_and_hash_does_not_change(upload, media, db):
    m = upload(media["h264_aac.mp4"])
    auto_hash = m.phash
    services.set_poster(m, 1.5)
    commit()
    assert m.poster_chosen and m.poster_time == pytest.approx(1.5, abs=0.05)
    services.request_reprocess(m)
    commit()
    db.session.refresh(m)
    assert m.poster_time == pytest.approx(1.5, abs=0.05) and m.phash == auto_hash
    services.set_poster(m, None)
    commit()
    assert not m.poster_chosen


def test_near_duplicates_of_another_trainee_are_found(upload, media, make_user, ffmpeg_cli, tmp_path):
    original = upload(media["h264_aac.mp4"])
    # The same clip re-encoded smaller, as a copier would hand it in.
    copy = tmp_path / "copy.mp4"
    ffmpeg_cli(
        "-i",
        str(media["h264_aac.mp4"]),
        "-vf",
        "scale=240:180",
        "-c:v",
        "libx264",
        "-crf",
        "30",
        "-c:a",
        "aac",
        str(copy),
    )
    copied = upload(copy, owner=make_user("trainee"))
    unrelated = upload(media["photo.jpg"], owner=make_user("trainee"))
    assert distance(original.phash, copied.phash) <= 10
    found = services.similar_uploads(original, [copied, unrelated, original])
    assert [m.id for m, _d in found] == [copied.id]


def test_cli_reprocess_and_requeue(upload, media, db, runner):
    m = upload(media["photo.jpg"])
    result = runner.invoke(args=["media", "reprocess", str(m.id), "999"])
    assert result.exit_code == 1 and "queued 1 upload(s); not found: [999]" in result.output
    db.session.refresh(m)
    assert m.attempts == 2 and m.status is MediaStatus.READY
    assert runner.invoke(args=["media", "reprocess", "--all", "--status", "ready"]).output.startswith(
        "queued 1"
    )
    assert runner.invoke(args=["media", "reprocess"]).exit_code == 2
    m.status, m.created_at = MediaStatus.PROCESSING, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert "queued 1 upload(s)" in runner.invoke(args=["media", "requeue-stalled", "--minutes", "10"]).output
    db.session.refresh(m)
    assert m.status is MediaStatus.READY
