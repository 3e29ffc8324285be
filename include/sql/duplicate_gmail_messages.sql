-- Sales-intelligence runbook (004), Emergency Procedures > Data Corruption, step 1 "Identify Issue": "Check for
-- duplicate records", for one tenant. HAVING repeats COUNT(*): PostgreSQL does not take a select alias there.
SELECT message_id, COUNT(*) AS count
FROM gmail_messages
WHERE tenant_id = :tenant_id
GROUP BY message_id
HAVING COUNT(*) > 1
