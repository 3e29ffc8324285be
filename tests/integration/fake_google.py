"""A local stand-in for the Speech-to-Text and Vertex AI REST endpoints that journals every request,
so the real client libraries can be driven end to end without credentials.

Speech (v1 long-running recognize over REST, the `transport: rest` connections) refuses and answers like
fake_speech says Google does; its operation comes back done at once. Production speaks gRPC to Speech: the
faithful fake of that, whose operations take several polls, is fake_speech_grpc.FakeSpeechGrpc.
Vertex AI refuses what fake_vertex says Vertex refuses (unknown model, no contents, a generateContent request
that does not ask for the JSON object the prompt describes), with Google's error shape, and answers
generateContent with `vertex_text`.

The cheap calls the hooks' test_connection() makes (the health probes) are answered and journaled too: Speech
`GET /v1/operations` (operations.list) and Vertex `models/{model}:countTokens`; `calls(suffix)` counts them.
`failing` makes every request answer 503 UNAVAILABLE (a backend that is down).
"""

from __future__ import annotations

import json
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.cloud import speech_v1

from tests.integration.fake_errors import Refusal
from tests.integration.fake_speech import CALL, recognition_response, refusal
from tests.integration.fake_vertex import request_refusal

__all__ = ["CALL", "FakeGoogle", "connection_json"]
RESPONSE_TYPE = "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse"


def refused(found: Refusal) -> JSONResponse:
    return JSONResponse(status_code=found.http_code, content=found.rest_body())


def recognize_answer(body: dict) -> JSONResponse | dict:
    config = speech_v1.RecognitionConfig.from_json(json.dumps(body.get("config", {})))
    audio = speech_v1.RecognitionAudio.from_json(json.dumps(body.get("audio", {})))
    found = refusal(config, audio)
    if found:
        return refused(found)
    response = json.loads(speech_v1.LongRunningRecognizeResponse.to_json(recognition_response(config)))
    return {"name": "7612202767953098924", "done": True, "response": {"@type": RESPONSE_TYPE, **response}}


UNAVAILABLE = Refusal("UNAVAILABLE", "The service is currently unavailable.")


def make_app(journal: list, vertex_text: str, state: dict | None = None) -> FastAPI:
    app = FastAPI()
    state = state if state is not None else {}

    @app.middleware("http")
    async def outage(request: Request, call_next):
        if state.get("failing"):
            journal.append({"path": request.url.path, "headers": dict(request.headers), "body": None})
            return refused(UNAVAILABLE)
        return await call_next(request)

    @app.get("/v1/operations")
    async def list_operations(request: Request):
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": None,
                        "query": dict(request.query_params)})
        return {"operations": []}

    @app.post("/v1/speech:longrunningrecognize")
    async def recognize(request: Request):
        body = await request.json()
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
        return recognize_answer(body)

    @app.post("/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}")
    async def generate(version: str, project: str, location: str, model: str, request: Request):
        body = await request.json()
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
        model, _, method = model.partition(":")
        found = request_refusal(f"projects/{project}/locations/{location}/publishers/google/models/{model}",
                                method, body)
        if found:
            return refused(found)
        if method == "countTokens":
            return {"totalTokens": 1}
        if method == "predict":  # text embeddings
            return {"predictions": [{"embeddings": {"values": [0.1 * (i + 1), 0.2, 0.3], "statistics": {
                "token_count": 3, "truncated": False}}} for i, _ in enumerate(body["instances"])]}
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": vertex_text}]},
                                "finishReason": "STOP"}]}

    return app


class FakeGoogle:
    def __init__(self, vertex_text: str = "{}"):
        self.journal: list[dict] = []
        self.vertex_text = vertex_text
        self.state: dict = {"failing": False}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        app = make_app(self.journal, vertex_text, self.state)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def failing(self) -> bool:
        return self.state["failing"]

    @failing.setter
    def failing(self, value: bool) -> None:
        self.state["failing"] = value

    def calls(self, path_suffix: str) -> int:
        """How many requests reached a path ending in `path_suffix` (e.g. "/v1/operations", ":countTokens")."""
        return sum(1 for r in self.journal if r["path"].endswith(path_suffix))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeGoogle:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def connection_json(fake: FakeGoogle, **extra) -> str:
    return json.dumps({"conn_type": "google_cloud_platform",
                       "extra": {"api_endpoint": fake.url, "static_token": "test-token", **extra}})
