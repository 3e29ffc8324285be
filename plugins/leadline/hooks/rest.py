"""Shared shape of the small JSON REST APIs Leadline talks to (CallRail, Gmail, Dialpad, Pipedrive): a connection
with the key or token as password and an optional `host` extra, requests with the CRM retry policy."""

from __future__ import annotations

import weakref
from functools import cached_property
from typing import Any

from airflow.sdk.bases.hook import BaseHook

from leadline.hooks.connections import ConnectionForm
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


class RestApiHook(ConnectionForm, BaseHook):
    """The connection is read once per hook and one httpx.Client (connection pool, auth header) serves every
    request of the hook; `close()` (or leaving `with hook:`) closes it, and it is closed when the hook is
    collected. `test_connection()` sends one real GET (`probe_path`)."""

    conn_name_attr = "conn_id"
    default_host = ""
    service = ""
    probe_path = ""
    probe_params: dict[str, Any] = {}

    def __init__(self, conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id or self.default_conn_name

    def authorization(self, secret: str) -> str:
        return f"Bearer {secret}"

    @cached_property
    def connection(self):
        return self.get_connection(self.conn_id)

    @cached_property
    def policy(self) -> RetryPolicy:
        extra = self.connection.extra_dejson
        return RetryPolicy(max_attempts=int(extra.get("max_attempts", 6)),
                           base_s=float(extra.get("retry_base_s", 0.5)))

    @cached_property
    def client(self):
        import httpx

        conn = self.connection
        client = httpx.Client(base_url=conn.extra_dejson.get("host", self.default_host), timeout=30,
                              headers={"Authorization": self.authorization(conn.password)})
        weakref.finalize(self, client.close)
        return client

    def get_conn(self):
        """The hook's httpx.Client (shared by its requests; closed by `close()`)."""
        return self.client

    def close(self) -> None:
        client = self.__dict__.pop("client", None)
        if client is not None:
            client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def request_json(self, method: str, path: str, *, params: dict | None = None, json: dict | None = None
                     ) -> tuple[dict, int]:
        """One request with the retry policy: (the JSON answer, HTTP attempts); raises CrmError."""
        client = self.client

        def call() -> dict:
            response = client.request(method, path, params=params, json=json)
            response.raise_for_status()
            return response.json()

        return self.policy.call(call, classify, self.service)

    def get_json(self, path: str, params: dict | None = None) -> dict:
        return self.request_json("GET", path, params=params)[0]

    def test_connection(self) -> tuple[bool, str]:
        """One GET of `probe_path` (no retries): key, host and permission."""
        try:
            self.client.get(self.probe_path, params=self.probe_params).raise_for_status()
        except Exception as exc:
            return False, f"{self.hook_name}: {classify(exc).reason or type(exc).__name__}"
        return True, f"{self.hook_name} reachable"


class GmailHook(RestApiHook):
    """Gmail API v1 (users.messages list/get) for one mailbox at a time."""

    conn_name_attr = "conn_id"
    default_conn_name = "gmail_default"
    conn_type = "gmail"
    hook_name = "Gmail"
    default_host = "https://gmail.googleapis.com"
    service = "gmail"
    probe_path = "/gmail/v1/users/me/messages"
    probe_params = {"maxResults": 1}

    def messages(self, mailbox: str, after_s: int | None = None, before_s: int | None = None) -> list[dict]:
        """Full messages sent in [after_s, before_s) (Unix seconds); a bound left out does not limit."""
        query = " ".join(f"{name}:{bound}" for name, bound in (("after", after_s), ("before", before_s))
                         if bound is not None)
        ids, token = [], None
        while True:
            params = {"q": query, "maxResults": 100}
            if token:
                params["pageToken"] = token
            page = self.get_json(f"/gmail/v1/users/{mailbox}/messages", params)
            ids += [m["id"] for m in page.get("messages", [])]
            token = page.get("nextPageToken")
            if not token:
                break
        return [self.get_json(f"/gmail/v1/users/{mailbox}/messages/{mid}", {"format": "full"}) for mid in ids]


class DialpadHook(RestApiHook):
    conn_name_attr = "conn_id"
    default_conn_name = "dialpad_default"
    conn_type = "dialpad"
    hook_name = "Dialpad"
    default_host = "https://dialpad.com"
    service = "dialpad"
    probe_path = "/api/v2/call"
    probe_params = {"limit": 1}

    def calls(self, started_after_ms: int, started_before_ms: int) -> list[dict]:
        items, cursor = [], None
        while True:
            params = {"started_after": started_after_ms, "started_before": started_before_ms, "limit": 50}
            if cursor:
                params["cursor"] = cursor
            page = self.get_json("/api/v2/call", params)
            items += page.get("items", [])
            cursor = page.get("cursor")
            if not cursor:
                return items
