"""A photo's facts come from its EXIF: recording time (with its offset, or read as the camera's
local time in the configured zone — and saying so), GPS position, camera make, model and serial."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image
from pytest_django.fixtures import Settings

from lawtrail.evidence.media import probe
from lawtrail.lib import timez
from lawtrail.testing import media
from lawtrail.testing.evidence import ingest, use_fresh_vault
from lawtrail.testing.personas import World


def exif_photo(path: Path, *, taken: str = "2026:03:02 09:15:30", offset: str | None = "+08:00",
               gps: bool = True) -> Path:
    img = Image.new("RGB", (64, 48), (180, 40, 40))
    exif = img.getexif()
    exif[271], exif[272] = "HIKVISION", "DSJ-X1"
    sub = exif.get_ifd(0x8769)
    sub[36867], sub[42033] = taken, "SN-0042"
    if offset:
        sub[36881] = offset
    if gps:
        where = exif.get_ifd(0x8825)
        where[1], where[2], where[3], where[4] = "N", (30.0, 40.0, 12.0), "W", (104.0, 3.0, 36.0)
        where[5], where[6] = 0, 512.5
    img.save(path, "JPEG", exif=exif.tobytes())
    return path


def test_it_reads_time_with_its_offset_place_and_camera(tmp_path: Path) -> None:
    facts = probe(exif_photo(tmp_path / "p.jpg", offset="+09:00"))
    assert facts.kind == "photo"
    assert facts.creation_time == dt.datetime(2026, 3, 2, 0, 15, 30, tzinfo=dt.UTC)
    assert facts.creation_time_raw == "2026:03:02 09:15:30 +09:00" and facts.time_note == ""
    assert facts.gps_lat == pytest.approx(30.67, abs=1e-6) and facts.gps_lon == pytest.approx(-104.06, abs=1e-6)
    assert facts.gps_alt == pytest.approx(512.5)
    assert (facts.camera_make, facts.camera_model, facts.camera_serial) == ("HIKVISION", "DSJ-X1", "SN-0042")


def test_a_time_without_offset_is_the_cameras_local_time_in_the_configured_zone(tmp_path: Path) -> None:
    facts = probe(exif_photo(tmp_path / "p.jpg", offset=None, gps=False))
    assert facts.creation_time == dt.datetime(2026, 3, 2, 1, 15, 30, tzinfo=dt.UTC)
    assert "Asia/Shanghai" in facts.time_note and facts.gps_lat is None
    tokyo = probe(tmp_path / "p.jpg", photo_zone="Asia/Tokyo")
    assert tokyo.creation_time == dt.datetime(2026, 3, 2, 0, 15, 30, tzinfo=dt.UTC)


def test_a_photo_without_exif_has_no_time_and_no_camera(tmp_path: Path) -> None:
    facts = probe(media.make_photo(tmp_path / "plain.jpg"))
    assert facts.kind == "photo" and facts.creation_time is None and facts.camera_serial == ""


def test_an_ingested_photo_carries_its_exif_facts(world: World, settings: Settings, tmp_path: Path) -> None:
    use_fresh_vault(settings, tmp_path / "vault")
    ev = ingest(exif_photo(tmp_path / "IMG_0001.jpg", offset=None), officer=world.alice)
    assert ev.recorded_start == dt.datetime(2026, 3, 2, 9, 15, 30, tzinfo=timez.BEIJING)
    assert (ev.gps_lat, ev.device_serial) == (pytest.approx(30.67), "SN-0042")
    assert ev.creation_time_raw == "2026:03:02 09:15:30"
    page = Client()
    page.force_login(world.alice)
    html = page.get(f"/evidence/{ev.pk}/").content.decode()
    assert "按 Asia/Shanghai 当地时间解释" in html and "序列号 SN-0042" in html
