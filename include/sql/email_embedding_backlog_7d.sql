-- Sales-intelligence runbook (004), Troubleshooting > Issue 3: Embeddings Not Generated, "Diagnosis", for one
-- tenant. DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY) is the since parameter (midnight UTC seven days ago,
-- computed by the caller).
SELECT
  COUNT(*) AS total,
  COUNT(CASE WHEN embedding IS NULL THEN 1 END) AS without_embeddings
FROM gmail_messages
WHERE tenant_id = :tenant_id
  AND sent_at >= :since
