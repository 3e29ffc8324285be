-- Sales-intelligence runbook (004), System Health Checks > Daily Health Check: "Check latest ETL runs", for one
-- tenant. DATE(started_at) = CURRENT_DATE() is the UTC day [day_start, day_end), parameters the caller
-- computes.
SELECT
  source_system,
  status,
  started_at,
  rows_processed
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND started_at >= :day_start AND started_at < :day_end
ORDER BY started_at DESC
