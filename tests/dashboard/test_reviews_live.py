"""The contact review queue in the running Airflow API server, in a real headless Chromium: alice hears where an
unsure email was said, corrects it, the call and its audit trail change and one CRM re-sync run is triggered;
another tenant's user sees none of it. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import io
import re
import wave

import httpx
import numpy as np
import pytest

from leadline.store.calls import get_call
from leadline.store.engine import create_store_engine
from leadline.store.reviews import review_history
from tests.dashboard.conftest import USERS
from tests.dashboard.test_dashboard_live import CHROMIUM, CHROMIUM_ARGS, shot, wait_for_dag
from tests.helpers_reviews import HEARD_EMAIL, call_waiting_for_review

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def waiting_calls(dashboard):
    recording = dashboard.home / "review-recording.wav"
    with wave.open(str(recording), "wb") as out:  # 20 s stereo: a tone on the caller's channel from 6 to 8.5 s
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16000)
        samples = np.zeros((20 * 16000, 2), dtype=np.int16)
        t = np.arange(int(2.5 * 16000)) / 16000
        samples[6 * 16000: int(8.5 * 16000), 1] = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
        out.writeframes(samples.tobytes())
    engine = create_store_engine(dashboard.store_url)
    call_waiting_for_review(engine, "acme", "REV-ACME-1", recording.as_uri())
    call_waiting_for_review(engine, "globex", "REV-GLOBEX-1", recording.as_uri())
    yield engine
    engine.dispose()


def _api(dashboard, method: str, path: str, user: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"http://127.0.0.1:{dashboard.api_port}/leadline/api/v1{path}", timeout=30,
                         headers={"authorization": f"Bearer {dashboard.token(user)}", **kwargs.pop("headers", {})},
                         **kwargs)


def test_review_api_is_tenant_scoped(dashboard, waiting_calls):
    assert [i["call_id"] for i in _api(dashboard, "GET", "/tenants/acme/reviews", "alice").json()] == ["REV-ACME-1"]
    assert _api(dashboard, "GET", "/tenants/acme/reviews", "bob").status_code == 404
    assert _api(dashboard, "GET", "/tenants/acme/calls/REV-ACME-1/audio?start=6&end=8.5", "bob").status_code == 404
    refused = _api(dashboard, "POST", "/tenants/acme/calls/REV-ACME-1/reviews", "bob",
                   json={"field": "customer_email", "decision": "confirmed"})
    assert refused.status_code == 404 and get_call(waiting_calls, "acme", "REV-ACME-1").review_status == "open"
    too_long = _api(dashboard, "GET", "/tenants/acme/calls/REV-ACME-1/audio?start=0&end=120", "alice")
    assert too_long.status_code == 422
    bad = _api(dashboard, "POST", "/tenants/globex/calls/REV-GLOBEX-1/reviews", "bob",
               json={"field": "customer_email", "decision": "corrected", "value": "not an address"})
    assert bad.status_code == 422 and "not an email address" in bad.json()["detail"]


def test_browser_review_hear_correct_and_resync(dashboard, waiting_calls):
    from playwright.sync_api import expect, sync_playwright

    # how long a page may take to show what is expected (Playwright's default is 5 s): a bound, not a measure,
    # so a loaded machine is not a failure
    expect.set_options(timeout=30_000)

    base = f"http://127.0.0.1:{dashboard.api_port}"
    wait_for_dag(dashboard, "contact_review_sync")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto(f"{base}/leadline/ui/reviews")
            page.locator("input[name=username]").fill("alice")
            page.locator("input[name=password]").fill(USERS["alice"][1])
            page.get_by_role("button", name="Sign in").click()
            # signed in once the login page has gone: a navigation before that would land on the login page again
            expect(page.get_by_role("heading", name="Sign into Airflow")).to_have_count(0)
            page.goto(f"{base}/leadline/ui/reviews?tenant=acme")
            row = page.locator('tr[data-review="REV-ACME-1:customer_email"]')
            expect(row.get_by_test_id("heard")).to_have_text(HEARD_EMAIL)
            expect(page.locator("tr[data-review^=REV-GLOBEX]")).to_have_count(0)
            audio_url = row.locator("audio").get_attribute("src")
            clip = page.request.get(base + audio_url if audio_url.startswith("/") else audio_url)
            assert clip.status == 200 and clip.headers["content-type"] == "audio/wav"
            with wave.open(io.BytesIO(clip.body())) as excerpt:  # only the stretch, padded: 2.5 s + 2 x 0.75 s
                assert excerpt.getnframes() == 4 * 16000 and excerpt.getnchannels() == 2
            shot(page, "10-review-queue")

            row.get_by_label("Value").fill("priya.r@gmail.com")
            row.get_by_role("button", name="Save correction").click()
            expect(row.get_by_test_id("decided")).to_have_text(re.compile(r"corrected; CRM re-sync review__acme__"))
            shot(page, "11-review-corrected")
        finally:
            browser.close()
    call = get_call(waiting_calls, "acme", "REV-ACME-1")
    assert (call.customer_email, call.review_status) == ("priya.r@gmail.com", "done")
    [audit] = review_history(waiting_calls, "acme")
    assert (audit["reviewer"], audit["heard_value"], audit["final_value"]) == ("alice", HEARD_EMAIL,
                                                                                "priya.r@gmail.com")
    runs = httpx.get(f"{base}/api/v2/dags/contact_review_sync/dagRuns", timeout=30,
                     headers={"authorization": f"Bearer {dashboard.token('ops')}"}).json()["dag_runs"]
    assert [r["conf"] for r in runs] == [{"tenant_id": "acme", "call_id": "REV-ACME-1"}]  # one re-sync, no more
    assert get_call(waiting_calls, "globex", "REV-GLOBEX-1").review_status == "open"


def test_a_forged_host_header_never_receives_the_viewers_token(dashboard, waiting_calls):
    """The dashboard calls Airflow's API at its configured address: a Host header pointing elsewhere changes
    nothing (the call page still lists its task instances from this server)."""
    import socket
    import threading

    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen()
    caught: list[bytes] = []

    def listen():
        trap.settimeout(20)
        try:
            conn, _ = trap.accept()
            caught.append(conn.recv(4096))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    page = httpx.get(f"http://127.0.0.1:{dashboard.api_port}/leadline/ui/calls/acme/REV-ACME-1", timeout=30,
                     headers={"authorization": f"Bearer {dashboard.token('alice')}",
                              "host": f"127.0.0.1:{trap.getsockname()[1]}"})
    trap.close()
    thread.join(timeout=5)
    assert page.status_code == 200 and caught == []
