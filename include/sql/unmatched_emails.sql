-- Sales-intelligence runbook (004), Appendix > Useful Queries: "Unmatched Emails", for one tenant. One view row is
-- one message (or call) whose address entity resolution tied to no CRM contact; the address breaks ties so every
-- backend returns the same fifty rows.
SELECT
  email_address,
  COUNT(*) AS message_count,
  MAX(sent_at) AS latest_message
FROM v_unmatched_emails
WHERE tenant_id = :tenant_id
GROUP BY email_address
ORDER BY message_count DESC, email_address
LIMIT 50
