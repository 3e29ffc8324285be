-- Troubleshooting runbook (003), Data Recovery Procedures > Database Corruption Recovery, step 1 "Assess Damage":
-- "Check data integrity", as written (the tenant registry, so across tenants).
SELECT COUNT(*) FROM tenants WHERE tenant_id IS NULL
