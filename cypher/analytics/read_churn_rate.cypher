// The bank's churn rate: share of customers whose status is churned.
// Parameters: none. Columns: customers, churned, churn_rate.
MATCH (c:Customer)
WITH count(c) AS customers, count(CASE WHEN c.status = 'churned' THEN 1 END) AS churned
RETURN customers, churned,
       CASE WHEN customers = 0 THEN 0.0 ELSE toFloat(churned) / customers END AS churn_rate
