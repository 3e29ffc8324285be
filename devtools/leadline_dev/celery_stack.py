"""CeleryStack: the docker-compose topology without Docker: PostgreSQL metadata, CeleryExecutor over Redis with
two workers, the store on PostgreSQL, plus the CRM sandbox. Used by `make stack`, the stack integration suite
(with its chaos cases) and `bench/pipeline.py --stack celery`."""

from __future__ import annotations

from pathlib import Path

from leadline_dev.stack import EmbeddedStack

POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# The store logs in as an ordinary role, as it must in production: superusers skip row-level security
STORE_ROLE = "leadline_store"
REDIS_SERVER = "redis://127.0.0.1:6379"


class CeleryStack(EmbeddedStack):
    """Two Celery workers with `worker_concurrency` slots each; tasks whose worker dies are found by the
    scheduler's heartbeat check after `heartbeat_timeout_s` and retried on a live worker."""

    executor = "CeleryExecutor"
    workers = ("worker-1", "worker-2")

    def __init__(self, home: Path, name: str = "leadline_stack", api_port: int = 8080, intake_port: int = 8081,
                 recordings_port: int = 8082, sandbox_port: int = 8090, sandbox_tls_port: int = 8091,
                 redis_db: int = 5, worker_concurrency: int = 4, heartbeat_timeout_s: int = 30,
                 speech_model: str | None = None):
        super().__init__(home, api_port, intake_port, recordings_port, sandbox=True, sandbox_port=sandbox_port,
                         sandbox_tls_port=sandbox_tls_port, speech_model=speech_model)
        self.name = name
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
        return f"postgresql://{STORE_ROLE}@127.0.0.1:5432/{self.store_database}"

    @property
    def metadata_url(self) -> str:
        return f"{POSTGRES_SERVER}/{self.metadata_database}"

    @property
    def broker_url(self) -> str:
        return f"{REDIS_SERVER}/{self.redis_db}"

    @property
    def env(self) -> dict[str, str]:
        parallelism = str(len(self.workers) * self.worker_concurrency * 2)
        return {
            **super().env,
            "AIRFLOW__CORE__PARALLELISM": parallelism,
            "AIRFLOW__API__WORKERS": "2",
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + self.metadata_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.worker_concurrency),
            # Each step of a call waits for a scheduler loop to queue it; at the default 1 s idle sleep that was
            # most of the per-call overhead. 0.25 s: a quarter of the wait, a fraction of the 0.05 s loop's cost
            # (a core on PostgreSQL).
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.25",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(self.heartbeat_timeout_s),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "30",
            # A message a killed worker had taken but not started stays invisible in Redis; re-queue it sooner.
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
        }

    def _all_services(self) -> dict[str, tuple[str, ...]]:
        services = super()._all_services()
        for worker in self.workers:
            # Worker logs are files under AIRFLOW_HOME that the API server reads itself; two workers on one
            # host would otherwise both bind the log server port.
            services[worker] = (self.airflow, "celery", "worker", "--celery-hostname", f"{worker}@%h",
                                "--concurrency", str(self.worker_concurrency), "--skip-serve-logs",
                                "--without-mingle", "--without-gossip")
        return services

    def recreate_databases(self) -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{STORE_ROLE}') "
                              f"THEN CREATE ROLE {STORE_ROLE}; END IF; END$$"))
            # log in, and create the scratch database a backup is restored into
            conn.execute(text(f"ALTER ROLE {STORE_ROLE} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS"))
            for database, owner in ((self.metadata_database, "postgres"), (self.store_database, STORE_ROLE)):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{database}" OWNER {owner}'))
        admin.dispose()
        import redis

        redis.Redis.from_url(self.broker_url).flushdb()

    def prepare(self) -> None:
        self.recreate_databases()
        super().prepare()
