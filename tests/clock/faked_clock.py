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
