"""Where a recording may be fetched from (domain.recording_policy), and the fetch that keeps to it."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from leadline import audio
from leadline.domain.recording_policy import RecordingPolicy, RecordingUrlRefused, Target, check_addresses, check_url

CALLRAIL = RecordingPolicy()


@pytest.mark.parametrize("url, reason", [
    ("http://app.callrail.com/r.mp3", "scheme http"),
    ("file:///etc/passwd", "scheme file"),
    ("gopher://app.callrail.com/", "scheme gopher"),
    ("https://user:pw@app.callrail.com/r.mp3", "credentials"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is not among"),
    ("https://2130706433/r.mp3", "2130706433 is not among"),  # 127.0.0.1 as one number
    ("https://callrail.com.evil.example/r.mp3", "not among"),
    ("https://evilcallrail.com/r.mp3", "not among"),
    ("https://app.callrail.com:99999/r.mp3", "malformed"),
])
def test_urls_outside_the_policy_are_refused_with_the_reason(url, reason):
    with pytest.raises(RecordingUrlRefused, match=reason):
        check_url(url, CALLRAIL)


def test_callrail_and_its_subdomains_over_https_are_allowed():
    assert check_url("https://app.callrail.com/calls/1/recording", CALLRAIL) == Target("https", "app.callrail.com",
                                                                                        443)
    assert check_url("https://callrail.com:8443/r", CALLRAIL).port == 8443
    tenant = RecordingPolicy.from_config({"recording_hosts": ["Recordings.Example.com."],
                                          "recording_allow_http": True})
    assert check_url("http://recordings.example.com/r.wav", tenant).host == "recordings.example.com"


def test_every_resolved_address_must_be_public_unless_the_ip_itself_is_allowed():
    target = Target("https", "app.callrail.com", 443)
    assert check_addresses(target, ["34.120.1.2"], CALLRAIL) == "34.120.1.2"
    for private in (["10.0.0.5"], ["34.120.1.2", "127.0.0.1"], ["169.254.169.254"], ["::1"], ["fd00::1"]):
        with pytest.raises(RecordingUrlRefused, match="non-public address"):
            check_addresses(target, private, CALLRAIL)
    local = RecordingPolicy(("127.0.0.1",), allow_http=True)
    assert check_addresses(Target("http", "127.0.0.1", 80), ["127.0.0.1"], local) == "127.0.0.1"


class _Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(302)
        self.send_header("location", self.server.location)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirector():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_redirect_to_an_internal_address_is_not_followed(redirector, tmp_path):
    local = RecordingPolicy(("127.0.0.1",), allow_http=True)
    url = f"http://127.0.0.1:{redirector.server_address[1]}/r.wav"
    for location in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/secret", "file:///etc/passwd"):
        redirector.location = location
        with pytest.raises(audio.RecordingRefused, match="recording fetch refused"), open(tmp_path / "x", "wb") as out:
            audio.download(url, out, local)
    redirector.location = url  # a loop
    with pytest.raises(audio.RecordingRefused, match="more than 5 redirects"), open(tmp_path / "x", "wb") as out:
        audio.download(url, out, local)


def test_a_name_that_resolves_to_a_private_address_is_refused_before_any_connection(monkeypatch, tmp_path):
    connections = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, **kw: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))])
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connections.append(a))
    with pytest.raises(audio.RecordingRefused, match="non-public address"), open(tmp_path / "x", "wb") as out:
        audio.download("https://app.callrail.com/calls/1/recording.mp3", out, CALLRAIL)
    assert connections == []
