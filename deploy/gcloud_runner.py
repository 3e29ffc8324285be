"""How the deploy commands run gcloud: every command printed as a shell line before it runs (so a log or a dry run
can be pasted back into a shell), nothing run in a dry run, secret input sent on stdin and never printed.

A `Step` is one idempotent piece of a project's setup: a read-only query (a `describe`, a policy read) that says
whether the piece is in place, and the commands that put it there when it is not.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass


class Gcloud:
    """Runs gcloud in one project, or with dry_run only prints what it would run.

    In a dry run nothing is called, so a query cannot be answered: `probe` returns `dry_run_answer` instead
    (None: "not there", which shows what a run on a new project does)."""

    def __init__(self, project: str, dry_run: bool = False, dry_run_answer: str | None = None):
        self.project = project
        self.dry_run = dry_run
        self.dry_run_answer = dry_run_answer

    def __call__(self, *args: str, stdin: str | None = None, capture: bool = False) -> str:
        return self.run(self.command(*args), stdin=stdin, capture=capture)

    def command(self, *args: str) -> list[str]:
        return ["gcloud", *args, f"--project={self.project}"]

    def run(self, command: list[str], stdin: str | None = None, capture: bool = False) -> str:
        """Any command line (gcloud or another tool), printed first; a failure stops the deploy."""
        print("+ " + shlex.join(command) + (" < (secret)" if stdin is not None else ""), flush=True)
        if self.dry_run:
            return ""
        result = subprocess.run(command, input=stdin, text=True, check=True,
                                stdout=subprocess.PIPE if capture else None)
        return (result.stdout or "").strip()

    def probe(self, *args: str) -> str | None:
        """A read-only query: its output, or None when it fails (gcloud exits 1 for what does not exist). Its
        error message is not shown: "not found" is the expected answer on a new project."""
        command = self.command(*args)
        print("+ " + shlex.join(command), flush=True)
        if self.dry_run:
            return self.dry_run_answer
        result = subprocess.run(command, text=True, capture_output=True)
        return result.stdout.strip() if result.returncode == 0 else None


@dataclass(frozen=True)
class Action:
    """One gcloud command of a step; `secret_input` makes the value it sends on stdin (a generated key)."""

    args: tuple[str, ...]
    secret_input: Callable[[], str] | None = None


def found(_output: str) -> bool:
    return True


@dataclass(frozen=True)
class Step:
    subject: str  # what the step sets up, as reported: "bucket gs://acme-prod-backups"
    check: tuple[str, ...]  # gcloud arguments of the read-only query
    actions: tuple[Action, ...]
    # whether the query's output shows the piece in place (a query that fails always means it is not)
    in_place: Callable[[str], bool] = found


def apply_steps(gcloud: Gcloud, steps: list[Step]) -> None:
    """Each step's query, then its actions only when the piece is missing; one line per step says which."""
    for step in steps:
        output = gcloud.probe(*step.check)
        if output is not None and step.in_place(output):
            print(f"{step.subject}: exists", flush=True)
            continue
        for action in step.actions:
            gcloud(*action.args, stdin=action.secret_input() if action.secret_input else None)
        print(f"{step.subject}: {'created' if not gcloud.dry_run else 'to be created'}", flush=True)


def has_binding(member: str, role: str) -> Callable[[str], bool]:
    """For a `get-iam-policy --format=json` query: the member holds the role unconditionally."""

    def in_place(policy_json: str) -> bool:
        bindings = json.loads(policy_json or "{}").get("bindings") or []
        return any(binding.get("role") == role and member in binding.get("members", [])
                   and not binding.get("condition") for binding in bindings)

    return in_place
