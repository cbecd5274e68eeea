// Churned customers by kind and by the amount they moved out (bands in CNY).
// Parameters: none. Columns: kind, band, customers, amount_moved.
MATCH (c:Customer {status: 'churned'})
OPTIONAL MATCH (c)-[t:CHURNED_TO]->(:Competitor)
WITH c, sum(coalesce(t.amount, 0.0)) AS moved
WITH c.kind AS kind, moved,
     CASE WHEN moved >= 1000000 THEN '1M+' WHEN moved >= 200000 THEN '200k-1M'
          WHEN moved >= 50000 THEN '50k-200k' ELSE '<50k' END AS band
RETURN kind, band, count(*) AS customers, sum(moved) AS amount_moved
ORDER BY kind, amount_moved DESC
