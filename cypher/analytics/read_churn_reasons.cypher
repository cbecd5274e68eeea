// Churned customers per reason, with the money they moved out.
// Parameters: none. Columns: reason, customers, amount_moved.
MATCH (c:Customer {status: 'churned'})
OPTIONAL MATCH (c)-[t:CHURNED_TO]->(:Competitor)
RETURN coalesce(c.churn_reason, 'unknown') AS reason, count(DISTINCT c) AS customers,
       sum(coalesce(t.amount, 0.0)) AS amount_moved
ORDER BY customers DESC, reason
