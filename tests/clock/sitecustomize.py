"""The faked clock for every Python process of a test run, not only pytest's own: with
LEADLINE_TEST_CLOCK_OFFSET_DAYS set, tests/conftest.py puts this folder on the PYTHONPATH its servers and
schedulers inherit, and each of them starts here that many days ahead (time-machine; the clock keeps ticking),
so a scheduler, a Celery worker and the test that checks their work agree on the date."""

import datetime
import os

try:  # a Python without time-machine (a tool's own interpreter) runs on the real clock
    import time_machine
except ImportError:
    time_machine = None

if time_machine is not None and os.environ.get("LEADLINE_TEST_CLOCK_OFFSET_DAYS"):
    time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        days=float(os.environ["LEADLINE_TEST_CLOCK_OFFSET_DAYS"])), tick=True).start()
