"""One hook per external system, each resolving an Airflow connection."""
