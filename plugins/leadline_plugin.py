"""Airflow loads plugins from top-level modules of plugins/; the plugin itself lives in the package."""

from leadline.plugin import LeadlinePlugin

__all__ = ["LeadlinePlugin"]
