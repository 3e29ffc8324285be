-- Sales-intelligence runbook (004), Appendix > Useful Queries: "Top Accounts by Score", for one tenant (the join
-- is tenant-first too). CURRENT_DATE() is the score_date parameter ('YYYY-MM-DD'); account_id breaks ties so
-- every backend returns the same twenty rows.
SELECT
  a.account_name,
  r.priority_score,
  r.budget_likelihood,
  r.engagement_score,
  r.recommended_action
FROM account_recommendations r
JOIN sf_accounts a ON r.tenant_id = a.tenant_id AND r.account_id = a.account_id
WHERE r.tenant_id = :tenant_id
  AND r.score_date = :score_date
ORDER BY r.priority_score DESC, r.account_id
LIMIT 20
