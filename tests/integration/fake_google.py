"""A local stand-in for the Speech-to-Text and Vertex AI REST endpoints that journals every request,
so the real client libraries can be driven end to end without credentials.

Speech answers like v1 long-running recognize does for the request's config, from a scripted call (CALL):
- inline WAV content whose header disagrees with audioChannelCount -> 400 INVALID_ARGUMENT, as the API does;
- per-channel recognition (audioChannelCount 2 + enableSeparateRecognitionPerChannel) -> one result per
  utterance with its channelTag, channel 1's results first, then channel 2's;
- diarization -> the utterance results, then a last result whose words (all of them) carry speakerTag;
- words carry startTime/endTime only with enableWordTimeOffsets and a confidence only with enableWordConfidence.

The cheap calls the hooks' test_connection() makes (the health probes) are answered and journaled too: Speech
`GET /v1/operations` (operations.list) and Vertex `models/{model}:countTokens`; `calls(suffix)` counts them.
`failing` makes every request answer 503 UNAVAILABLE (a backend that is down).
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# (channel / speaker: 1 = agent, 2 = caller, start s, end s, transcript, confidence)
CALL = [
    (1, 0.5, 6.2, "Thank you for calling Summit Roofing, this is Dana.", 0.93),
    (2, 7.0, 13.2, "Hi, my name is Marcus Whitfield. I need a roof replacement as soon as possible.", 0.88),
    (1, 14.0, 17.9, "What is the best number to reach you?", 0.91),
    (2, 18.7, 25.3, "You can reach me at 555-014-2678.", 0.86),
]
LANGUAGE = "en-us"


def _duration(seconds: float) -> str:
    return f"{seconds:.3f}s"


def _words(start: float, end: float, text: str, confidence: float, config: dict, speaker: int | None) -> list[dict]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = []
    for i, token in enumerate(tokens):
        word = {"word": token}
        if config.get("enableWordTimeOffsets"):
            word.update(startTime=_duration(start + i * step), endTime=_duration(start + (i + 1) * step))
        if config.get("enableWordConfidence"):
            word["confidence"] = confidence
        if speaker is not None:
            word["speakerTag"] = speaker
        words.append(word)
    return words


def _result(utterance, config: dict, channel_tag: int | None) -> dict:
    channel, start, end, text, confidence = utterance
    result = {"alternatives": [{"transcript": text, "confidence": confidence,
                                "words": _words(start, end, text, confidence, config, None)}],
              "resultEndTime": _duration(end), "languageCode": LANGUAGE}
    if channel_tag is not None:
        result["channelTag"] = channel_tag
    return result


def speech_results(config: dict) -> list[dict]:
    channels = config.get("audioChannelCount", 1)
    if channels == 2 and config.get("enableSeparateRecognitionPerChannel"):
        return [_result(u, config, tag) for tag in (1, 2) for u in CALL if u[0] == tag]
    results = [_result(u, config, None) for u in CALL]
    if (config.get("diarizationConfig") or {}).get("enableSpeakerDiarization"):
        words = [w for channel, start, end, text, confidence in CALL
                 for w in _words(start, end, text, confidence, config, channel)]
        results.append({"alternatives": [{"words": words}], "languageCode": LANGUAGE})
    return results


def wav_channels(content: bytes) -> int | None:
    if content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        return None
    return struct.unpack("<H", content[22:24])[0]


UNAVAILABLE = {"error": {"code": 503, "status": "UNAVAILABLE", "message": "the service is unavailable"}}


def make_app(journal: list, vertex_text: str, state: dict | None = None) -> FastAPI:
    app = FastAPI()
    state = state if state is not None else {}

    @app.middleware("http")
    async def outage(request: Request, call_next):
        if state.get("failing"):
            journal.append({"path": request.url.path, "headers": dict(request.headers), "body": None})
            return JSONResponse(status_code=503, content=UNAVAILABLE)
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
        config = body["config"]
        header_channels = wav_channels(base64.b64decode(body["audio"].get("content", "")))
        if header_channels is not None and header_channels != config.get("audioChannelCount", 1):
            return JSONResponse(status_code=400, content={"error": {
                "code": 400, "status": "INVALID_ARGUMENT",
                "message": f"audio_channel_count `{config.get('audioChannelCount', 1)}` in RecognitionConfig must "
                           f"either be unspecified or match the value in the WAV header `{header_channels}`."}})
        return {"name": "operations/123", "done": True, "response": {
            "@type": "type.googleapis.com/google.cloud.speech.v1.LongRunningRecognizeResponse",
            "results": speech_results(config)}}

    @app.post("/{version}/projects/{project}/locations/{location}/publishers/google/models/{model}")
    async def generate(version: str, project: str, location: str, model: str, request: Request):
        body = await request.json()
        journal.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
        if model.endswith(":countTokens"):
            return {"totalTokens": 1}
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
