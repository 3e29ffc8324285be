-- Sales-intelligence runbook (004), Monitoring > BigQuery Monitoring: "Check ETL Status", for one tenant, on
-- Spanner (see ../etl_status_7d.sql): TIMESTAMP_DIFF as the runbook writes it.
SELECT
  source_system,
  status,
  COUNT(*) AS run_count,
  AVG(TIMESTAMP_DIFF(completed_at, started_at, SECOND)) AS avg_duration_seconds
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND started_at >= :since
GROUP BY source_system, status
ORDER BY source_system, status
