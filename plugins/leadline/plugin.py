"""Serves Leadline inside the Airflow API server under /leadline: the ops dashboard (pages and JSON API,
behind Airflow's login, linked from the Airflow UI's navigation) and the webhook intake."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from leadline.dashboard.app import create_dashboard_app
from leadline.intake.app import create_app


class LeadlinePlugin(AirflowPlugin):
    name = "leadline"
    fastapi_apps = [{"app": create_dashboard_app(intake=create_app()), "url_prefix": "/leadline",
                     "name": "Leadline dashboard and intake"}]
    external_views = [{"name": "Leadline", "href": "/leadline/ui/", "destination": "nav", "url_route": "leadline",
                       "category": "browse"}]
