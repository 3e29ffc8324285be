-- Troubleshooting runbook (003), Data Recovery Procedures > Database Corruption Recovery, step 3 "Verify restored
-- data": its second statement, as written (the first, the tenant count, is backup_counts.sql's first row).
SELECT MAX(created_at) FROM processing_requests
