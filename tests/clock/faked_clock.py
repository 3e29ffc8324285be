"""A process's clock moved LEADLINE_TEST_CLOCK_OFFSET_DAYS ahead (time-machine; it keeps ticking), for the
suite's own process (tests/conftest.py) and every Python process it starts (sitecustomize.py beside this)."""

import datetime
import os
import types


def start_if_asked() -> None:
    offset = os.environ.get("LEADLINE_TEST_CLOCK_OFFSET_DAYS")
    try:
        import _time_machine
        import time_machine
    except ImportError:  # a Python without time-machine (a tool's own interpreter) runs on the real clock
        return
    if not offset:
        return
    _pin_grpc_to_the_real_clock(_time_machine.original_time)
    time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=float(offset)),
                        tick=True).start()
    _move_postgresql_now(_time_machine.original_time)


def _pin_grpc_to_the_real_clock(real_time) -> None:
    """gRPC turns Python's time.time() into deadlines for its C core, which waits on the real clock: a year
    ahead, a server's start-up and every poll would wait a year. Its module gets a `time` that is not moved."""
    try:
        from grpc._cython import cygrpc
    except ImportError:
        return
    import time

    real = types.ModuleType("time")
    real.__dict__.update(time.__dict__)
    real.time = real_time
    cygrpc.time = real


def _move_postgresql_now(real_time) -> None:
    """PostgreSQL's now() is the server's real clock, which time-machine cannot move, while the times written
    beside it come from this process's moved clock. Airflow's scheduler compares the two: it creates a run once
    `dag.next_dagrun_create_after <= now()` and starts and examines runs whose `run_after <= now()`, with
    both times written from Python; a year ahead no run was ever created or started, and the Celery stack's
    calls waited for ever. So SQLAlchemy's func.now() on PostgreSQL becomes the server's clock moved by this
    process's offset (a constant while the moved clock ticks, so a statement SQLAlchemy compiled once stays
    right). Only func.now() changes: SQL written as text, and other servers' clocks, stay real (nothing in the
    suite compares them with Python's time). Done when the process imports SQLAlchemy, so a process without
    it (a static file server) does not pay for the import."""
    import time

    offset_us = round((time.time() - real_time()) * 1_000_000)

    def move(_sqlalchemy) -> None:
        from sqlalchemy.ext.compiler import compiles
        from sqlalchemy.sql.functions import now

        @compiles(now, "postgresql")
        def _moved_now(element, compiler, **kw):
            return f"(now() + interval '{offset_us} microseconds')"

    _after_import("sqlalchemy", move)


def _after_import(name: str, then) -> None:
    """`then(module)` once the top-level package `name` is imported (at once if it already is)."""
    import importlib.abc
    import importlib.util
    import sys

    if name in sys.modules:
        then(sys.modules[name])
        return

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            if spec is None or spec.loader is None:
                return spec
            loader_exec = spec.loader.exec_module

            def exec_module(module):
                loader_exec(module)
                then(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())
