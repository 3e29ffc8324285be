"""CallRailHook (`callrail_default` or the tenant's `callrail_conn_id`): CallRail API v3.

Connection: password = API key; extra `host` (default https://api.callrail.com)."""

from __future__ import annotations

from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.retry import RetryPolicy, Verdict, retry_after_seconds


def classify(exc: BaseException) -> Verdict:
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        if status == 429:
            return Verdict(True, retry_after_seconds(exc.response.headers), "HTTP 429 rate limited")
        return Verdict(status >= 500, 0.0, f"HTTP {status}")
    if isinstance(exc, httpx.TransportError):
        return Verdict(True, 0.0, f"transport error {type(exc).__name__}")
    return Verdict(False, 0.0, f"unexpected response ({type(exc).__name__})")


class CallRailHook(BaseHook):
    conn_name_attr = "callrail_conn_id"
    default_conn_name = "callrail_default"
    conn_type = "callrail"
    hook_name = "CallRail"

    def __init__(self, callrail_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.callrail_conn_id = callrail_conn_id

    def get_conn(self):
        import httpx

        conn = self.get_connection(self.callrail_conn_id)
        extra = conn.extra_dejson
        self.policy = RetryPolicy(max_attempts=int(extra.get("max_attempts", 6)),
                                  base_s=float(extra.get("retry_base_s", 0.5)))
        return httpx.Client(base_url=extra.get("host", "https://api.callrail.com"), timeout=30,
                            headers={"Authorization": f'Token token="{conn.password}"'})

    def _get(self, path: str, params: dict | None = None) -> dict:
        with self.get_conn() as client:
            def call() -> dict:
                response = client.get(path, params=params)
                response.raise_for_status()
                return response.json()

            return self.policy.call(call, classify, "callrail")[0]

    def recording_url(self, account_id: str, call_id: str) -> str:
        return self._get(f"/v3/a/{account_id}/calls/{call_id}/recording.json")["url"]

    def list_calls(self, account_id: str, start_date: str, end_date: str, per_page: int = 250) -> list[dict]:
        """Every call with start_time in [start_date, end_date), following the pages."""
        calls, page = [], 1
        while True:
            body = self._get(f"/v3/a/{account_id}/calls.json", {"start_date": start_date, "end_date": end_date,
                                                                "page": page, "per_page": per_page})
            calls.extend(body["calls"])
            if page >= body["total_pages"]:
                return calls
            page += 1
