-- Sales-intelligence runbook (004), Monitoring > BigQuery Monitoring: "Check Data Freshness", for one tenant, on
-- Spanner (see ../data_freshness.sql): TIMESTAMP_DIFF as the runbook writes it, CURRENT_TIMESTAMP() as the now
-- parameter.
SELECT
  'gmail_messages' AS table_name,
  MAX(sent_at) AS latest_record,
  TIMESTAMP_DIFF(:now, MAX(sent_at), HOUR) AS hours_old
FROM gmail_messages
WHERE tenant_id = :tenant_id
UNION ALL
SELECT
  'dialpad_calls' AS table_name,
  MAX(call_time) AS latest_record,
  TIMESTAMP_DIFF(:now, MAX(call_time), HOUR) AS hours_old
FROM dialpad_calls
WHERE tenant_id = :tenant_id
