"""The CLI's refusals: one line on stderr naming the problem, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from leadline.cli import main
from leadline.store.tenants import get_tenant, list_tenants
from tests.conftest import ROOT, python_path


def leadline(store_url: str, *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it: its own process, so what reaches the terminal is what is checked."""
    env = {**os.environ, "PYTHONPATH": python_path(ROOT / "plugins")}
    return subprocess.run([sys.executable, "-m", "leadline.cli", "--store-url", store_url, *args],
                          env=env, capture_output=True, text=True, timeout=120)


def tenant_ids(engine) -> list[str]:
    with engine.connect() as conn:
        return [tenant.tenant_id for tenant in list_tenants(conn)]


@pytest.mark.parametrize(("args", "message"), [
    (["tenants", "add", "acme", "--name", "Acme again", "--webhook-secret-ref", "env:OTHER"],
     "tenant acme already exists: change it with tenants set-status, set-limits, set-crm or set-context"),
    (["tenants", "set-status", "nosuch", "paused"], "no tenant nosuch"),
    (["tenants", "add", "initech", "--name", "Initech", "--webhook-secret-ref", "s3cr3t-value"],
     "--webhook-secret-ref is not a secret reference: use env:NAME, file:/absolute/path or gsm:SECRET "
     "(gsm:projects/P/secrets/S) (the secret itself is never stored)"),
])
def test_a_refusal_is_one_line_on_stderr_and_exit_code_2(seeded_engine, store_url, args, message):
    before = tenant_ids(seeded_engine)
    result = leadline(store_url, *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"leadline: {message}\n")
    assert "s3cr3t-value" not in result.stderr  # a secret pasted in place of its reference is not echoed
    assert tenant_ids(seeded_engine) == before


@pytest.mark.parametrize(("ref", "problem"), [
    ("env:", "not a valid env: reference"),
    ("env:NOT A NAME", "not a valid env: reference"),
    ("file:relative/secret", "not a valid file: reference"),
    ("gsm:", "not a valid gsm: reference"),
    ("gsm:projects/acme/secrets/a b", "not a valid gsm: reference"),
    ("vault:kv/acme", "not a secret reference"),
])
def test_tenants_add_refuses_a_bad_secret_reference(seeded_engine, store_url, capsys, ref, problem):
    with pytest.raises(SystemExit) as exit_info:
        main(["--store-url", store_url, "tenants", "add", "initech", "--name", "Initech", "--webhook-secret-ref", ref])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and error.startswith(f"leadline: --webhook-secret-ref is {problem}")
    assert error.count("\n") == 1
    assert "initech" not in tenant_ids(seeded_engine)


@pytest.mark.parametrize("ref", ["env:INITECH_SECRET", "file:/run/secrets/initech", "gsm:initech-webhook",
                                 "gsm:projects/acme-prod/secrets/initech-webhook/versions/3"])
def test_tenants_add_takes_every_reference_form(seeded_engine, store_url, capsys, ref):
    main(["--store-url", store_url, "tenants", "add", "initech", "--name", "Initech", "--webhook-secret-ref", ref])
    assert capsys.readouterr().out == "tenant initech added\n"
    with seeded_engine.connect() as conn:
        assert get_tenant(conn, "initech").webhook_secret_ref == ref


@pytest.mark.parametrize(("config", "message"), [
    ("{not json", "--config is not JSON: Expecting property name enclosed in double quotes at character 1"),
    ("[1, 2]", "--config must be a JSON object"),
])
def test_tenants_add_refuses_a_bad_config(seeded_engine, store_url, capsys, config, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["--store-url", store_url, "tenants", "add", "initech", "--name", "Initech",
              "--webhook-secret-ref", "env:X", "--config", config])
    assert (exit_info.value.code, capsys.readouterr().err) == (2, f"leadline: {message}\n")


def test_tenants_add_refuses_a_value_out_of_range(seeded_engine, store_url, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--store-url", store_url, "tenants", "add", "initech", "--name", "Initech",
              "--webhook-secret-ref", "env:X", "--lead-scoring-threshold", "150"])
    assert (exit_info.value.code, capsys.readouterr().err) == (
        2, "leadline: lead_scoring_threshold must be within 0..100\n")
