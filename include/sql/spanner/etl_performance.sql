-- Sales-intelligence runbook (004), Appendix > Useful Queries: "ETL Performance", for one tenant, on Spanner (see
-- ../etl_performance.sql): TIMESTAMP_DIFF as the runbook writes it; DATE() names UTC, as Spanner's DATE(timestamp)
-- otherwise takes the day in America/Los_Angeles.
SELECT
  source_system,
  DATE(started_at, 'UTC') AS run_date,
  AVG(TIMESTAMP_DIFF(completed_at, started_at, SECOND)) AS avg_seconds,
  MAX(TIMESTAMP_DIFF(completed_at, started_at, SECOND)) AS max_seconds,
  AVG(rows_processed) AS avg_rows
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND status = 'success'
  AND started_at >= :since
GROUP BY source_system, run_date
ORDER BY run_date DESC, source_system
