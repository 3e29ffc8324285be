-- Sales-intelligence runbook (004), System Health Checks > Weekly Health Check: "Check entity resolution match
-- rates", for one tenant. DATE(ingested_at) >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY) is ingested_at >= since
-- (a parameter: midnight UTC seven days ago, computed by the caller); NULL rather than a division by zero when
-- nothing came in.
SELECT
  COUNT(CASE WHEN sf_contact_id IS NOT NULL THEN 1 END) * 100.0 / NULLIF(COUNT(*), 0) AS email_match_rate
FROM gmail_participants
WHERE tenant_id = :tenant_id
  AND ingested_at >= :since
