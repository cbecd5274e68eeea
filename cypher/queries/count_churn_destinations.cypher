// title: Where churned customers went
// question: Which competitors won our churned customers, and how much money followed them?
// columns: competitor_id, competitor, customers, amount_moved
// example: crm-graph query count_churn_destinations
MATCH (c:Customer)-[t:CHURNED_TO]->(k:Competitor)
RETURN k.competitor_id AS competitor_id, k.name AS competitor,
       count(DISTINCT c) AS customers, sum(coalesce(t.amount, 0.0)) AS amount_moved
ORDER BY amount_moved DESC, competitor_id
