"""The Task SDK internals behind leadline.supervisor: the message the dispatcher sends must still be one the
supervisor accepts, and the answers it handles must still exist. An Airflow upgrade that changes them fails
here rather than in production dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter

from leadline import supervisor

ROOT = Path(__file__).resolve().parents[2]


class RecordingComms:
    def __init__(self, answer=None):
        self.sent, self.answer = [], answer

    def send(self, message):
        self.sent.append(message)
        return self.answer


@pytest.fixture
def comms(monkeypatch):
    from airflow.sdk.execution_time import task_runner

    recorder = RecordingComms()
    monkeypatch.setattr(task_runner, "SUPERVISOR_COMMS", recorder, raising=False)
    return recorder


def test_the_trigger_message_is_one_the_supervisor_accepts(comms):
    from airflow.sdk.execution_time.comms import ToSupervisor, TriggerDagRun

    assert supervisor.trigger_dag_run("call_processing", "call__acme__C1", {"tenant_id": "acme"}) is True
    [message] = comms.sent
    # what the supervisor decodes from the wire: the discriminated union of every message a task may send
    decoded = TypeAdapter(ToSupervisor).validate_json(message.model_dump_json())
    assert isinstance(decoded, TriggerDagRun)
    assert (decoded.dag_id, decoded.run_id, decoded.conf, decoded.reset_dag_run, decoded.logical_date) == (
        "call_processing", "call__acme__C1", {"tenant_id": "acme"}, False, None)
    assert decoded.run_after is not None


def test_an_existing_run_is_reported_and_other_errors_raise(comms):
    from airflow.sdk.exceptions import ErrorType
    from airflow.sdk.execution_time.comms import ErrorResponse

    comms.answer = ErrorResponse(error=ErrorType.DAGRUN_ALREADY_EXISTS)
    assert supervisor.trigger_dag_run("call_processing", "call__acme__C1", {}) is False
    comms.answer = ErrorResponse(error=ErrorType.GENERIC_ERROR, detail={"reason": "boom"})
    with pytest.raises(RuntimeError, match="could not trigger call_processing"):
        supervisor.trigger_dag_run("call_processing", "call__acme__C1", {}, reset=True)
    assert comms.sent[-1].reset_dag_run is True


def test_no_other_module_reaches_into_the_task_sdk_internals():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "plugins").rglob("*.py")
                 if "airflow.sdk.execution_time" in path.read_text() and path.name != "supervisor.py"]
    assert offenders == []
