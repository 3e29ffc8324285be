-- Sales-intelligence runbook (004), Monitoring > BigQuery Monitoring: "Check Data Freshness", for one tenant.
-- CURRENT_TIMESTAMP() is the now parameter, from the caller (a run's reference time, so a rerun answers alike).
-- The whole hours of TIMESTAMP_DIFF(..., HOUR) are the floor of the epoch seconds' difference over 3600
-- (date_part is PostgreSQL's; the store registers it on SQLite). Spanner runs spanner/data_freshness.sql, with
-- TIMESTAMP_DIFF as written.
SELECT
  'gmail_messages' AS table_name,
  MAX(sent_at) AS latest_record,
  FLOOR((date_part('epoch', :now) - date_part('epoch', MAX(sent_at))) / 3600) AS hours_old
FROM gmail_messages
WHERE tenant_id = :tenant_id
UNION ALL
SELECT
  'dialpad_calls' AS table_name,
  MAX(call_time) AS latest_record,
  FLOOR((date_part('epoch', :now) - date_part('epoch', MAX(call_time))) / 3600) AS hours_old
FROM dialpad_calls
WHERE tenant_id = :tenant_id
