"""Leadline as local processes, in two topologies.

EmbeddedStack: Airflow (API server with the Leadline plugin, scheduler, dag-processor, triggerer;
LocalExecutor, SQLite metadata), the standalone intake and a static server for the sample recordings.
Used by `make demo` and the pipeline benchmark.

CeleryStack: the docker-compose topology without Docker: PostgreSQL metadata, CeleryExecutor over Redis
with two workers, the store on PostgreSQL, plus the CRM sandbox. Used by `make stack`, the stack
integration suite (with its chaos cases) and `bench/pipeline.py --stack celery`.

    python -m leadline.stack [embedded|celery]     # start, print the addresses, run until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS_DIR = ROOT / "tests" / "fixtures" / "calls"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_SERVER = "redis://127.0.0.1:6379"

POOLS = [("crm_api", 4, "Concurrent CRM API calls (HubSpot, Salesforce)")]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedStack:
    executor = "LocalExecutor"

    def __init__(self, home: Path, api_port: int = 8080, intake_port: int = 8081, recordings_port: int = 8082,
                 users: dict[str, tuple[str, str]] | None = None, only: tuple[str, ...] | None = None,
                 recordings_dir: Path = RECORDINGS_DIR):
        """`users`: Airflow logins {name: (role, password)} instead of everyone being admin without one;
        `only`: run just these services; `recordings_dir`: what the recordings server serves."""
        self.home = home.resolve()
        self.recordings_dir = recordings_dir
        self.api_port, self.intake_port, self.recordings_port = api_port, intake_port, recordings_port
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
        return self.api_port, self.intake_port, self.recordings_port

    @property
    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        return {
            **inherited,
            "PYTHONPATH": str(ROOT / "plugins"),
            "LEADLINE_HOME": str(self.home),
            "LEADLINE_STORE_URL": self.store_url,
            "LEADLINE_STORAGE_URL": (self.home / "artifacts").as_uri(),
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
            **self._login_env(),
        }

    def _login_env(self) -> dict[str, str]:
        if not self.users:
            return {}
        return {
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, (r, _) in self.users.items()),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
        }

    def services(self) -> dict[str, tuple[str, ...]]:
        services = self._all_services()
        return {name: args for name, args in services.items() if self.only is None or name in self.only}

    def _all_services(self) -> dict[str, tuple[str, ...]]:
        return {
            "api-server": (self.airflow, "api-server", "--port", str(self.api_port)),
            "scheduler": (self.airflow, "scheduler"),
            "dag-processor": (self.airflow, "dag-processor"),
            "triggerer": (self.airflow, "triggerer"),
            "intake": (sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "intake", "serve",
                       "--port", str(self.intake_port), "--no-access-log"),
            "recordings": (sys.executable, "-m", "http.server", str(self.recordings_port),
                           "--bind", "127.0.0.1", "--directory", str(self.recordings_dir)),
        }

    def _run(self, *args: str) -> None:
        subprocess.run(args, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def spawn(self, name: str) -> None:
        log_dir = self.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        with (log_dir / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(self.services()[name], env=self.env, stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.users:
            passwords = self.home / "passwords.json"
            passwords.write_text(json.dumps({u: password for u, (_, password) in self.users.items()}))
            passwords.chmod(0o600)
        self._run(self.airflow, "db", "migrate")
        for pool, slots, description in POOLS:
            self._run(self.airflow, "pools", "set", pool, str(slots), description)
        self._run(sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "db", "upgrade")

    def start(self) -> None:
        busy = [p for p in self.ports if port_open(p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy}; is another Leadline stack running?")
        # Task processes report to the API server's execution API: it comes up before anything can queue work.
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


class CeleryStack(EmbeddedStack):
    """Two Celery workers with `worker_concurrency` slots each; tasks whose worker dies are found by the
    scheduler's heartbeat check after `heartbeat_timeout_s` and retried on a live worker."""

    executor = "CeleryExecutor"
    workers = ("worker-1", "worker-2")

    def __init__(self, home: Path, name: str = "leadline_stack", api_port: int = 8080, intake_port: int = 8081,
                 recordings_port: int = 8082, sandbox_port: int = 8090, sandbox_tls_port: int = 8091,
                 redis_db: int = 5, worker_concurrency: int = 4, heartbeat_timeout_s: int = 30):
        super().__init__(home, api_port, intake_port, recordings_port)
        self.name = name
        self.sandbox_port, self.sandbox_tls_port = sandbox_port, sandbox_tls_port
        self.redis_db = redis_db
        self.worker_concurrency = worker_concurrency
        self.heartbeat_timeout_s = heartbeat_timeout_s

    @property
    def store_database(self) -> str:
        return f"{self.name}_store"

    @property
    def metadata_database(self) -> str:
        return f"{self.name}_airflow"

    @property
    def store_url(self) -> str:
        return f"{POSTGRES_SERVER}/{self.store_database}"

    @property
    def metadata_url(self) -> str:
        return f"{POSTGRES_SERVER}/{self.metadata_database}"

    @property
    def broker_url(self) -> str:
        return f"{REDIS_SERVER}/{self.redis_db}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def ca_bundle(self) -> Path:
        return self.home / "sandbox-certs" / "sandbox-ca.pem"

    @property
    def ports(self) -> tuple[int, ...]:
        return (*super().ports, self.sandbox_port, self.sandbox_tls_port)

    @property
    def env(self) -> dict[str, str]:
        from leadline.sandbox.app import DEFAULT_TOKENS

        parallelism = str(len(self.workers) * self.worker_concurrency * 2)
        return {
            **super().env,
            "AIRFLOW__CORE__PARALLELISM": parallelism,
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            # Production-like scheduler loop: the embedded stack's 0.05 s idle sleep costs a core on PostgreSQL.
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(self.heartbeat_timeout_s),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "30",
            # A message a killed worker had taken but not started stays invisible in Redis; re-queue it sooner.
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
            "AIRFLOW_CONN_HUBSPOT_SANDBOX": json.dumps({
                "conn_type": "hubspot", "password": DEFAULT_TOKENS["hubspot"],
                "extra": {"host": self.sandbox_url, "max_attempts": 4}}),
            "AIRFLOW_CONN_SALESFORCE_SANDBOX": json.dumps({
                "conn_type": "salesforce", "password": DEFAULT_TOKENS["salesforce"],
                "extra": {"instance_url": f"https://127.0.0.1:{self.sandbox_tls_port}", "session_auth": True,
                          "ca_bundle": str(self.ca_bundle), "max_attempts": 4}}),
        }

    def _all_services(self) -> dict[str, tuple[str, ...]]:
        services = super()._all_services()
        services["sandbox"] = (sys.executable, "-m", "leadline.cli", "sandbox", "serve",
                               "--port", str(self.sandbox_port), "--tls-port", str(self.sandbox_tls_port),
                               "--cert-dir", str(self.ca_bundle.parent))
        for worker in self.workers:
            # Worker logs are files under AIRFLOW_HOME that the API server reads itself; two workers on one
            # host would otherwise both bind the log server port.
            services[worker] = (self.airflow, "celery", "worker", "--celery-hostname", f"{worker}@%h",
                                "--concurrency", str(self.worker_concurrency), "--skip-serve-logs",
                                "--without-mingle", "--without-gossip")
        return services

    def readiness_checks(self) -> dict[str, str]:
        return {**super().readiness_checks(), "sandbox": f"{self.sandbox_url}/_sandbox/journal"}

    def recreate_databases(self) -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for database in (self.metadata_database, self.store_database):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        import redis

        redis.Redis.from_url(self.broker_url).flushdb()

    def prepare(self) -> None:
        self.recreate_databases()
        super().prepare()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("topology", choices=("embedded", "celery"), nargs="?", default="celery")
    args = parser.parse_args()
    from leadline.config import leadline_home

    home = leadline_home() / f"stack-{args.topology}"
    stack = CeleryStack(home) if args.topology == "celery" else EmbeddedStack(home)
    print(f"preparing {args.topology} stack under {home} ...")
    stack.prepare()
    stack.start()
    print(f"Airflow UI   http://127.0.0.1:{stack.api_port}\n"
          f"Intake       http://127.0.0.1:{stack.intake_port}/v1/callrail/webhook\n"
          f"Store        {stack.store_url}\nLogs         {home / 'logs'}\nCtrl-C stops the stack.")
    try:
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(2)
        print("a service exited; stopping")
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
