"""`make demo` and the stacks the benchmarks start leave nothing behind: SIGTERM to the demo stops every process it
started and frees every port; a stack owner killed outright (SIGKILL, no chance to clean up) still takes its
services down with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import python_path

ROOT = Path(__file__).resolve().parents[2]
DEMO_PORTS = (8080, 8081, 8082, 8090, 8091)

pytestmark = pytest.mark.slow


def port_open(port: int) -> bool:
    """Something listens on the port. A connect to a free port in the ephemeral range can meet itself (TCP
    simultaneous open on loopback), which is not a listener."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0 and s.getsockname() != s.getpeername()


def wait_for_line(process: subprocess.Popen, marker: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if marker in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode} before {marker!r}:\n{log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"no {marker!r} within {timeout_s:.0f} s:\n{log.read_text()[-3000:]}")


def all_gone(pids: list[int], timeout_s: float) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.5)
    return [" ".join(psutil.Process(p).cmdline()[:4]) for p in alive if psutil.pid_exists(p)]


def held(ports, timeout_s: float) -> list[int]:
    """The ports still listened on after `timeout_s`: a multi-threaded server whose main thread has exited shows
    as a zombie while its other threads are still closing their sockets."""
    deadline = time.monotonic() + timeout_s
    while (busy := [port for port in ports if port_open(port)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    return busy


def environment(home: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "LEADLINE"))}
    return {**inherited, "LEADLINE_HOME": str(home),
            "PYTHONPATH": python_path(ROOT / "plugins", ROOT / "devtools")}


def test_sigterm_to_the_demo_stops_every_process_it_started(tmp_path):
    busy = [port for port in DEMO_PORTS if port_open(port)]
    assert not busy, f"ports {busy} are taken: stop the running demo or stack first"
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen([sys.executable, "-m", "leadline_dev.demo"], cwd=ROOT, env=environment(tmp_path),
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_line(demo, "posted CAL", log, timeout_s=600)  # the whole stack is up and taking calls
        children = [p.pid for p in psutil.Process(demo.pid).children(recursive=True)]
        assert len(children) >= 6, "api-server, scheduler, dag-processor, triggerer, intake, sandbox, recordings"
        listening = {(c.laddr.ip, c.laddr.port) for c in psutil.net_connections("inet")
                     if c.status == psutil.CONN_LISTEN and c.pid in {demo.pid, *children}}
        exposed = {a for a in listening if a[0] not in ("127.0.0.1", "::1")}
        assert listening and not exposed, f"the demo listens beyond loopback: {sorted(exposed)}"
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=120) == 0, log.read_text()[-2000:]
    finally:
        if demo.poll() is None:
            demo.kill()
    assert all_gone(children, timeout_s=30) == []
    assert held(DEMO_PORTS, timeout_s=10) == []
    assert "stopped" in log.read_text()


OWNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from leadline_dev.stack import EmbeddedStack
    recordings, sandbox, sandbox_tls = map(int, sys.argv[2:5])
    stack = EmbeddedStack(Path(sys.argv[1]), recordings_port=recordings, sandbox=True, sandbox_port=sandbox,
                          sandbox_tls_port=sandbox_tls, only=("recordings", "sandbox"))
    stack.start()
    print("started", flush=True)
    time.sleep(600)
""")


def test_services_die_with_a_stack_owner_killed_outright(tmp_path):
    from tests.emulators import free_port

    ports = [free_port() for _ in range(3)]  # recordings, sandbox HTTP, sandbox HTTPS
    log = tmp_path / "owner.log"
    with log.open("wb") as out:
        owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path / "stack"), *map(str, ports)], cwd=ROOT,
                                 env=environment(tmp_path), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_line(owner, "started", log, timeout_s=120)
        services = [p.pid for p in psutil.Process(owner.pid).children(recursive=True)]
        assert len(services) >= 2
        owner.kill()  # SIGKILL: no handler runs, no finally block
        owner.wait(timeout=30)
    finally:
        if owner.poll() is None:
            owner.kill()
    assert all_gone(services, timeout_s=30) == []
    assert held(ports, timeout_s=10) == []
