"""A transport stream (MPEG-TS, as many body cams write) cut mid-stream is kept as an original
and flagged as truncated; a complete one is not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings

from lawtrail.evidence.media import probe
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def ts_clip(path: Path) -> bytes:
    media.make_clip(path, seconds=4, size=(320, 240), created=START)
    return path.read_bytes()


def test_a_complete_stream_is_not_flagged(tmp_path: Path) -> None:
    path = tmp_path / "whole.ts"
    ts_clip(path)
    facts = probe(path)
    assert (facts.container, facts.kind, facts.problem) == ("mpegts", "video", "")
    assert facts.duration == pytest.approx(4, abs=0.2)


def test_a_stream_cut_inside_a_packet_is_flagged_and_still_kept(
        world: World, settings: Settings, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    data = ts_clip(tmp_path / "whole.ts")
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[: len(data) * 6 // 10 + 1])
    ev = ingest(cut, officer=world.alice)
    assert ev.media_problem == "truncated" and ev.stored.size == cut.stat().st_size
    assert "不是 188 字节 TS 包的整数倍" in ev.media_problem_detail


def test_a_stream_cut_at_a_packet_boundary_inside_a_frame_is_flagged(tmp_path: Path) -> None:
    data = ts_clip(tmp_path / "whole.ts")
    packets = [data[i:i + 188] for i in range(0, len(data), 188)]

    def pid(p: bytes) -> int:
        return ((p[1] & 0x1F) << 8) | p[2]

    video = 0x100  # FFmpeg's first elementary stream
    # The start of a frame's PES that goes on in the next packet: cutting after it ends the file mid-frame.
    starts = [i for i in range(len(packets) // 2, len(packets) - 1)
              if pid(packets[i]) == video and packets[i][1] & 0x40 and pid(packets[i + 1]) == video
              and not packets[i + 1][1] & 0x40]
    assert starts, "the clip should have frames longer than one TS packet"
    cut = tmp_path / "cut.ts"
    cut.write_bytes(b"".join(packets[: starts[0] + 1]))
    facts = probe(cut)
    assert facts.problem == "truncated" and "PES" in facts.problem_detail and "0x0100" in facts.problem_detail
