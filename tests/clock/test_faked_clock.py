"""The faked clock as a child process of the suite gets it: through sitecustomize on the PYTHONPATH."""

import os
import subprocess
import sys
from pathlib import Path

CLOCK_DIR = Path(__file__).resolve().parent

# What a child process's SQLAlchemy sends to PostgreSQL for func.now(), and its clock's lead on the real one.
PROBE = """
import time, _time_machine
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
print(select(func.now()).compile(dialect=postgresql.dialect()))
print(select(func.now()).compile(dialect=sqlite.dialect()))
try:
    print(time.time() - _time_machine.original_time())
except ValueError:  # not travelling: the real clock
    print(0.0)
"""


def probe(offset_days: str | None) -> tuple[str, str, float]:
    env = {k: v for k, v in os.environ.items() if k != "LEADLINE_TEST_CLOCK_OFFSET_DAYS"}
    env["PYTHONPATH"] = str(CLOCK_DIR)
    if offset_days:
        env["LEADLINE_TEST_CLOCK_OFFSET_DAYS"] = offset_days
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True,
                         timeout=120).stdout.splitlines()
    return out[0], out[1], float(out[2])


def test_postgresql_now_moves_with_the_faked_clock():
    """Airflow's scheduler compares PostgreSQL's now() with times Python wrote: both must be a year ahead."""
    on_postgresql, on_sqlite, lead_s = probe("365")
    assert abs(lead_s - 365 * 86400) < 60
    moved_us = int(on_postgresql.split("interval '")[1].split(" microseconds'")[0])
    assert abs(moved_us / 1e6 - lead_s) < 1
    assert on_postgresql.startswith("SELECT (now() + interval '")
    assert "CURRENT_TIMESTAMP" in on_sqlite  # only PostgreSQL's is moved


def test_without_an_offset_now_is_the_servers():
    on_postgresql, _, lead_s = probe(None)
    assert on_postgresql.startswith("SELECT now() AS")
    assert lead_s == 0.0
