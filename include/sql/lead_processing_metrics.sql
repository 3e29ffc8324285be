-- Operations runbook (000), Monitoring and Alerting > Key Metrics to Monitor > Business Metrics: "Lead processing
-- metrics", for one tenant. Portable forms: COUNTIF as COUNT(CASE ...), a real (not integer) ratio, NULL instead
-- of a division by zero when the window is empty, the window's start (an hour ago) computed by the caller.
SELECT
  COUNT(*) AS total_requests,
  AVG(processing_time_ms) AS avg_processing_time,
  COUNT(CASE WHEN status = 'completed' THEN 1 END) * 1.0 / NULLIF(COUNT(*), 0) AS success_rate
FROM processing_requests
WHERE tenant_id = :tenant_id
  AND created_at >= :since
