-- Troubleshooting runbook (003), Data Quality Issues > Poor Lead Scoring Accuracy, step 1 "Review Sample
-- Transcripts". The analysis fields the runbook reads out of ai_analysis are columns here (no JSON paths:
-- lead_score, transcript, transcript_confidence). "Today" starts at the since parameter, computed by the caller.
-- Unscored calls sort last, as in BigQuery (PostgreSQL would put them first, and Spanner has no NULLS LAST);
-- call_id breaks ties so every backend returns the same ten rows.
SELECT
  call_id,
  lead_score,
  transcript,
  transcript_confidence AS confidence
FROM call_records
WHERE tenant_id = :tenant_id
  AND created_at >= :since
ORDER BY lead_score IS NULL, lead_score DESC, call_id
LIMIT 10
