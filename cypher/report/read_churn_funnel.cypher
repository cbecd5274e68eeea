// The churn funnel of a branch (or the bank): all customers, active, scored at risk
// (churn_risk at or above a threshold), high value at risk, and churned.
// Parameters: branch_id (string or null), risk_threshold (float).
// Columns: customers, active, at_risk, high_value_at_risk, churned.
MATCH (c:Customer)
WHERE $branch_id IS NULL OR c.branch_id = $branch_id
RETURN count(c) AS customers,
       count(CASE WHEN coalesce(c.status, 'active') <> 'churned' THEN 1 END) AS active,
       count(CASE WHEN c.churn_risk >= $risk_threshold THEN 1 END) AS at_risk,
       count(CASE WHEN c.high_value_at_risk THEN 1 END) AS high_value_at_risk,
       count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned
