"""CallRailHook (`callrail_default` or the tenant's `callrail_conn_id`): CallRail API v3.

Connection: password = API key; extra `host` (default https://api.callrail.com)."""

from __future__ import annotations

from leadline.hooks.rest import RestApiHook


class CallRailHook(RestApiHook):
    conn_name_attr = "conn_id"
    default_conn_name = "callrail_default"
    conn_type = "callrail"
    hook_name = "CallRail"
    default_host = "https://api.callrail.com"
    service = "callrail"
    probe_path = "/v3/a.json"  # the accounts the key can read
    probe_params = {"per_page": 1}

    def authorization(self, secret: str) -> str:
        return f'Token token="{secret}"'

    def recording_url(self, account_id: str, call_id: str) -> str:
        return self.get_json(f"/v3/a/{account_id}/calls/{call_id}/recording.json")["url"]

    def list_calls(self, account_id: str, start_date: str, end_date: str, per_page: int = 250) -> list[dict]:
        """Every call with start_time in [start_date, end_date), following the pages."""
        calls, page = [], 1
        while True:
            body = self.get_json(f"/v3/a/{account_id}/calls.json", {"start_date": start_date, "end_date": end_date,
                                                                    "page": page, "per_page": per_page})
            calls.extend(body["calls"])
            if page >= body["total_pages"]:
                return calls
            page += 1
