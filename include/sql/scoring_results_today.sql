-- Sales-intelligence runbook (004), Common Operations > 3. Re-run Account Scoring: "Check Scoring Results", for one
-- tenant. CURRENT_DATE() is the score_date parameter ('YYYY-MM-DD'); account_id breaks ties so every backend
-- returns the same ten rows.
SELECT
  account_id,
  priority_score,
  budget_likelihood,
  engagement_score,
  recommended_action
FROM account_recommendations
WHERE tenant_id = :tenant_id
  AND score_date = :score_date
ORDER BY priority_score DESC, account_id
LIMIT 10
