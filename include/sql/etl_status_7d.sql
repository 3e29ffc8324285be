-- Sales-intelligence runbook (004), Monitoring > BigQuery Monitoring: "Check ETL Status", for one tenant.
-- DATE(started_at) >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY) is started_at >= since (a parameter: midnight
-- UTC seven days ago, computed by the caller). TIMESTAMP_DIFF(..., SECOND) is GoogleSQL: here the difference of the two
-- timestamps' date_part('epoch', ...) (PostgreSQL's; the store registers the same function on SQLite). Spanner
-- runs spanner/etl_status_7d.sql, with TIMESTAMP_DIFF as the runbook writes it.
SELECT
  source_system,
  status,
  COUNT(*) AS run_count,
  AVG(date_part('epoch', completed_at) - date_part('epoch', started_at)) AS avg_duration_seconds
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND started_at >= :since
GROUP BY source_system, status
ORDER BY source_system, status
