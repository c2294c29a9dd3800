"""One call: check a package (a ZIP or a directory) and get the four-property report."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lawtrail.packagecheck.bagit import check_bag
from lawtrail.packagecheck.lawtrail import check_lawtrail, is_lawtrail
from lawtrail.packagecheck.report import Report
from lawtrail.packagecheck.source import OpenError, open_source


def verify_package(path: Path | str, public_key: Ed25519PublicKey | None = None) -> Report:
    """The BagIt checks always; the LawTrail checks when the bag carries LawTrail metadata."""
    path = Path(path)
    report = Report(package=str(path))
    try:
        source = open_source(path)
    except OpenError as err:
        report.add("usability", "package.open", "归档包可打开", [str(err)], "")
        return report
    try:
        bag = check_bag(source, report)
        if bag.version and is_lawtrail(bag):
            check_lawtrail(bag, report, public_key)
    finally:
        source.close()
    return report
