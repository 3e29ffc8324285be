"""Cloud Storage for real: recordings, retention deletes, weekly reports and the health storage probes under
gs://, through the same ObjectStoragePath code as production, against fake-gcs-server (tests/emulators.py).

The tasks reach the bucket the way Composer does: LEADLINE_STORAGE_URL names it in Airflow's form,
`gs://<conn_id>@bucket/prefix`, and the Google Cloud connection carries the emulator's endpoint (`gcs.endpoint`,
read by the Google provider's gs:// filesystem) and anonymous credentials. The intake, which has no Airflow,
takes the plain URL and gcsfs options."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from leadline.store.calls import get_call
from leadline.store.intake import IncomingCall, record_calls
from leadline.store.schema import alerts, call_records, health_snapshots, tenants
from tests.dags.test_call_pipeline import PROCESSED, post_call, process
from tests.emulators import create_bucket, gcs_emulator

CONN_ID = "leadline_gcs"
PROJECT = "leadline-test"


@pytest.fixture(scope="module")
def gcs_endpoint():
    with gcs_emulator() as endpoint:
        yield endpoint


class Bucket:
    """A fresh bucket on the emulator, and a gcsfs client of our own to look inside it."""

    def __init__(self, endpoint: str, conn_id: str = CONN_ID):
        import gcsfs

        self.endpoint = endpoint
        self.name = f"leadline-{uuid.uuid4().hex[:10]}"
        create_bucket(endpoint, self.name)
        self.fs = gcsfs.GCSFileSystem(endpoint_url=endpoint, token="anon", project=PROJECT,
                                      skip_instance_cache=True)
        self.conn_id = conn_id
        self.storage_url = f"gs://{conn_id}@{self.name}/leadline"

    def key(self, relative: str) -> str:
        return f"{self.name}/leadline/{relative}"

    def uri(self, relative: str) -> str:
        return f"gs://{self.conn_id}@{self.key(relative)}"

    def files(self) -> list[str]:
        self.fs.invalidate_cache()
        return sorted(path.removeprefix(f"{self.name}/leadline/") for path in self.fs.find(self.name))


def gcs_connection(endpoint: str) -> str:
    return json.dumps({"conn_type": "google_cloud_platform",
                       "extra": {"gcs.endpoint": endpoint, "is_anonymous": True, "project": PROJECT}})


@pytest.fixture
def bucket(gcs_endpoint, store_conn, monkeypatch) -> Bucket:
    """The tasks' storage on a fresh emulator bucket, through the `leadline_gcs` connection."""
    found = Bucket(gcs_endpoint)
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", gcs_connection(gcs_endpoint))
    monkeypatch.setenv("LEADLINE_STORAGE_URL", found.storage_url)
    return found


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def test_fetch_recording_stores_to_gcs_and_the_pipeline_reads_it_back(dagbag, bucket, intake_client, seeded_engine,
                                                                      recordings_server):
    post_call(intake_client, "CAL-GCS-1", f"{recordings_server}/hot_lead.wav", "71")
    assert process(dagbag, "CAL-GCS-1") == PROCESSED  # transcribe read the WAV back from the bucket
    call = get_call(seeded_engine, "acme", "CAL-GCS-1")
    assert call.recording_path == bucket.uri("acme/recordings/CAL-GCS-1.wav")
    assert bucket.files() == ["acme/recordings/CAL-GCS-1.wav"]  # no .partial left behind
    stored = bucket.fs.cat_file(bucket.key("acme/recordings/CAL-GCS-1.wav"))
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WAVE"
    assert "roof" in call.transcript

    # forced reprocessing fetches again over the stored object
    assert process(dagbag, "CAL-GCS-1", force=True)["fetch_recording"] == "success"
    assert bucket.files() == ["acme/recordings/CAL-GCS-1.wav"]


def test_retention_purge_deletes_expired_recordings_from_gcs(dagbag, bucket, seeded_engine):
    now = datetime.now(UTC)
    for tenant in ("acme", "globex"):
        for label, age in (("OLD", 40), ("NEW", 1)):
            call_id = f"{label}-{tenant}"
            bucket.fs.pipe_file(bucket.key(f"{tenant}/recordings/{call_id}.wav"), b"RIFF")
            record_calls(seeded_engine, [IncomingCall(tenant, call_id, None, None, None, 90, True, None,
                                                      "https://r.example/x.wav", {})])
            with seeded_engine.begin() as conn:
                conn.execute(update(call_records).where(call_records.c.call_id == call_id).values(
                    transcript="secret words", recording_path=bucket.uri(f"{tenant}/recordings/{call_id}.wav"),
                    created_at=now - timedelta(days=age)))
    with seeded_engine.begin() as conn:
        conn.execute(update(tenants).where(tenants.c.tenant_id == "acme").values(retention_days=30))

    run = dagbag.get_dag("maintenance_daily").test()
    assert states(run)["retention_purge"] == "success"
    assert bucket.files() == ["acme/recordings/NEW-acme.wav", "globex/recordings/NEW-globex.wav",
                              "globex/recordings/OLD-globex.wav"]  # globex keeps the default retention
    purged = get_call(seeded_engine, "acme", "OLD-acme")
    assert purged.recording_path is None and purged.transcript is None
    # a rerun finds the object already gone and the row already purged: nothing fails
    assert states(dagbag.get_dag("maintenance_daily").test())["retention_purge"] == "success"


def test_weekly_report_is_written_to_gcs(dagbag, bucket, seeded_engine):
    from airflow.models import DagRun

    run = dagbag.get_dag("maintenance_weekly").test()
    assert states(run) == {"weekly_reports": "success"}
    end = DagRun.find(dag_id="maintenance_weekly")[-1].data_interval_end
    name = f"weekly-{end:%Y-%m-%d}.html"
    assert bucket.files() == [f"{tenant}/reports/{name}" for tenant in ("acme", "dormant", "globex")]
    html = bucket.fs.cat_file(bucket.key(f"acme/reports/{name}")).decode()
    assert "<svg" in html and "acme" in html
    with seeded_engine.connect() as conn:
        messages = conn.execute(select(alerts.c.message).where(alerts.c.kind == "report")).scalars().all()
    assert any(bucket.uri(f"acme/reports/{name}") in message for message in messages)


def test_health_check_probes_gcs_through_the_connection(dagbag, bucket, seeded_engine, monkeypatch):
    run = dagbag.get_dag("health_check").test()
    assert states(run) == {"check_health": "success", "check_intake_security": "success"}
    with seeded_engine.connect() as conn:
        snapshot = conn.execute(select(health_snapshots).order_by(health_snapshots.c.taken_at.desc())).first()
    assert snapshot.services["storage"] == "healthy"
    assert bucket.files() == []  # the probe object is deleted again

    monkeypatch.setenv("LEADLINE_STORAGE_URL", f"gs://{CONN_ID}@no-such-bucket-{uuid.uuid4().hex[:6]}/leadline")
    dagbag.get_dag("health_check").test()
    with seeded_engine.connect() as conn:
        snapshot = conn.execute(select(health_snapshots).order_by(health_snapshots.c.taken_at.desc())).first()
        alert = conn.execute(select(alerts).where(alerts.c.dedupe_key == "service:storage",
                                                  alerts.c.status == "open")).one()
    assert snapshot.services["storage"] == "unhealthy" and snapshot.status == "degraded"
    assert alert.message.startswith("storage is unhealthy: ")


def test_intake_health_probes_gcs_with_its_own_settings(gcs_endpoint, store_url, seeded_engine):
    from fastapi.testclient import TestClient

    from leadline.config import IntakeSettings
    from leadline.intake.app import create_app

    found = Bucket(gcs_endpoint)
    options = {"endpoint_url": gcs_endpoint, "token": "anon", "project": PROJECT}
    for storage_url in (f"gs://{found.name}/leadline", found.storage_url):  # an Airflow connection id is dropped
        settings = IntakeSettings(store_url=store_url, storage_url=storage_url, storage_options=options)
        with TestClient(create_app(settings)) as client:
            assert client.get("/v1/health").json()["services"]["storage"] == "healthy"
    assert found.files() == []
    missing = IntakeSettings(store_url=store_url, storage_url=f"gs://no-such-bucket-{uuid.uuid4().hex[:6]}/x",
                             storage_options=options)
    with TestClient(create_app(missing)) as client:
        report = client.get("/v1/health").json()
    assert report["services"]["storage"] == "unhealthy" and report["status"] == "degraded"


def test_google_speech_gets_the_bucket_uri_without_the_connection_id(monkeypatch):
    from leadline.hooks.speech import SpeechHook
    from tests.integration.fake_google import FakeGoogle, connection_json
    from tests.integration.test_google_backends import STEREO, StoredInGcs

    with FakeGoogle() as fake:
        monkeypatch.setenv("AIRFLOW_CONN_LEADLINE_SPEECH", connection_json(fake, transport="rest"))
        SpeechHook().transcribe(StoredInGcs(f"gs://{CONN_ID}@audio/acme/recordings/C1.wav", STEREO), phrase_hints=[])
    [request] = fake.journal
    assert request["body"]["audio"] == {"uri": "gs://audio/acme/recordings/C1.wav"}


def test_the_signed_recording_link_reads_the_recording_from_gcs(gcs_endpoint, store_url, seeded_engine, monkeypatch):
    """The engagement's link: the intake serves a recording the tasks stored through their Airflow connection
    (`gs://conn@bucket/...`) from the bucket itself, with its own storage settings."""
    from fastapi.testclient import TestClient

    from leadline.config import IntakeSettings
    from leadline.domain.engagement import recording_link
    from leadline.intake.app import create_app

    found = Bucket(gcs_endpoint)
    found.fs.pipe_file(found.key("acme/recordings/CAL-LINK-1.wav"), b"RIFF....WAVEfmt ")
    record_calls(seeded_engine, [IncomingCall("acme", "CAL-LINK-1", None, None, None, 71, True, None,
                                              "https://r.example/x.wav", {})])
    with seeded_engine.begin() as conn:
        conn.execute(update(call_records).where(call_records.c.call_id == "CAL-LINK-1").values(
            recording_path=found.uri("acme/recordings/CAL-LINK-1.wav")))
    monkeypatch.setenv("LEADLINE_LINK_KEY", "gcs-link-key")
    options = {"endpoint_url": gcs_endpoint, "token": "anon", "project": PROJECT}
    settings = IntakeSettings(store_url=store_url, storage_url=found.storage_url, storage_options=options)
    link = recording_link("http://testserver", "gcs-link-key", "acme", "CAL-LINK-1", datetime.now(UTC))
    with TestClient(create_app(settings)) as client:
        response = client.get(link.removeprefix("http://testserver"))
    assert response.status_code == 200 and response.content == b"RIFF....WAVEfmt "
