"""The store's one removal method: only under a warrant that confirms the key, on the local directory and S3."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lawtrail.storage import DisposalRefused, LocalStore, S3Store, Store
from lawtrail.testing.seaweed import SeaweedS3

BUCKET = "lawtrail-retention"


class Warrant:
    def __init__(self, *keys: str) -> None:
        self.keys = set(keys)
        self.asked: list[str] = []

    def confirms(self, key: str) -> bool:
        self.asked.append(key)
        return key in self.keys


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(tmp_path_factory.mktemp("seaweed")).start()
    try:
        server.make_bucket(BUCKET)
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_an_object_is_removed_only_under_a_warrant_that_names_it(kind: str, seaweed: SeaweedS3,
                                                                 tmp_path: Path) -> None:
    if kind == "local":
        store: Store = LocalStore(tmp_path / "store")
    else:
        config = seaweed.settings_for(BUCKET, f"t-{uuid.uuid4().hex[:12]}")
        store = S3Store(bucket=BUCKET, endpoint_url=config["s3_endpoint_url"], access_key=config["s3_access_key"],
                        secret_key=config["s3_secret_key"], region=config["s3_region"], prefix=config["s3_prefix"],
                        staging=tmp_path / "staging")
    source = tmp_path / "x.bin"
    source.write_bytes(b"patrol footage")
    kept, gone = "sha256/aa/" + "aa" * 32, "sha256/bb/" + "bb" * 32
    store.put_file(kept, source)
    store.put_file(gone, source)
    warrant = Warrant(gone)
    with pytest.raises(DisposalRefused):
        store.remove_disposed(kept, warrant=warrant)
    with pytest.raises(DisposalRefused):  # outside originals and derivatives, whatever the warrant says
        store.remove_disposed("other/thing", warrant=Warrant("other/thing"))
    assert store.remove_disposed(gone, warrant=warrant) is True
    assert store.remove_disposed(gone, warrant=warrant) is False
    assert store.exists(kept) and not store.exists(gone)
    assert warrant.asked == [kept, gone, gone]
