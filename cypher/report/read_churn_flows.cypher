// Where a branch's (or the bank's) churned customers went, most money first.
// Parameters: branch_id (string or null). Columns: competitor, customers, amount.
MATCH (c:Customer)-[t:CHURNED_TO]->(k:Competitor)
WHERE $branch_id IS NULL OR c.branch_id = $branch_id
RETURN coalesce(k.name, k.competitor_id) AS competitor, count(DISTINCT c) AS customers,
       sum(coalesce(t.amount, 0.0)) AS amount
ORDER BY amount DESC, competitor
