// Record where churned customers went and mark them churned.
// Parameters: rows [{customer_id, competitor_id, churned_on, reason, amount}]. Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.status = 'churned', c.churned_on = row.churned_on, c.churn_reason = row.reason
WITH c, row
WHERE row.competitor_id IS NOT NULL
MERGE (k:Competitor {competitor_id: row.competitor_id})
MERGE (c)-[t:CHURNED_TO]->(k)
SET t.on = row.churned_on, t.amount = row.amount
