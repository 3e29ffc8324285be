"""The faked clock for every Python process of a test run, not only pytest's own: with
LEADLINE_TEST_CLOCK_OFFSET_DAYS set, tests/conftest.py puts this folder on the PYTHONPATH its servers and
schedulers inherit, so a scheduler, a Celery worker and the test that checks their work agree on the date."""

from faked_clock import start_if_asked

start_if_asked()
