"""Probe a file's container, streams and display geometry without decoding it.

Video and audio are read in-process with PyAV (no ffprobe ships, and a
subprocess per probe costs more than the probe).  Images are read with
Pillow's format plugins *header only*, so a decompression bomb is measured
before a single pixel is decoded.

Every container is opened with a demuxer chosen from an allow-list by the
sniffed bytes, never by FFmpeg's guess, and with ``protocol_whitelist=file``
so that no demuxer can follow a reference to another file or to the network.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
import av.error
import av.logging
from PIL import (
    AvifImagePlugin,
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageFile,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from media.containers import matroska_rotation, mp4_layout, normalise_rotation
from media.errors import MediaError
from media.sniff import Sniffed, sniff

__all__ = [
    "DEMUXERS",
    "IMAGE_FORMATS",
    "MAX_DECODE_PIXELS",
    "MediaInfo",
    "StreamInfo",
    "av_message",
    "open_container",
    "probe",
    "probe_open",
]

#: Sniffed container -> the only FFmpeg demuxer it may be opened with.
#: Playlist, concat, image-sequence and device demuxers are deliberately absent.
DEMUXERS: dict[str, str] = {
    "mp4": "mov",
    "mov": "mov",
    "3gp": "mov",
    "m4a": "mov",
    "matroska": "matroska",
    "webm": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
    "mpeg": "mpeg",
    "mp3": "mp3",
    "aac": "aac",
    "wav": "wav",
    "ogg": "ogg",
    "flac": "flac",
}

#: Sniffed image format -> (Pillow plugin class, Pillow format name).
IMAGE_FORMATS: dict[str, tuple[type[ImageFile.ImageFile], str]] = {
    "jpeg": (JpegImagePlugin.JpegImageFile, "JPEG"),
    "png": (PngImagePlugin.PngImageFile, "PNG"),
    "gif": (GifImagePlugin.GifImageFile, "GIF"),
    "webp": (WebPImagePlugin.WebPImageFile, "WEBP"),
    "bmp": (BmpImagePlugin.BmpImageFile, "BMP"),
    "tiff": (TiffImagePlugin.TiffImageFile, "TIFF"),
    "avif": (AvifImagePlugin.AvifImageFile, "AVIF"),
}

#: Largest frame any FFmpeg decoder here may allocate (8K UHD is 33 MP).  It is given to every decoder as
#: ``max_pixels``: a picture codec inside a container (a PNG or JPEG stream in an MKV, a cover picture in an
#: MP3) states its size only in its own frames, and FFmpeg decodes one while opening the file.
MAX_DECODE_PIXELS = 8192 * 8192

_ISO_BMFF = {"mp4", "mov", "3gp", "m4a"}
_REFUSED_SIZE = re.compile(r"Picture size (\d+)x(\d+) exceeds specified max pixel count")
_EXIF_ORIENTATION = 0x0112


@dataclass
class StreamInfo:
    """One stream of a container, as the demuxer describes it."""

    index: int
    type: str
    codec: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    pix_fmt: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bit_rate: int | None = None
    #: Cover art in an audio file is a "video" stream of one picture.
    attached_pic: bool = False


@dataclass
class MediaInfo:
    """What a file is, in display terms (width/height after rotation)."""

    kind: str
    container: str
    size_bytes: int
    demuxer: str | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    #: Counterclockwise degrees (0/90/180/270) to turn coded frames upright.
    rotation: int = 0
    coded_width: int | None = None
    coded_height: int | None = None
    fps: float | None = None
    bit_rate: int | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    pix_fmt: str | None = None
    has_video: bool = False
    has_audio: bool = False
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def pixels(self) -> int | None:
        """Pixels in one frame (or the image), from the header."""
        if self.width is None or self.height is None:
            return None
        return self.width * self.height

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (floats rounded for people, not for maths)."""
        data = asdict(self)
        data["pixels"] = self.pixels
        for key in ("duration", "fps"):
            if data[key] is not None:
                data[key] = round(data[key], 3)
        return data


def probe(path: str | os.PathLike[str], sniffed: Sniffed | None = None) -> MediaInfo:
    """Describe the media file at *path* from its headers.

    Raises :class:`MediaError` with code ``empty_file``, ``unsafe_content``,
    ``unrecognized_format``, ``truncated``, ``corrupt`` or ``no_streams`` when it cannot.
    """
    info, container = probe_open(path, sniffed)
    if container is not None:
        container.close()
    return info


def probe_open(
    path: str | os.PathLike[str], sniffed: Sniffed | None = None
) -> tuple[MediaInfo, av.container.InputContainer | None]:
    """:func:`probe`, leaving a video or audio file's container open for the caller, who closes it: the
    upload check reads the same file next, and each opening decodes a frame (70 ms for 4K)."""
    path = Path(path)
    size = path.stat().st_size
    sniffed = sniffed or sniff(path)
    if sniffed.empty:
        raise MediaError("empty_file", measured=0)
    if sniffed.unsafe:
        raise MediaError("unsafe_content", sniffed.format, measured=sniffed.format)
    if sniffed.format in IMAGE_FORMATS:
        return _probe_image(path, sniffed, size), None
    if sniffed.format in DEMUXERS:
        return _probe_av(path, sniffed, size)
    if sniffed.kind == "document":
        return MediaInfo(kind="document", container=sniffed.format, size_bytes=size), None
    raise MediaError("unrecognized_format", sniffed.format, measured=sniffed.format)


def open_container(path: str | os.PathLike[str], container: str) -> av.container.InputContainer:
    """Open *path* with the allow-listed demuxer for the sniffed *container*.

    The path is made absolute so that FFmpeg cannot read a prefix such as
    ``concat:`` or ``http:`` in it as a protocol name.
    """
    demuxer = DEMUXERS.get(container)
    if demuxer is None:
        raise MediaError("unrecognized_format", container, measured=container)
    url = os.path.abspath(os.fspath(path))
    limit = {"max_pixels": str(MAX_DECODE_PIXELS)}
    opened = av.open(
        url,
        mode="r",
        format=demuxer,
        container_options={"protocol_whitelist": "file", "format_whitelist": demuxer},
        # Reaches the decoders that opening runs to learn what the headers leave out (a PNG stream's size).
        options=limit,
        metadata_errors="replace",
    )
    for stream in opened.streams.video:
        # ...and the ones that decode afterwards: a later frame may state another size.
        stream.codec_context.options = dict(limit)
    return opened


def av_message(exc: av.error.FFmpegError) -> str:
    """FFmpeg's error text without the file name (server paths stay private)."""
    return exc.strerror or type(exc).__name__


def _probe_image(path: Path, sniffed: Sniffed, size: int) -> MediaInfo:
    plugin, _name = IMAGE_FORMATS[sniffed.format]
    with open(path, "rb") as fh:
        try:
            # The plugin class reads the header only, and unlike Image.open()
            # does not warn or raise about the pixel count: that is our call.
            image = plugin(fh)
        except Image.DecompressionBombError as exc:
            # Some plugins measure a frame while reading the header (GIF: a
            # 35-byte file may announce a 65535 x 65535 frame) and refuse it.
            stated = re.search(r"\((\d+) pixels\)", str(exc))
            raise MediaError(
                "too_many_pixels",
                str(exc),
                measured=int(stated.group(1)) if stated else None,
                limit=Image.MAX_IMAGE_PIXELS,
            ) from exc
        except (SyntaxError, OSError, ValueError, EOFError) as exc:
            code = "truncated" if "truncated" in str(exc).lower() else "corrupt"
            raise MediaError(code, str(exc)) from exc
        width, height = image.size
        orientation = _exif_orientation(image)
        mode = image.mode
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    rotation = {3: 180, 6: 270, 8: 90}.get(orientation, 0)
    stream = StreamInfo(index=0, type="video", codec=sniffed.format, width=width, height=height, pix_fmt=mode)
    return MediaInfo(
        kind="image",
        container=sniffed.format,
        size_bytes=size,
        width=width,
        height=height,
        rotation=rotation,
        coded_width=image.size[0],
        coded_height=image.size[1],
        video_codec=sniffed.format,
        pix_fmt=mode,
        has_video=True,
        streams=[stream],
    )


def _exif_orientation(image: ImageFile.ImageFile) -> int:
    # Pillow looks for a PNG's eXIf chunk behind the pixels by decoding them
    # all (a 2 MB PNG of 25000 x 25000 took 2.5 GB here): only the chunks
    # before the picture are read, as browsers do.
    if isinstance(image, PngImagePlugin.PngImageFile) and "exif" not in image.info:
        return 1
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return 1


def _probe_av(path: Path, sniffed: Sniffed, size: int) -> tuple[MediaInfo, av.container.InputContainer]:
    layout = mp4_layout(path) if sniffed.format in _ISO_BMFF else None
    try:
        container = open_container(path, sniffed.format)
    except av.error.MemoryError:
        raise  # a verdict on the memory it asks for, not on its bytes (media.sandbox)
    except av.error.FFmpegError as exc:
        code = "truncated" if layout is not None and layout.truncated else "corrupt"
        raise MediaError(code, av_message(exc)) from exc
    try:
        return _describe(container, path, sniffed, size, layout), container
    except BaseException:
        container.close()
        raise


def _describe(container, path: Path, sniffed: Sniffed, size: int, layout) -> MediaInfo:
    streams = [_stream_info(s) for s in container.streams]
    if any(s.type == "video" and not (s.width and s.height) for s in streams):
        _refuse_giant_pictures(path, sniffed.format)
    info = MediaInfo(
        kind=sniffed.kind,
        container=sniffed.format,
        size_bytes=size,
        demuxer=container.format.name,
        duration=_duration(container),
        bit_rate=container.bit_rate or None,
        streams=streams,
    )
    video = next((s for s in container.streams.video if not _is_attached_pic(s)), None)
    if video is not None:
        # PyAV 18 reports the display matrix only on decoded frames; the
        # container header has it without decoding (media.containers).
        if layout is not None:
            rotation = layout.rotations.get(video.id, 0)
        elif sniffed.format in ("matroska", "webm"):
            rotation = matroska_rotation(path)
        else:
            rotation = 0
        _fill_video(info, video, rotation)
    audio = next(iter(container.streams.audio), None)
    if audio is not None:
        info.has_audio = True
        info.audio_codec = audio.codec_context.name
    if info.has_video:
        info.kind = "video"
    elif info.has_audio:
        info.kind = "audio"
    else:
        # Subtitles, data or a cover picture only: nothing to watch or hear.
        raise MediaError("no_streams", ", ".join(s.type for s in info.streams) or "no streams")
    return info


def _refuse_giant_pictures(path: Path, container_format: str) -> None:
    """Raise ``too_many_pixels`` when a video stream came out without a size because its decoder refused
    the size its first frame states (``max_pixels``); other streams without a size are left to the checks.

    FFmpeg says so only in its log, which PyAV turns off: the file is opened once more with the log
    captured, which costs a few milliseconds and happens only for a stream that has no size.
    """
    previous, skip_repeated = av.logging.get_level(), av.logging.get_skip_repeated()
    av.logging.set_level(av.logging.ERROR)
    av.logging.set_skip_repeated(False)  # the same bomb twice must be caught twice
    try:
        with av.logging.Capture() as logs, open_container(path, container_format):
            pass
    except av.error.FFmpegError:
        return
    finally:
        av.logging.set_level(previous)
        av.logging.set_skip_repeated(skip_repeated)
    for _level, _name, message in logs:
        stated = _REFUSED_SIZE.search(message)
        if stated:
            width, height = int(stated.group(1)), int(stated.group(2))
            raise MediaError(
                "too_many_pixels",
                message.strip(),
                measured=width * height,
                limit=MAX_DECODE_PIXELS,
                width=width,
                height=height,
            )


def _fill_video(info: MediaInfo, stream: av.video.stream.VideoStream, rotation: int) -> None:
    ctx = stream.codec_context
    width, height = ctx.width or None, ctx.height or None
    info.has_video = True
    info.video_codec = ctx.name
    info.pix_fmt = ctx.pix_fmt
    info.coded_width, info.coded_height = width, height
    info.rotation = normalise_rotation(rotation)
    if info.rotation in (90, 270):
        width, height = height, width
    info.width, info.height = width, height
    info.fps = _fps(stream)


def _stream_info(stream: av.stream.Stream) -> StreamInfo:
    ctx = stream.codec_context
    info = StreamInfo(
        index=stream.index,
        type=stream.type,
        codec=ctx.name if ctx is not None else "none",
        bit_rate=(ctx.bit_rate or None) if ctx is not None else None,
    )
    # PyAV builds a VideoStream / AudioStream exactly when the stream's
    # type is "video" / "audio"; the isinstance checks give their contexts.
    if isinstance(stream, av.video.stream.VideoStream):
        video_ctx = stream.codec_context
        info.width, info.height = video_ctx.width or None, video_ctx.height or None
        info.pix_fmt = video_ctx.pix_fmt
        info.fps = _fps(stream)
        info.attached_pic = _is_attached_pic(stream)
    elif isinstance(stream, av.audio.stream.AudioStream):
        audio_ctx = stream.codec_context
        info.sample_rate = audio_ctx.sample_rate or None
        info.channels = audio_ctx.channels or None
    return info


def _is_attached_pic(stream: av.stream.Stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _fps(stream: av.video.stream.VideoStream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(rate)
            # Timebase-like rates (90000, 1000) are not frame rates.
            if 0 < value <= 1000:
                return value
    return None


def _duration(container: av.container.InputContainer) -> float | None:
    # The container's figure is what players show; stream durations cover
    # formats that state none (raw ADTS, some AVI).
    if container.duration is not None and container.duration > 0:
        return container.duration / av.time_base
    durations = [float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base]
    return max(durations) if durations else None
