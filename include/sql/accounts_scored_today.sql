-- Sales-intelligence runbook (004), System Health Checks > Daily Health Check: "Check account scoring", for one
-- tenant. score_date is stored as the 'YYYY-MM-DD' text of the scored day; CURRENT_DATE() is the score_date parameter.
SELECT
  COUNT(*) AS accounts_scored,
  MAX(score_date) AS latest_score_date
FROM account_recommendations
WHERE tenant_id = :tenant_id
  AND score_date = :score_date
