"""Whatever a package's tag files hold, the checker answers with a report, never a crash."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawtrail.packagecheck.check import verify_package

BASIC = Path(__file__).parent / "data" / "bagit-conformance" / "v1.0" / "valid" / "basicBag"
TAG_FILES = ["bagit.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt", "bag-info.txt", "fetch.txt"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(TAG_FILES), content=st.one_of(
    st.binary(max_size=300),
    st.text(alphabet=st.sampled_from("0123456789abcdef data/../~\\:%0A\r\n\t*ü文"), max_size=200).map(str.encode)))
def test_any_tag_file_content_gives_a_report(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bag = Path(tmp) / "bag"
        shutil.copytree(BASIC, bag)
        (bag / name).write_bytes(content)
        report = verify_package(bag)
        assert report.checks
        # Changing a file the tag manifest protects (or the declaration) never leaves the bag valid.
        if name in ("bagit.txt", "manifest-sha512.txt") and content != (BASIC / name).read_bytes():
            assert not report.ok
