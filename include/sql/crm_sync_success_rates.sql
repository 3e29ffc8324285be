-- Operations runbook (000), Monitoring and Alerting > Key Metrics to Monitor > Business Metrics: "CRM integration
-- success rates", for one tenant. Each sync attempt's outcome is a crm_sync_log row (crm_integrations holds the
-- tenant's CRM settings), and a successful sync's status there is 'synced'. The window's start (a day ago) is
-- computed by the caller; ordered by CRM so every backend lists the rows alike.
SELECT
  crm_type,
  COUNT(*) AS total_syncs,
  COUNT(CASE WHEN status = 'synced' THEN 1 END) * 1.0 / COUNT(*) AS success_rate
FROM crm_sync_log
WHERE tenant_id = :tenant_id
  AND created_at >= :since
GROUP BY crm_type
ORDER BY crm_type
