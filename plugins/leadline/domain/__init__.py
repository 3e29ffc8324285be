"""Pure logic: no Airflow, no I/O."""
