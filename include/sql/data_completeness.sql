-- Data completeness per tenant (troubleshooting runbook, "Analyze Data Completeness"), extended with the
-- pipeline's own outputs. Portable: named parameters, cut-off computed by the caller.
SELECT
  COUNT(*) AS total_records,
  COUNT(customer_name) AS has_name,
  COUNT(customer_phone) AS has_phone,
  COUNT(customer_email) AS has_email,
  COUNT(transcript) AS has_transcript,
  COUNT(ai_analysis) AS has_analysis,
  COUNT(lead_score) AS has_score,
  COUNT(hubspot_contact_id) AS has_hubspot_id,
  COUNT(salesforce_lead_id) AS has_salesforce_id
FROM call_records
WHERE tenant_id = :tenant_id
  AND created_at >= :since
  AND purged_at IS NULL
