-- Sales-intelligence runbook (004), Appendix > Useful Queries: "ETL Performance", for one tenant.
-- DATE(started_at) >= DATE_SUB(CURRENT_DATE(), INTERVAL 30 DAY) is started_at >= since (a parameter: midnight UTC
-- thirty days ago, computed by the caller); DATE() of a stored UTC timestamp is its UTC day (the store's
-- PostgreSQL sessions run in UTC). TIMESTAMP_DIFF(..., SECOND) is the difference of date_part('epoch', ...)
-- (PostgreSQL's; the store registers it on SQLite). Spanner runs spanner/etl_performance.sql.
SELECT
  source_system,
  DATE(started_at) AS run_date,
  AVG(date_part('epoch', completed_at) - date_part('epoch', started_at)) AS avg_seconds,
  MAX(date_part('epoch', completed_at) - date_part('epoch', started_at)) AS max_seconds,
  AVG(rows_processed) AS avg_rows
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND status = 'success'
  AND started_at >= :since
GROUP BY source_system, run_date
ORDER BY run_date DESC, source_system
