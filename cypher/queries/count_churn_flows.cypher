// title: Churn flows to competitors by month
// question: Month by month, how many customers left for each competitor and how much money moved?
// param: months integer 12 Months to show, counting back from the latest churn.
// columns: month, competitor_id, competitor, customers, amount_moved
// example: crm-graph query count_churn_flows --param months=6
MATCH (:Customer)-[t:CHURNED_TO]->(:Competitor)
WITH max(t.on) AS last
MATCH (c:Customer)-[t:CHURNED_TO]->(k:Competitor)
WHERE t.on > toString(date(last) - duration({months: $months}))
RETURN substring(t.on, 0, 7) AS month, k.competitor_id AS competitor_id, k.name AS competitor,
       count(DISTINCT c) AS customers, sum(coalesce(t.amount, 0.0)) AS amount_moved
ORDER BY month, customers DESC, competitor_id
