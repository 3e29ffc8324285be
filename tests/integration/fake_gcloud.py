"""Stand-ins for what the deploy commands talk to: a `gcloud` (and `leadline`) on PATH that records its calls and
answers queries from a state file, and an intake /v1/health.

The fake writes each call's argv (program name first) as a JSON line to calls.jsonl; input sent on stdin goes to
stdin.jsonl, never into the call log. A call whose arguments start with an answered query prints that answer
and exits 0; an unanswered describe, list or get-iam-policy exits 1 (what does not exist yet); anything else
succeeds silently. `after` makes a command change the state: once it has run, more queries are answered.
"""

from __future__ import annotations

import http.server
import json
import os
import sys
import threading
from pathlib import Path

SCRIPT = """#!{python}
import json, sys
from pathlib import Path

home = Path({home!r})
argv = [Path(sys.argv[0]).name, *sys.argv[1:]]
with (home / "calls.jsonl").open("a") as log:
    log.write(json.dumps(argv) + "\\n")
if "--data-file=-" in argv:
    with (home / "stdin.jsonl").open("a") as log:
        log.write(json.dumps({{"argv": argv, "stdin": sys.stdin.read()}}) + "\\n")
state = json.loads((home / "state.json").read_text())
line = " ".join(argv)
for command, answers in state["after"]:
    if line.startswith(command):
        state["answers"].update(answers)
        (home / "state.json").write_text(json.dumps(state))
for query, answer in state["answers"].items():
    if line.startswith(query):
        print(answer)
        sys.exit(0)
if any(word in argv for word in ("describe", "list", "get-iam-policy")):
    print("ERROR: NOT_FOUND", file=sys.stderr)
    sys.exit(1)
"""


class FakeGcloud:
    def __init__(self, home: Path, monkeypatch):
        self.home = home
        (home / "bin").mkdir(parents=True)
        self.state_file.write_text(json.dumps({"answers": {}, "after": []}))
        for program in ("gcloud", "leadline"):
            script = home / "bin" / program
            script.write_text(SCRIPT.format(python=sys.executable, home=str(home)))
            script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{home / 'bin'}{os.pathsep}{os.environ['PATH']}")

    @property
    def state_file(self) -> Path:
        return self.home / "state.json"

    def _update(self, change) -> None:
        state = json.loads(self.state_file.read_text())
        change(state)
        self.state_file.write_text(json.dumps(state))

    def answer(self, query: str, output: str) -> None:
        """`query`: the start of a call, program included ("gcloud run services describe webhook-processor")."""
        self._update(lambda state: state["answers"].update({query: output}))

    def after(self, command: str, answers: dict[str, str]) -> None:
        """Once a call starting with `command` has run, `answers` are answered too."""
        self._update(lambda state: state["after"].append([command, answers]))

    def calls(self) -> list[list[str]]:
        log = self.home / "calls.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def stdin(self) -> list[dict]:
        log = self.home / "stdin.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def traffic(self) -> list[str]:
        """The `--to-revisions` of every traffic change, in order."""
        return [arg.removeprefix("--to-revisions=") for call in self.calls() if "update-traffic" in call
                for arg in call if arg.startswith("--to-revisions=")]


class Health:
    """A stand-in intake /v1/health answering from a script of statuses (the last one repeats)."""

    def __init__(self, statuses: list[str]):
        self.statuses = statuses
        health = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                status = health.statuses.pop(0) if len(health.statuses) > 1 else health.statuses[0]
                body = json.dumps({"status": status}).encode()
                self.send_response(200 if status == "healthy" else 503)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.base_url}/v1/health"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()  # shutdown() leaves the listening socket open
