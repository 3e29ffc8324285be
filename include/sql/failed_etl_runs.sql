-- Sales-intelligence runbook (004), Troubleshooting > Issue 1: ETL Job Failed, "Diagnosis", for one tenant.
SELECT
  source_system,
  status,
  error_message,
  started_at
FROM etl_runs
WHERE tenant_id = :tenant_id
  AND status = 'failed'
ORDER BY started_at DESC
LIMIT 10
