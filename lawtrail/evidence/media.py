"""Facts read from a media file itself (PyAV, which bundles FFmpeg).

`probe` never raises: a file FFmpeg cannot open is still an original (it may be evidence),
so it comes back with kind "other" and problem "unreadable"; one whose index promises more
than the file holds (a card pulled out mid-write) comes back "truncated". Only the header and
the last seconds are read, not the whole file.

A photo's facts come from its EXIF (Pillow): the recording time (DateTimeOriginal with
OffsetTimeOriginal; a camera that wrote no offset wrote its local time, which is read in the
zone the caller names — the vault's setting, Asia/Shanghai by default — and the facts say so),
GPS latitude and longitude, and the camera's make, model and serial number.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av

# What browsers play without help; anything else gets a transcoded proxy.
BROWSER_VIDEO = {"h264", "vp8", "vp9", "av1"}
BROWSER_AUDIO = {"aac", "mp3", "opus", "vorbis", "flac", "pcm_s16le"}
BROWSER_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "ogg", "mp3", "wav", "flac"}
PHOTO_CODECS = {"mjpeg", "png", "webp", "gif", "bmp", "tiff"}
BROWSER_PHOTOS = {"mjpeg", "png", "webp", "gif"}
PHOTO_FORMATS = {"image2", "jpeg_pipe", "png_pipe", "webp_pipe", "gif", "bmp_pipe", "tiff_pipe"}

# A clip whose packets stop this much before its stated duration is truncated.
TRUNCATION_SLACK_SECONDS = 0.5

# ISO 6709 in decimal degrees, as phones and body cams write it: +30.1234+104.5678+012.3/
_ISO6709 = re.compile(r"^\s*([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?\s*$")
_LOCATION_KEYS = ("location", "com.apple.quicktime.location.ISO6709", "location-eng")


@dataclass
class MediaFacts:
    kind: str = "other"  # video, audio, photo, other
    container: str = ""
    video_codec: str = ""
    audio_codec: str = ""
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    creation_time_raw: str = ""
    creation_time: dt.datetime | None = None
    gps_raw: str = ""
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt: float | None = None
    browser_safe: bool = False
    problem: str = ""  # "", "truncated", "unreadable"
    problem_detail: str = ""
    streams: list[dict[str, Any]] = field(default_factory=list)
    camera_make: str = ""
    camera_model: str = ""
    camera_serial: str = ""
    # How the recording time was read when the file did not say its zone (for people to judge).
    time_note: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["creation_time"] = self.creation_time.isoformat() if self.creation_time else None
        return data


def parse_creation_time(raw: str) -> dt.datetime | None:
    """The container's creation time as labelled (MP4 stores UTC); None when absent or a zero date."""
    text = raw.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # An unset clock writes the epoch (1904 or 1970): no fact at all.
    if moment.year < 1990:
        return None
    return moment


def parse_iso6709(raw: str) -> tuple[float, float, float | None] | None:
    match = _ISO6709.match(raw or "")
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, float(match.group(3)) if match.group(3) else None


def _reason(err: BaseException) -> str:
    """What went wrong, without the file name FFmpeg appends: that is the server's staging path,
    which a message shown to users or stored with the record must not carry."""
    text = getattr(err, "strerror", None) or str(err)
    return str(text).split(": '", 1)[0].strip() or type(err).__name__


def probe(path: Path, *, photo_zone: str = "Asia/Shanghai") -> MediaFacts:
    """`photo_zone`: the zone a photo's EXIF time is read in when the camera wrote no offset."""
    facts = MediaFacts()
    try:
        container = av.open(str(path), "r")
    except (av.FFmpegError, OSError, ValueError) as err:
        facts.problem = "unreadable"
        facts.problem_detail = f"无法解析媒体文件:{_reason(err)}"[:500]
        return facts
    try:
        _read_header(container, facts)
        if facts.kind in ("video", "audio") and facts.duration:
            _check_tail(container, facts)
    except (av.FFmpegError, OSError, ValueError) as err:
        facts.problem = facts.problem or "unreadable"
        facts.problem_detail = f"读取媒体信息出错:{_reason(err)}"[:500]
    finally:
        container.close()
    if facts.container == "mpegts" and not facts.problem:
        check_transport_stream(path, facts)
    if facts.kind == "photo":
        read_exif(path, facts, photo_zone=photo_zone)
    return facts


# MPEG-TS (ISO/IEC 13818-1): 188-byte packets, or 192 in M2TS (a 4-byte time code first).
TS_SYNC = 0x47
TS_TAIL_BYTES = 512 * 1024


def _ts_layout(head: bytes) -> tuple[int, int] | None:
    """(packet size, offset of the sync byte in a packet), read from the first packets."""
    for size, lead in ((188, 0), (192, 4)):
        if len(head) >= lead + 2 * size + 1 and all(head[lead + k * size] == TS_SYNC for k in range(3)):
            return size, lead
    return None


def _stuffed(p: bytes) -> bool:
    """Whether a TS packet's adaptation field carries stuffing (it was filled up to its end)."""
    length = p[4]
    if length == 0:
        return True  # a zero-length field is itself one byte of stuffing
    flags = p[5]
    used = 1 + (6 if flags & 0x10 else 0) + (6 if flags & 0x08 else 0) + (1 if flags & 0x04 else 0)
    if flags & 0x02 and 5 + used < 188:
        used += 1 + p[5 + used]
    if flags & 0x01 and 5 + used < 188:
        used += 1 + p[5 + used]
    return length > used


def check_transport_stream(path: Path, facts: MediaFacts) -> None:
    """Flag a transport stream cut mid-stream. A TS has no index to compare with, so the file's
    own framing is the evidence, read from its last half megabyte:

    - its size is not a whole number of packets (a write stopped inside a packet — a cut at an
      arbitrary byte, or at a 4 KiB block, lands inside one 46 times in 47);
    - a packet near the end has lost its sync byte;
    - the last PES packet of a stream is unfinished: shorter than the length its header
      declares, or (unbounded video PES) its last TS packet is not padded. A finished PES ends
      in a TS packet filled up with adaptation-field stuffing, because the next PES must start
      in a new TS packet; an unpadded last packet is therefore a cut (or, about once in 184, a
      PES that ended exactly at a packet's end — the price of a cheap check).

    A cut exactly between two PES packets leaves a stream that is complete frame by frame and
    cannot be told from a shorter recording by the file alone.
    """
    size = path.stat().st_size
    with path.open("rb") as f:
        layout = _ts_layout(f.read(3 * 192 + 8))
        if layout is None:
            return
        packet, lead = layout
        whole = size // packet
        if size % packet:
            facts.problem = "truncated"
            facts.problem_detail = (f"文件不完整:传输流(TS)大小 {size} 字节不是 {packet} 字节 TS 包的整数倍,"
                                    f"最后一个包缺 {packet - size % packet} 字节")
            return
        first = max(0, whole - TS_TAIL_BYTES // packet)
        f.seek(first * packet)
        tail = f.read((whole - first) * packet)
    pes: dict[int, list[int]] = {}  # pid -> [declared total (0: unbounded), bytes seen, last packet padded]
    for index in range(whole - first):
        p = tail[index * packet + lead: (index + 1) * packet]
        if p[0] != TS_SYNC:
            facts.problem = "truncated"
            facts.problem_detail = f"文件不完整:第 {first + index + 1} 个 TS 包失去同步字节,文件末尾已损坏"
            return
        pid = ((p[1] & 0x1F) << 8) | p[2]
        control = (p[3] >> 4) & 3
        start = 4 + (1 + p[4] if control & 2 else 0)
        if not control & 1 or start >= 188:
            continue
        payload = p[start:188]
        padded = int(bool(control & 2) and _stuffed(p))
        if p[1] & 0x40 and payload[:3] == b"\x00\x00\x01" and len(payload) >= 6:
            declared = (payload[4] << 8) | payload[5]
            pes[pid] = [declared + 6 if declared else 0, len(payload), padded]
        elif pid in pes:
            pes[pid][1] += len(payload)
            pes[pid][2] = padded
    for pid, (declared, seen, padded) in sorted(pes.items()):
        if (declared and seen < declared) or (not declared and not padded):
            facts.problem = "truncated"
            facts.problem_detail = (f"文件不完整:传输流末尾的 PES 包(PID 0x{pid:04X})未写完,"
                                    "录像在写入过程中中断")
            return


# EXIF tags (TIFF/EXIF 2.32): in IFD0, in the Exif sub-IFD and in the GPS sub-IFD.
_MAKE, _MODEL, _EXIF_IFD, _GPS_IFD = 271, 272, 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _BODY_SERIAL = 36867, 36881, 42033
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT = 1, 2, 3, 4, 5, 6
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _exif_text(value: Any, limit: int = 64) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value or "").replace("\x00", "").strip()[:limit]


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    return -degrees if _exif_text(ref).upper() in ("S", "W") else degrees


def read_exif(path: Path, facts: MediaFacts, *, photo_zone: str = "Asia/Shanghai") -> None:
    """Fill a photo's time, place and camera from its EXIF; a photo without EXIF keeps none."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            exif = img.getexif()
            sub = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return
    facts.camera_make = _exif_text(exif.get(_MAKE))
    facts.camera_model = _exif_text(exif.get(_MODEL))
    facts.camera_serial = _exif_text(sub.get(_BODY_SERIAL))
    taken = _exif_text(sub.get(_DATETIME_ORIGINAL))
    offset = _exif_text(sub.get(_OFFSET_TIME_ORIGINAL), 16)
    if taken:
        facts.creation_time_raw = (taken + (" " + offset if offset else ""))[:64]
        match = _OFFSET.match(offset)
        if match:
            sign = -1 if match.group(1) == "-" else 1
            zone: dt.tzinfo = dt.timezone(sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
        else:
            zone = zoneinfo.ZoneInfo(photo_zone)
        try:
            moment = dt.datetime.strptime(taken, "%Y:%m:%d %H:%M:%S").replace(tzinfo=zone)
        except ValueError:
            moment = None
        # An unset camera clock writes a zero or epoch date: no fact at all.
        if moment is not None and moment.year >= 1990:
            facts.creation_time = moment
            if not match:
                facts.time_note = f"照片 EXIF 拍摄时间未注明时区,按 {photo_zone} 当地时间解释"
    lat = _degrees(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF)) if gps.get(_GPS_LAT) else None
    lon = _degrees(gps.get(_GPS_LON), gps.get(_GPS_LON_REF)) if gps.get(_GPS_LON) else None
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        facts.gps_lat, facts.gps_lon = round(lat, 7), round(lon, 7)
        try:
            alt = float(gps[_GPS_ALT]) * (-1 if gps.get(_GPS_ALT_REF) in (1, b"\x01") else 1) \
                if _GPS_ALT in gps else None
        except (TypeError, ValueError, ZeroDivisionError):
            alt = None
        facts.gps_alt = alt
        facts.gps_raw = f"{lat:+.6f}{lon:+.6f}" + (f"{alt:+.1f}" if alt is not None else "") + "/"


def _read_header(container: Any, facts: MediaFacts) -> None:
    facts.container = container.format.name
    meta = {str(k): str(v) for k, v in container.metadata.items()}
    video = next((s for s in container.streams.video), None)
    audio = next((s for s in container.streams.audio), None)
    for s in container.streams:
        facts.streams.append({
            "index": s.index, "type": s.type, "codec": s.codec_context.name if s.codec_context else "",
            "time_base": str(s.time_base) if s.time_base else "",
            "duration": float(s.duration * s.time_base) if s.duration and s.time_base else None,
        })
    if video is not None:
        facts.video_codec = video.codec_context.name
        facts.width, facts.height = video.codec_context.width or None, video.codec_context.height or None
        meta = {**{str(k): str(v) for k, v in video.metadata.items()}, **meta}
    if audio is not None:
        facts.audio_codec = audio.codec_context.name
    is_photo = video is not None and audio is None and (
        facts.container in PHOTO_FORMATS or (facts.video_codec in PHOTO_CODECS and (video.frames or 0) <= 1))
    if is_photo:
        facts.kind = "photo"
        facts.browser_safe = facts.video_codec in BROWSER_PHOTOS
    elif video is not None:
        facts.kind = "video"
    elif audio is not None:
        facts.kind = "audio"
    if facts.kind in ("video", "audio"):
        if container.duration:
            facts.duration = round(container.duration / av.time_base, 3)
        else:
            durations = [s["duration"] for s in facts.streams if s["duration"]]
            facts.duration = round(max(durations), 3) if durations else None
        facts.browser_safe = (
            facts.container in BROWSER_CONTAINERS
            and (not facts.video_codec or facts.video_codec in BROWSER_VIDEO)
            and (not facts.audio_codec or facts.audio_codec in BROWSER_AUDIO)
        )
    facts.creation_time_raw = meta.get("creation_time", "")[:64]
    facts.creation_time = parse_creation_time(facts.creation_time_raw)
    for key in _LOCATION_KEYS:
        if meta.get(key):
            facts.gps_raw = meta[key][:64]
            parsed = parse_iso6709(meta[key])
            if parsed:
                facts.gps_lat, facts.gps_lon, facts.gps_alt = parsed
            break


def _check_tail(container: Any, facts: MediaFacts) -> None:
    """Read the packets of the last seconds: a truncated file runs out before its stated end."""
    assert facts.duration is not None
    stream = next(iter(container.streams.video), None) or next(iter(container.streams.audio))
    tb = stream.time_base
    start = stream.start_time or 0
    target = max(0.0, facts.duration - 2.0)
    try:
        container.seek(int(target / tb) + start, stream=stream, backward=True, any_frame=False)
    except av.FFmpegError:
        container.seek(0)
    last_end = None
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            end = float((packet.pts - start + (packet.duration or 0)) * tb)
            last_end = end if last_end is None else max(last_end, end)
    except av.FFmpegError as err:
        facts.problem = "truncated"
        facts.problem_detail = f"读取到文件末尾前出错:{_reason(err)}"[:500]
        return
    if last_end is None or last_end < facts.duration - TRUNCATION_SLACK_SECONDS:
        facts.problem = "truncated"
        got = "无数据" if last_end is None else f"{last_end:.1f} 秒"
        facts.problem_detail = f"文件不完整:标称时长 {facts.duration:.1f} 秒,实际数据只到 {got}"
