-- Operations runbook (000), Disaster Recovery > Scenario 1: Database Corruption, step 1 "Identify corruption
-- extent", as written (the tenant registry, so across tenants).
SELECT COUNT(*) FROM tenants WHERE status IS NULL
