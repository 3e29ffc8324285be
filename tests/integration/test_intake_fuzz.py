"""Fuzzing the webhook: schemathesis draws requests from the intake's own OpenAPI operation (valid and invalid
bodies and headers), hypothesis draws raw bodies (any bytes, deep nesting, odd JSON). Half the draws are signed
with a registered tenant's secret, so they get past the signature to parsing, validation and the store.

Every answer is a documented 4xx with a JSON reason, or 200; never a 5xx; a refused request stores nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from leadline.config import IntakeSettings
from leadline.intake.app import REJECTIONS, WEBHOOK_PATH, create_app
from tests.helpers import SECRETS, signed_headers, store_snapshot

pytestmark = pytest.mark.timeout(600)

OPERATION = schemathesis.openapi.from_dict(create_app(IntakeSettings(store_url="sqlite://")).openapi())[
    WEBHOOK_PATH]["POST"]
FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def encode(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


class Probe:
    """Posts one drawn request and checks the answer and the store."""

    def __init__(self, client: TestClient, engine):
        self.client, self.engine = client, engine
        self.statuses: Counter = Counter()

    def post(self, body: bytes, headers: dict[str, str]) -> None:
        before = store_snapshot(self.engine)
        response = self.client.post(WEBHOOK_PATH, content=body, headers=headers)
        self.statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        assert response.status_code == 200 or response.status_code in REJECTIONS, response.status_code
        answer = response.json()
        if response.status_code == 200:
            assert answer["status"] in ("accepted", "duplicate")
        else:
            assert set(answer) == {"error", "detail"}
            assert store_snapshot(self.engine) == before


@pytest.fixture
def probe(seeded_engine, intake_settings):
    with TestClient(create_app(intake_settings)) as client:
        yield Probe(client, seeded_engine)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_requests_drawn_from_the_openapi_operation_never_get_a_5xx(probe, mode):
    @FUZZ
    @given(case=OPERATION.as_strategy(generation_mode=mode), signed=st.booleans())
    def check(case, signed):
        body = case.body
        if signed:
            if isinstance(body, dict):
                body = {**body, "tenant_id": "acme"}
            raw = encode(body)
            headers = signed_headers(SECRETS["acme"], raw)
        else:
            raw = encode(body)
            headers = {"content-type": case.media_type or "application/json",
                       **{k: str(v) for k, v in (case.headers or {}).items()}}
        probe.post(raw, headers)

    check()
    # the draws reached every stage: signature refusals, payload validation and the store
    assert probe.statuses[401] > 0 and (probe.statuses[422] + probe.statuses[200]) > 0, probe.statuses


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=40,
)


def nested(depth: int, opener: bytes, closer: bytes) -> bytes:
    return b'{"tenant_id":"acme","call_id":"DEEP1","x":' + opener * depth + closer * depth + b"}"


RAW_BODIES = st.one_of(
    st.binary(max_size=2048),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["tenant_id", "call_id", "duration", "caller_id", "customer_name",
                                     "answered", "start_time", "recording_url", "note"]), JSON_VALUES)
    .map(lambda d: json.dumps({"tenant_id": "acme", "call_id": "RAW1", **d}).encode()),
    st.integers(min_value=1, max_value=30_000).flatmap(
        lambda depth: st.sampled_from([nested(depth, b"[", b"]"), nested(depth, b'{"a":', b"}")])),
    st.text().map(lambda t: b'{"tenant_id":"acme","call_id":"TXT1","customer_name":"' + t.encode("utf-8",
                                                                                                 "surrogatepass")
                  + b'"}'),
)


def test_raw_bodies_signed_or_not_never_get_a_5xx(probe):
    @FUZZ
    @given(body=RAW_BODIES, signed=st.booleans())
    def check(body, signed):
        headers = signed_headers(SECRETS["acme"], body) if signed else {"content-type": "application/json"}
        probe.post(body, headers)

    check()
    assert probe.statuses[400] > 0 and probe.statuses[401] > 0, probe.statuses
