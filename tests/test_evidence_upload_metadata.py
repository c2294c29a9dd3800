"""An upload's metadata is checked when the upload is created, not after its last byte arrived:
the attack is a 2 GB upload whose metadata the ingest would refuse anyway."""

from __future__ import annotations

import base64

import pytest

from lawtrail.evidence.models import UploadSession
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World


def create(api: ApiClient, **meta: str) -> tuple[int, dict[str, object]]:
    header = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in {"filename": "clip.mp4", **meta}.items())
    got = api.client.post("/api/evidence-uploads", headers={
        **api.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(2 << 30), "Upload-Metadata": header})
    return got.status_code, got.json() if got.content else {}


@pytest.mark.parametrize(("meta", "status", "code"), [
    ({"clock_offset_seconds": "nan"}, 422, "invalid_clock_offset"),
    ({"clock_offset_seconds": "inf"}, 422, "invalid_clock_offset"),
    ({"clock_offset_seconds": "-1e308"}, 422, "invalid_clock_offset"),
    ({"evidence_class": "secret"}, 422, "invalid_class"),
])
def test_metadata_the_ingest_would_refuse_is_refused_at_creation(world: World, meta: dict[str, str], status: int,
                                                                 code: str) -> None:
    got, body = create(ApiClient(world.alice), **meta)
    assert (got, body.get("code")) == (status, code), body
    assert not UploadSession.objects.exists()


def test_an_officer_of_another_unit_is_refused_at_creation(world: World) -> None:
    # alice files footage as bob's (二中队), with no case: it would belong to a unit she does not work in.
    got, body = create(ApiClient(world.alice), officer_id=str(world.bob.pk))
    assert got == 403, body
    assert not UploadSession.objects.exists()
    # Her own footage is accepted.
    assert create(ApiClient(world.alice))[0] == 201
