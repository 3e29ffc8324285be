"""A local stand-in for the Speech-to-Text and Vertex AI REST endpoints that journals every request,
so the real client libraries can be driven end to end without credentials."""

from __future__ import annotations

import json
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI, Request


def make_app(journal: list, vertex_text: str) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/speech:longrunningrecognize")
    async def recognize(request: Request):
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": await request.json()})
        return {"name": "operations/123", "done": True, "response": {
            "@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse",
            "results": [
                {"alternatives": [{"transcript": "Hi, my name is Marcus Whitfield.", "confidence": 0.92}]},
                {"alternatives": [{"transcript": "I need a roof replacement as soon as possible.",
                                   "confidence": 0.88}]},
            ]}}

    @app.post("/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}")
    async def generate(version: str, project: str, location: str, model: str, request: Request):
        body = await request.json()
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
        if model.endswith(":predict"):  # text embeddings
            return {"predictions": [{"embeddings": {"values": [0.1 * (i + 1), 0.2, 0.3], "statistics": {
                "token_count": 3, "truncated": False}}} for i, _ in enumerate(body["instances"])]}
        return {"candidates": [{"content": {"role": "model", "parts": [{"text": vertex_text}]},
                                "finishReason": "STOP"}]}

    return app


class FakeGoogle:
    def __init__(self, vertex_text: str = "{}"):
        self.journal: list[dict] = []
        self.vertex_text = vertex_text
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        app = make_app(self.journal, vertex_text)
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

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
