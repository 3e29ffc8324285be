-- Troubleshooting runbook (003), Data Recovery Procedures > Database Corruption Recovery, step 1 "Assess Damage":
-- "Identify corruption timeframe", as written: it looks for rows that lost their tenant, so across tenants.
SELECT MIN(created_at), MAX(created_at) FROM processing_requests
WHERE status = 'corrupted' OR tenant_id IS NULL
