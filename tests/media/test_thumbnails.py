"""Posters, image thumbnails and sprite sheets."""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageChops, ImageStat

from media import thumbnails
from media.errors import MediaError
from media.thumbnails import image_thumbnail, make_poster, poster_at, smart_poster, sprite_sheet

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def luma(path) -> float:
    with Image.open(path) as image:
        return ImageStat.Stat(image.convert("L")).mean[0]


def test_smart_poster_skips_the_black_opening(media, tmp_path):
    naive = poster_at(media["black_start.mp4"], tmp_path / "naive.jpg", 0.4)
    assert luma(naive.path) < 20
    smart = smart_poster(media["black_start.mp4"], tmp_path / "smart.jpg")
    assert smart.time >= 2.4
    assert luma(smart.path) > 60
    assert (smart.width, smart.height) == (320, 240)


def test_poster_is_upright_like_ffmpeg_autorotate(media, tmp_path, ffmpeg_cli):
    ours = poster_at(media["portrait.mp4"], tmp_path / "ours.png", 0.0, width=240)
    reference = tmp_path / "ffmpeg.png"
    ffmpeg_cli("-i", str(media["portrait.mp4"]), "-frames:v", "1", "-vf", "scale=240:-2", str(reference))
    with Image.open(ours.path) as a, Image.open(reference) as b:
        assert a.size == b.size == (240, 320)
        difference = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean
    assert max(difference) < 8


def test_smart_poster_of_rotated_and_other_codecs(media, tmp_path):
    portrait = smart_poster(media["portrait.mkv"], tmp_path / "p.jpg")
    assert (portrait.width, portrait.height) == (240, 320), "upright, and never upscaled"
    for name in ("hevc.mp4", "vp9.webm", "mpeg4.avi", "h264.mkv"):
        result = smart_poster(media[name], tmp_path / f"{name}.jpg")
        assert result.width == 320 and luma(result.path) > 40


def test_poster_at_a_chosen_time(media, tmp_path):
    result = poster_at(media["h264_aac.mp4"], tmp_path / "at.webp", 1.3)
    assert result.time == pytest.approx(1.3, abs=0.04)
    with Image.open(result.path) as image:
        assert image.format == "WEBP"


def test_times_count_from_the_stream_start(media, tmp_path):
    assert poster_at(media["h264.ts"], tmp_path / "ts.jpg", 1.0).time == pytest.approx(1.0, abs=0.04)
    sheet = sprite_sheet(media["h264.ts"], tmp_path / "ts-sheet.jpg", count=4, columns=4, tile_width=64)
    assert [round(c[2], 1) for c in sheet.cues] == [0.0, 0.5, 1.0, 1.5]


def test_image_thumbnail_applies_exif_and_strips_metadata(media, tmp_path):
    result = image_thumbnail(media["photo.jpg"], tmp_path / "thumb.jpg", size=(64, 64))
    assert (result.width, result.height) == (32, 64)
    data = (tmp_path / "thumb.jpg").read_bytes()
    assert b"SecretCam" not in data and b"Exif" not in data
    with Image.open(result.path) as image:
        assert not image.getexif()
        top, bottom = image.getpixel((16, 4)), image.getpixel((16, 60))
    assert top[0] > 200 and top[2] < 60, "red half must be on top after orientation 6"
    assert bottom[2] > 200 and bottom[0] < 60


def test_png_thumbnail_keeps_alpha_drops_text(media, tmp_path):
    png = image_thumbnail(media["image.png"], tmp_path / "t.png")
    assert b"secret" not in (tmp_path / "t.png").read_bytes()
    with Image.open(png.path) as image:
        assert image.mode == "RGBA" and image.size == (64, 48)
    jpeg = make_poster(media["image.png"], tmp_path / "t.jpg")
    with Image.open(jpeg.path) as image:
        assert image.mode == "RGB"


def test_bomb_is_refused_before_pillow_opens_it(media, tmp_path, monkeypatch):
    def no_open(*args, **kwargs):
        raise AssertionError("Image.open must not run on a bomb")

    monkeypatch.setattr(thumbnails.Image, "open", no_open)
    with pytest.raises(MediaError) as caught:
        image_thumbnail(media["bomb.png"], tmp_path / "bomb.jpg")
    assert caught.value.code == "too_many_pixels"
    assert not (tmp_path / "bomb.jpg").exists()


def test_broken_images(media, tmp_path):
    with pytest.raises(MediaError) as caught:
        image_thumbnail(media["truncated.jpg"], tmp_path / "x.jpg")
    assert caught.value.code == "truncated"
    assert not list(tmp_path.iterdir()), "no partial output is left behind"
    with pytest.raises(ValueError):
        image_thumbnail(media["photo.jpg"], tmp_path / "x.gif")
    with pytest.raises(MediaError):
        image_thumbnail(media["h264_aac.mp4"], tmp_path / "x.jpg")


def _cues(vtt: str) -> list[tuple[float, float, str]]:
    lines = vtt.splitlines()
    assert lines[0] == "WEBVTT"
    cues = []
    for i, line in enumerate(lines):
        match = CUE.match(line)
        if match:
            h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
            cues.append(
                (h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, lines[i + 1])
            )
    return cues


def test_sprite_sheet_and_vtt_track(media, tmp_path):
    sheet = sprite_sheet(
        media["h264_aac.mp4"],
        tmp_path / "sprite.jpg",
        vtt_path=tmp_path / "thumbs.vtt",
        image_url="/media/42/sprite.jpg",
        count=5,
        columns=2,
        tile_width=80,
    )
    assert (sheet.columns, sheet.rows, sheet.tile_width, sheet.tile_height) == (2, 3, 80, 60)
    with Image.open(sheet.image_path) as image:
        assert image.size == (160, 180)
    cues = _cues((tmp_path / "thumbs.vtt").read_text(encoding="utf-8"))
    assert len(cues) == 5
    assert cues[0][0] == 0 and cues[-1][1] == pytest.approx(2.0, abs=0.001)
    for i, (start, end, target) in enumerate(cues):
        assert start < end
        if i:
            assert start == cues[i - 1][1], "cues must be contiguous"
        x, y = (i % 2) * 80, (i // 2) * 60
        assert target == f"/media/42/sprite.jpg#xywh={x},{y},80,60"
        frame_time = sheet.cues[i][2]
        assert start - 0.001 <= frame_time < end, "each tile shows a frame from inside its cue"


def test_sprite_sheet_of_long_gop_and_rotated_video(media, tmp_path):
    vp9 = sprite_sheet(media["vp9.webm"], tmp_path / "vp9.jpg", count=4, columns=4, tile_width=64)
    assert len({round(c[2], 2) for c in vp9.cues}) == 4
    assert vp9.vtt.count("#xywh=") == 4
    portrait = sprite_sheet(media["portrait.mp4"], tmp_path / "p.jpg", interval=1.0, tile_width=60)
    assert (portrait.tile_width, portrait.tile_height) == (60, 80)
    assert len(portrait.cues) == 2
