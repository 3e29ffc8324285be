"""The embedded stack as local processes: Airflow (API server with the Leadline plugin, scheduler,
dag-processor, triggerer; LocalExecutor, SQLite metadata), the standalone intake, and a static server
for the sample recordings. Used by `make demo` and the pipeline benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS_DIR = ROOT / "tests" / "fixtures" / "calls"


POOLS = [("crm_api", 4, "Concurrent CRM API calls (HubSpot, Salesforce)")]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedStack:
    def __init__(self, home: Path, api_port: int = 8080, intake_port: int = 8081, recordings_port: int = 8082):
        self.home = home.resolve()
        self.api_port, self.intake_port, self.recordings_port = api_port, intake_port, recordings_port
        self.processes: list[subprocess.Popen] = []
        self.store_url = f"sqlite:///{self.home / 'leadline.db'}"

    @property
    def env(self) -> dict[str, str]:
        airflow_home = self.home / "airflow"
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT / "plugins"),
            "LEADLINE_HOME": str(self.home),
            "LEADLINE_STORE_URL": self.store_url,
            "LEADLINE_STORAGE_URL": (self.home / "artifacts").as_uri(),
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "10",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.api_port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.05",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW_CONN_LEADLINE_DB": self.store_url,
        }

    def _run(self, *args: str) -> None:
        subprocess.run(args, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def _spawn(self, name: str, *args: str) -> None:
        log_dir = self.home / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = (log_dir / f"{name}.log").open("ab")
        self.processes.append(subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        airflow = str(Path(sys.executable).with_name("airflow"))
        self._run(airflow, "db", "migrate")
        for pool, slots, description in POOLS:
            self._run(airflow, "pools", "set", pool, str(slots), description)
        self._run(sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "db", "upgrade")

    def start(self) -> None:
        airflow = str(Path(sys.executable).with_name("airflow"))
        busy = [p for p in (self.api_port, self.intake_port, self.recordings_port) if port_open(p)]
        if busy:
            raise RuntimeError(f"ports already in use: {busy}; is another Leadline stack running?")
        self._spawn("api-server", airflow, "api-server", "--port", str(self.api_port))
        self._spawn("scheduler", airflow, "scheduler")
        self._spawn("dag-processor", airflow, "dag-processor")
        self._spawn("triggerer", airflow, "triggerer")
        self._spawn("intake", sys.executable, "-m", "leadline.cli", "--store-url", self.store_url, "intake", "serve",
                    "--port", str(self.intake_port), "--no-access-log")
        self._spawn("recordings", sys.executable, "-m", "http.server", str(self.recordings_port),
                    "--bind", "127.0.0.1", "--directory", str(RECORDINGS_DIR))
        self.wait_until_ready()

    def wait_until_ready(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        checks = {
            "api-server": f"http://127.0.0.1:{self.api_port}/api/v2/monitor/health",
            "intake": f"http://127.0.0.1:{self.intake_port}/v1/health",
        }
        while checks:
            for name, url in list(checks.items()):
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        del checks[name]
                except httpx.HTTPError:
                    pass
            for proc in self.processes:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[1:3]} exited early; see {self.home / 'logs'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout_s}s: {sorted(checks)}")
            time.sleep(1)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
        for proc in self.processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        self.processes.clear()
