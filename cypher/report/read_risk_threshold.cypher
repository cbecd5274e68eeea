// The churn risk at the top decile of scored customers (the bank's, not a branch's),
// the "at risk" line of the churn funnel. Parameters: none. Columns: threshold.
MATCH (c:Customer)
WHERE c.churn_risk IS NOT NULL
RETURN percentileCont(c.churn_risk, 0.9) AS threshold
