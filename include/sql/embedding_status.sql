-- Sales-intelligence runbook (004), Common Operations > 2. Regenerate Embeddings: "Check Embedding Status", for one
-- tenant. COUNTIF is COUNT(CASE ...) outside GoogleSQL.
SELECT
  COUNT(*) AS total_emails,
  COUNT(CASE WHEN embedding IS NOT NULL THEN 1 END) AS emails_with_embeddings,
  COUNT(CASE WHEN embedding IS NULL THEN 1 END) AS emails_without_embeddings
FROM gmail_messages
WHERE tenant_id = :tenant_id
