"""Media made on the fly for tests and the demo, with the FFmpeg that PyAV bundles.

Small and fast (a few frames of a tiny picture): what matters is the container's facts —
creation time, duration, codecs, resolution, location — and, for the broken cases, how the
file is cut.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Any

import av


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _frame(width: int, height: int, index: int) -> av.VideoFrame:
    frame = av.VideoFrame(width, height, "yuv420p")
    # A moving grey level, so consecutive frames differ and the encoder has work to do.
    shade = (16 + index * 7) % 220
    frame.planes[0].update(bytes([shade]) * (frame.planes[0].buffer_size))
    frame.planes[1].update(bytes([128]) * (frame.planes[1].buffer_size))
    frame.planes[2].update(bytes([128]) * (frame.planes[2].buffer_size))
    return frame


def make_clip(path: Path, *, seconds: float = 2.0, created: dt.datetime | None = None,
              size: tuple[int, int] = (160, 120), fps: int = 10, codec: str = "libx264",
              audio: bool = True, location: str | None = None, faststart: bool = True,
              container_format: str | None = None) -> Path:
    """A short clip: `codec` video (libx264 → H.264, mpeg4 → MPEG-4 Part 2), optional AAC sound."""
    options = {"movflags": "faststart"} if faststart and path.suffix in (".mp4", ".mov") else {}
    with av.open(str(path), "w", format=container_format, options=options) as out:
        if created is not None:
            out.metadata["creation_time"] = _utc_text(created)
        if location is not None:
            out.metadata["location"] = location
        video: Any = out.add_stream(codec, rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        if codec == "libx264":
            video.options = {"preset": "ultrafast"}
        sound: Any = None
        if audio:
            sound = out.add_stream("aac", rate=16000)
            sound.layout = "mono"
        frames = max(1, round(seconds * fps))
        for i in range(frames):
            frame = _frame(size[0], size[1], i)
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            _write_silence(out, sound, seconds)
    return path


def _write_silence(out: Any, sound: Any, seconds: float) -> None:
    rate = 16000
    samples = 1024
    total = int(seconds * rate)
    pts = 0
    while pts < total:
        frame = av.AudioFrame(format="fltp", layout="mono", samples=samples)
        frame.planes[0].update(bytes(frame.planes[0].buffer_size))
        frame.sample_rate = rate
        frame.pts = pts
        frame.time_base = Fraction(1, rate)
        out.mux(sound.encode(frame))
        pts += samples
    out.mux(sound.encode(None))


def make_audio(path: Path, *, seconds: float = 1.0, created: dt.datetime | None = None) -> Path:
    """A voice-note-like recording: AAC in an .m4a container."""
    with av.open(str(path), "w", format="ipod") as out:
        if created is not None:
            out.metadata["creation_time"] = _utc_text(created)
        sound = out.add_stream("aac", rate=16000)
        sound.layout = "mono"
        _write_silence(out, sound, seconds)
    return path


def make_photo(path: Path, *, size: tuple[int, int] = (64, 48)) -> Path:
    """A single JPEG picture."""
    with av.open(str(path), "w", format="image2", options={"update": "1"}) as out:
        stream = out.add_stream("mjpeg", rate=1)
        stream.width, stream.height = size
        stream.pix_fmt = "yuvj420p"
        frame = _frame(size[0], size[1], 3).reformat(format="yuvj420p")
        frame.pts = 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def truncate(path: Path, keep: float = 0.6) -> Path:
    """Cut a file to the first `keep` of its bytes, as a card pulled out mid-write would."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def strip_metadata(src: Path, dst: Path) -> Path:
    """The clip as a chat app passes it on: the same streams copied into a new container with none
    of the container's metadata (no creation_time, no location)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mp4") as out:
        streams = {}
        for stream in inp.streams:
            if stream.type in ("video", "audio"):
                streams[stream.index] = out.add_stream_from_template(stream)
        for packet in inp.demux():
            if packet.stream.index not in streams or packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return dst
