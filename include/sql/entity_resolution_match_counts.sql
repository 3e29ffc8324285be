-- Sales-intelligence runbook (004), Troubleshooting > Issue 4: Entity Resolution Low Match Rate, "Diagnosis", for
-- one tenant. The since parameter is midnight UTC seven days ago, computed by the caller; NULL rather than a
-- division by zero.
SELECT
  COUNT(*) AS total_participants,
  COUNT(CASE WHEN sf_contact_id IS NOT NULL THEN 1 END) AS matched,
  COUNT(CASE WHEN sf_contact_id IS NULL THEN 1 END) AS unmatched,
  COUNT(CASE WHEN sf_contact_id IS NOT NULL THEN 1 END) * 100.0 / NULLIF(COUNT(*), 0) AS match_rate
FROM gmail_participants
WHERE tenant_id = :tenant_id
  AND ingested_at >= :since
