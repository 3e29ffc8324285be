-- Backup verification (operations runbook: "SELECT COUNT(*) FROM tenants" on the restored copy), per table.
SELECT 'tenants' AS table_name, COUNT(*) AS row_count FROM tenants
UNION ALL SELECT 'call_records', COUNT(*) FROM call_records
UNION ALL SELECT 'processing_requests', COUNT(*) FROM processing_requests
UNION ALL SELECT 'crm_integrations', COUNT(*) FROM crm_integrations
UNION ALL SELECT 'crm_sync_log', COUNT(*) FROM crm_sync_log
