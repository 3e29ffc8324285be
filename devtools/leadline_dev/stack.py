"""Leadline as local processes, in two topologies.

EmbeddedStack: Airflow (API server with the Leadline plugin, scheduler, dag-processor, triggerer;
LocalExecutor, SQLite metadata), the standalone intake and a static server for the sample recordings.
Used by `make demo` and the pipeline benchmark.

CeleryStack (leadline_dev.celery_stack): the docker-compose topology without Docker.

    python -m leadline_dev.stack [embedded|celery]     # start, print the addresses, run until Ctrl-C
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS_DIR = ROOT / "tests" / "fixtures" / "calls"

# Declared once for every stack and for Composer; the file is JSON so `airflow pools import` reads it as is.
POOLS_FILE = ROOT / "deploy" / "composer" / "pools.yaml"


def terminate_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started the stack dies, however it dies (a
    benchmark killed by a timeout, a demo killed outright), so no service outlives it (Linux prctl)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


@contextmanager
def stopped_on_exit(stack: EmbeddedStack) -> Iterator[EmbeddedStack]:
    """Stops the stack when the block ends, also on Ctrl-C, SIGTERM or SIGHUP (`timeout`, a closed terminal)."""

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield stack
    finally:
        try:
            stack.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


BIND_HOST = os.environ.get("LEADLINE_BIND_HOST", "127.0.0.1")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedStack:
    executor = "LocalExecutor"

    def __init__(self, home: Path, api_port: int = 8080, intake_port: int = 8081, recordings_port: int = 8082,
                 users: dict[str, tuple[str, str]] | None = None, only: tuple[str, ...] | None = None,
                 recordings_dir: Path = RECORDINGS_DIR, sandbox: bool = False, sandbox_port: int = 8090,
                 sandbox_tls_port: int = 8091, speech_model: str | None = None):
        """`users`: Airflow logins {name: (role, password)} instead of everyone being admin without one;
        `only`: run just these services; `recordings_dir`: what the recordings server serves; `sandbox`: run the
        CRM sandbox too, with the Airflow connections `hubspot_sandbox` and `salesforce_sandbox` pointing at it;
        `speech_model`: the Whisper model of the `leadline_speech` connection (default: the product's, base)."""
        self.speech_model = speech_model
        self.home = home.resolve()
        self.recordings_dir = recordings_dir
        self.api_port, self.intake_port, self.recordings_port = api_port, intake_port, recordings_port
        self.sandbox = sandbox
        self.sandbox_port, self.sandbox_tls_port = sandbox_port, sandbox_tls_port
        self.users = users
        self.only = only
        self.processes: dict[str, subprocess.Popen] = {}
        self.airflow = str(Path(sys.executable).with_name("airflow"))

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.home / 'leadline.db'}"

    @property
    def metadata_url(self) -> str:
        return f"sqlite:///{self.home / 'airflow' / 'airflow.db'}"

    @property
    def ports(self) -> tuple[int, ...]:
        ports = (self.api_port, self.intake_port, self.recordings_port)
        return (*ports, self.sandbox_port, self.sandbox_tls_port) if self.sandbox else ports

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def ca_bundle(self) -> Path:
        return self.home / "sandbox-certs" / "sandbox-ca.pem"

    def _sandbox_connections(self) -> dict[str, str]:
        if not self.sandbox:
            return {}
        from leadline_dev.sandbox.app import DEFAULT_TOKENS

        return {
            "AIRFLOW_CONN_HUBSPOT_SANDBOX": json.dumps({
                "conn_type": "hubspot", "password": DEFAULT_TOKENS["hubspot"],
                "extra": {"host": self.sandbox_url, "max_attempts": 4}}),
            "AIRFLOW_CONN_SALESFORCE_SANDBOX": json.dumps({
                "conn_type": "salesforce", "password": DEFAULT_TOKENS["salesforce"],
                "extra": {"instance_url": f"https://127.0.0.1:{self.sandbox_tls_port}", "session_auth": True,
                          "ca_bundle": str(self.ca_bundle), "max_attempts": 4}}),
        }

    @property
    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        return {
            **inherited,
            # the caller's own path stays after ours (the tests' faked clock starts from there)
            "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT / "plugins"), str(ROOT / "devtools"),
                                                        inherited.get("PYTHONPATH")))),
            "LEADLINE_HOME": str(self.home),
            "LEADLINE_STORE_URL": self.store_url,
            "LEADLINE_STORAGE_URL": (self.home / "artifacts").as_uri(),
            # signed recording links in CRM engagements, served by the app in the API server (dev key per home)
            "LEADLINE_PUBLIC_URL": f"http://127.0.0.1:{self.api_port}/leadline",
            # the recordings come from this stack's own servers on loopback, over http
            "LEADLINE_RECORDING_HOSTS": "127.0.0.1",
            "LEADLINE_RECORDING_ALLOW_HTTP": "true",
            "LEADLINE_LINK_KEY": inherited.get("LEADLINE_LINK_KEY") or hashlib.sha256(bytes(self.home)).hexdigest(),
            "AIRFLOW_HOME": str(self.home / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": self.executor,
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "10",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.metadata_url,
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.05",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW_CONN_LEADLINE_DB": self.store_url,
            # maintenance_daily cleans the metadata database through it (task processes get no URL in Airflow 3)
            "AIRFLOW_CONN_AIRFLOW_METADATA_DB": self.metadata_url,
            **self._sandbox_connections(),
            **self._login_env(),
            **({"AIRFLOW_CONN_LEADLINE_SPEECH": json.dumps({"conn_type": "leadline_speech",
                                                            "extra": {"model": self.speech_model}})}
               if self.speech_model else {}),
        }

    def _login_env(self) -> dict[str, str]:
        if not self.users:
            # everyone is the admin "Anonymous" on a local stack (loopback only): it may act on every tenant
            return {"LEADLINE_ADMIN_USERS": "Anonymous"}
        return {
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, (r, _) in self.users.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "LEADLINE_ADMIN_USERS": ",".join(u for u, (role, _) in self.users.items() if role == "admin"),
        }

    def services(self) -> dict[str, tuple[str, ...]]:
        services = self._all_services()
        return {name: args for name, args in services.items() if self.only is None or name in self.only}

    def _all_services(self) -> dict[str, tuple[str, ...]]:
        return {
            # Loopback only unless LEADLINE_BIND_HOST says otherwise: the local API server lets everyone in as
            # admin. Airflow's log servers bind every interface with no option to narrow them; on one machine the
            # API server reads the task logs from disk, so the scheduler and triggerer serve none.
            "api-server": (self.airflow, "api-server", "--host", BIND_HOST, "--port", str(self.api_port)),
            "scheduler": (self.airflow, "scheduler", "--skip-serve-logs"),
            "dag-processor": (self.airflow, "dag-processor"),
            "triggerer": (self.airflow, "triggerer", "--skip-serve-logs"),
            "intake": (sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "intake", "serve",
                       "--host", BIND_HOST, "--port", str(self.intake_port), "--no-access-log"),
            "recordings": (sys.executable, "-m", "http.server", str(self.recordings_port),
                           "--bind", "127.0.0.1", "--directory", str(self.recordings_dir)),
            **({"sandbox": (sys.executable, "-m", "leadline_dev.sandbox.server", "--port", str(self.sandbox_port),
                            "--tls-port", str(self.sandbox_tls_port), "--cert-dir", str(self.ca_bundle.parent))}
               if self.sandbox else {}),
        }

    def _run(self, *args: str) -> None:
        subprocess.run(args, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def spawn(self, name: str) -> None:
        log_dir = self.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(self.services()[name], env=self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True,
                                                    preexec_fn=terminate_with_parent)

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.users:
            passwords = self.home / "passwords.json"
            passwords.write_text(json.dumps({u: password for u, (_, password) in self.users.items()}))
            passwords.chmod(0o600)
        self._run(self.airflow, "db", "migrate")
        self._run(self.airflow, "pools", "import", str(POOLS_FILE))
        self._run(sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "db", "upgrade")

    def start(self) -> None:
        busy = [p for p in self.ports if port_open(p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy}; is another Leadline stack running?")
        # Task processes report to the API server's execution API: it comes up before anything can queue work.
        if "api-server" in self.services():
            self.spawn("api-server")
            self.wait_until_ready()
        for name in self.services():
            if name not in self.processes:
                self.spawn(name)
        self.wait_until_ready()

    def readiness_checks(self) -> dict[str, str]:
        return {
            "api-server": f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health",
            "intake": f"http://127.0.0.1:{self.intake_port}/v1/health",
            **({"sandbox": f"{self.sandbox_url}/_sandbox/journal"} if self.sandbox else {}),
        }

    def wait_until_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        checks = {name: url for name, url in self.readiness_checks().items() if name in self.processes}
        while checks:
            for name, url in list(checks.items()):
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        del checks[name]
                except httpx.HTTPError:
                    pass
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited early; see {self.home / 'logs' / name}.log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s}s: {sorted(checks)}")
            time.sleep(1)

    def token(self, user: str) -> str:
        """An Airflow API token for one of `users`."""
        response = httpx.post(f"http://127.0.0.1:{self.api_port}/auth/token", timeout=30,
                              json={"username": user, "password": self.users[user][1]})
        response.raise_for_status()
        return response.json()["access_token"]

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signals a service and everything it started (a Celery worker's pool children and task processes)."""
        import psutil

        proc = self.processes[name]
        try:
            tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for member in tree:
            try:
                member.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        proc.wait(timeout=60)

    def service_running(self, pid: int) -> str | None:
        """Which service a process (a task's, say) belongs to."""
        import psutil

        try:
            ancestors = {p.pid for p in psutil.Process(pid).parents()} | {pid}
        except psutil.NoSuchProcess:
            return None
        return next((name for name, proc in self.processes.items() if proc.pid in ancestors), None)

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            try:  # pool children outlive a Celery worker killed mid-shutdown
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.processes.clear()


def main() -> None:
    from leadline.config import leadline_home
    from leadline_dev.celery_stack import CeleryStack

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topology", choices=("embedded", "celery"), nargs="?", default="celery")
    args = parser.parse_args()
    home = leadline_home() / f"stack-{args.topology}"
    stack = CeleryStack(home) if args.topology == "celery" else EmbeddedStack(home, sandbox=True)
    print(f"preparing {args.topology} stack under {home} ...")
    try:
        with stopped_on_exit(stack):
            stack.prepare()
            stack.start()
            print(f"Airflow UI   http://127.0.0.1:{stack.api_port}\n"
                  f"Intake       http://127.0.0.1:{stack.intake_port}/v1/callrail/webhook\n"
                  f"Sandbox      {stack.sandbox_url}/_sandbox/records\n"
                  f"Store        {stack.store_url}\nLogs         {home / 'logs'}\nCtrl-C stops the stack.")
            while all(p.poll() is None for p in stack.processes.values()):
                time.sleep(2)
            print("a service exited; stopping")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
