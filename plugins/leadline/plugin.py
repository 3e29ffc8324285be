"""Mounts the Leadline intake (and, later, the dashboard) inside the Airflow API server."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from leadline.intake.app import create_app


class LeadlinePlugin(AirflowPlugin):
    name = "leadline"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/leadline", "name": "Leadline intake"}]
