"""The dashboard in the running Airflow API server: tenant isolation through the JSON API, and a real
headless Chromium (Playwright, Debian's chromium) logging in, filtering, opening a call and reprocessing it.
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from leadline.store.engine import create_store_engine
from leadline.store.schema import call_records
from tests.dashboard.conftest import ARTIFACTS, USERS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


def calls_of(dashboard, tenant_id: str) -> int:
    engine = create_store_engine(dashboard.store_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(call_records)
                               .where(call_records.c.tenant_id == tenant_id))
    finally:
        engine.dispose()


def api(dashboard, path: str, user: str | None) -> httpx.Response:
    headers = {"authorization": f"Bearer {dashboard.token(user)}"} if user else {}
    return httpx.get(f"http://127.0.0.1:{dashboard.api_port}/leadline/api/v1{path}", headers=headers, timeout=30)


def test_a_tenant_user_cannot_read_another_tenants_calls(dashboard):
    assert api(dashboard, "/tenants/acme/calls", None).status_code == 401
    assert api(dashboard, "/tenants", "alice").json()["tenants"] == ["acme"]
    own = api(dashboard, "/tenants/acme/calls", "alice")
    # the seeded 360, plus any call another module of this session's stack added for acme (the review tests)
    assert own.status_code == 200 and own.json()["total"] == calls_of(dashboard, "acme") >= 360
    for path in ("/tenants/globex/calls", "/tenants/globex/calls/GX0000001", "/tenants/globex/overview",
                 "/tenants/globex/accounts", "/tenants/globex/etl"):
        refused = api(dashboard, path, "alice")
        assert refused.status_code == 404, path
        assert "GX0" not in refused.text
    assert api(dashboard, "/tenants/acme/calls/AC0000001", "bob").status_code == 404
    assert api(dashboard, "/tenants", "ops").json()["tenants"] == ["acme", "globex"]
    cookie_page = httpx.get(f"http://127.0.0.1:{dashboard.api_port}/leadline/ui/calls?tenant=globex",
                            cookies={"_token": dashboard.token("alice")}, timeout=30)
    assert cookie_page.status_code == 404


def test_openapi_documents_the_dashboard_api(dashboard):
    spec = httpx.get(f"http://127.0.0.1:{dashboard.api_port}/leadline/openapi.json", timeout=30).json()
    assert {"/api/v1/tenants/{tenant_id}/calls", "/api/v1/tenants/{tenant_id}/calls/{call_id}/reprocess",
            "/api/v1/tenants/{tenant_id}/overview", "/api/v1/tenants/{tenant_id}/accounts"} <= set(spec["paths"])


def wait_for_dag(dashboard, dag_id: str, timeout_s: float = 120) -> None:
    headers = {"authorization": f"Bearer {dashboard.token('ops')}"}
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"http://127.0.0.1:{dashboard.api_port}/api/v2/dags/{dag_id}", headers=headers,
                    timeout=30).status_code != 200:
        assert time.monotonic() < deadline, f"{dag_id} was never parsed"
        time.sleep(2)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_browser_login_overview_filter_call_and_reprocess(dashboard):
    from playwright.sync_api import expect, sync_playwright

    # how long a page may take to show what is expected (Playwright's default is 5 s): a bound, not a measure,
    # so a loaded machine is not a failure
    expect.set_options(timeout=30_000)

    base = f"http://127.0.0.1:{dashboard.api_port}"
    wait_for_dag(dashboard, "reprocess_calls")
    wait_for_dag(dashboard, "call_processing")
    created = httpx.post(f"{base}/api/v2/dags/call_processing/dagRuns", timeout=30,
                         headers={"authorization": f"Bearer {dashboard.token('ops')}"},
                         json={"dag_run_id": "call__acme__AC0000355", "logical_date": None,
                               "conf": {"tenant_id": "acme", "call_id": "AC0000355"}})
    assert created.status_code == 200, created.text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(f"{base}/leadline/ui/")
            expect(page).to_have_url(re.compile(r"/auth/login"))  # Airflow's own login, not ours
            page.locator("input[name=username]").fill("alice")
            page.locator("input[name=password]").fill(USERS["alice"][1])
            shot(page, "01-login")
            page.get_by_role("button", name="Sign in").click()

            expect(page).to_have_url(f"{base}/leadline/ui/")
            expect(page.get_by_role("heading", name="acme")).to_be_visible()
            expect(page.get_by_role("heading", name="globex")).to_have_count(0)
            expect(page.locator("[data-indicator=error_rate] .level")).to_have_text(re.compile("green|yellow|red"))
            shot(page, "02-overview")

            page.get_by_role("link", name="Calls", exact=True).click()
            page.get_by_label("Status").select_option("failed")
            page.get_by_label("Min score").fill("")
            page.get_by_role("button", name="Filter").click()
            expect(page.get_by_test_id("total")).to_have_text("20 calls")
            statuses = page.locator("tbody tr td:nth-child(5)").all_inner_texts()
            assert statuses and set(statuses) == {"failed"}
            shot(page, "03-calls-failed")

            page.get_by_label("Status").select_option("completed")
            page.get_by_label("Min score").fill("95")
            page.get_by_role("button", name="Filter").click()
            scores = [int(s) for s in page.locator("tbody tr td:nth-child(6)").all_inner_texts()]
            assert scores and min(scores) >= 95

            page.goto(f"{base}/leadline/ui/calls/acme/AC0000355")
            expect(page.get_by_test_id("request-status")).to_have_text("completed")
            expect(page.get_by_role("link", name="9001")).to_have_attribute(
                "href", "https://app.hubspot.com/contacts/4242/record/0-1/9001")
            expect(page.get_by_test_id("dag-run-link")).to_have_attribute(
                "href", "/dags/call_processing/runs/call__acme__AC0000355")
            tasks = page.locator("tr[data-task]").evaluate_all("rows => rows.map(r => r.dataset.task)")
            assert {"fetch_recording", "transcribe", "analyze", "score", "sync_primary_crm",
                    "sync_secondary_crm", "notify"} == set(tasks)
            shot(page, "04-call")

            page.get_by_role("button", name="Reprocess this call").click()
            run_link = page.get_by_test_id("reprocess-run")
            expect(run_link).to_be_visible(timeout=30_000)
            run_url = run_link.get_attribute("href")
            shot(page, "05-reprocess-started")
            run_id = run_url.rsplit("/", 1)[1]
            run = httpx.get(f"{base}/api/v2/dags/reprocess_calls/dagRuns/{run_id}", timeout=30,
                            headers={"authorization": f"Bearer {dashboard.token('alice')}"}).json()
            assert run["conf"] == {"tenant_id": "acme", "call_ids": ["AC0000355"]}

            run_link.click()
            expect(page).to_have_url(f"{base}{run_url}")
            expect(page.get_by_text(run_id).first).to_be_visible(timeout=30_000)
            shot(page, "06-airflow-dag-run")
        finally:
            browser.close()
