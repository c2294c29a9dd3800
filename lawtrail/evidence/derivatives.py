"""Derivatives for viewing: a thumbnail and, for codecs browsers cannot play, a transcoded proxy.

They are made from the stored original (read, never written) and stored as objects of their
own, addressed by their own hash. An original is always downloadable byte-identical; the
proxy only serves playback.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av

from lawtrail.storage import Store, derived_key

THUMB_WIDTH = 320
PROXY_MAX_HEIGHT = 720


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def _first_picture(source: IO[bytes]) -> Any | None:
    with av.open(source, "r") as container:
        video = next(iter(container.streams.video), None)
        if video is None:
            return None
        # The first second may be black (a camera starting): take a frame a little in, if any.
        last = None
        for frame in container.decode(video):
            last = frame
            if frame.time is None or frame.time >= 1.0:
                break
        return last


def make_thumbnail(source: IO[bytes]) -> bytes | None:
    frame = _first_picture(source)
    if frame is None:
        return None
    height = _even(frame.height * THUMB_WIDTH / max(frame.width, 1))
    small = frame.reformat(width=THUMB_WIDTH, height=height, format="yuvj420p")
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = THUMB_WIDTH, height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    small.pts = 0
    packets = list(encoder.encode(small)) + list(encoder.encode(None))
    return b"".join(bytes(p) for p in packets)


def make_proxy(source: IO[bytes], target: Path) -> str:
    """Transcode to H.264/AAC in MP4 (video) or AAC in M4A (audio); returns the extension."""
    with av.open(source, "r") as src:
        video_in = next(iter(src.streams.video), None)
        audio_in = next(iter(src.streams.audio), None)
        ext = "mp4" if video_in is not None else "m4a"
        with av.open(str(target), "w", format="mp4" if ext == "mp4" else "ipod",
                     options={"movflags": "faststart"}) as out:
            v_out = a_out = None
            fps = 25
            if video_in is not None:
                rate = video_in.average_rate or video_in.guessed_rate or 25
                fps = max(1, min(60, round(float(rate))))
                v_out = out.add_stream("libx264", rate=fps)
                scale = min(1.0, PROXY_MAX_HEIGHT / max(video_in.codec_context.height or PROXY_MAX_HEIGHT, 1))
                v_out.width = _even((video_in.codec_context.width or 640) * scale)
                v_out.height = _even((video_in.codec_context.height or 480) * scale)
                v_out.pix_fmt = "yuv420p"
                v_out.options = {"preset": "veryfast", "crf": "28"}
            resampler = None
            if audio_in is not None:
                a_out = out.add_stream("aac", rate=48000)
                a_out.layout = "stereo"
                resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000, frame_size=1024)
            streams = [s for s in (video_in, audio_in) if s is not None]
            next_pts = 0
            for packet in src.demux(*streams):
                try:
                    frames: list[Any] = list(packet.decode())
                except av.FFmpegError:
                    continue  # a damaged packet: play what can be played
                for frame in frames:
                    if packet.stream is video_in and v_out is not None:
                        pts = round(float(frame.time or 0) * fps)
                        if pts < next_pts:
                            continue
                        picture = frame.reformat(width=v_out.width, height=v_out.height, format="yuv420p")
                        picture.pts, picture.time_base = pts, Fraction(1, fps)
                        next_pts = pts + 1
                        out.mux(v_out.encode(picture))
                    elif resampler is not None and a_out is not None:
                        frame.pts = None
                        for chunk in resampler.resample(frame):
                            out.mux(a_out.encode(chunk))
            if v_out is not None:
                out.mux(v_out.encode(None))
            if resampler is not None and a_out is not None:
                for chunk in resampler.resample(None):
                    out.mux(a_out.encode(chunk))
                out.mux(a_out.encode(None))
    return ext


def store_bytes(store: Store, kind: str, data: bytes, ext: str) -> str:
    key = derived_key(kind, hashlib.sha256(data).hexdigest(), ext)
    store.put_stream(key, io.BytesIO(data))
    return key


def store_file(store: Store, kind: str, path: Path, ext: str) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    key = derived_key(kind, digest.hexdigest(), ext)
    store.put_file(key, path)
    return key


def temp_path(store: Store, suffix: str) -> Path:
    return store.staging_dir() / f"derive-{uuid.uuid4().hex}.{suffix}"
