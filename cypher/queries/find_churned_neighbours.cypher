// title: Active customers whose ties churned recently
// question: Which customers are still with us although family, employer, business partners or
//   referrers left recently, and who left?
// param: since date 2025-07-01 Count churns on or after this date.
// param: limit integer 25 Customers to list.
// columns: customer_id, name, tier, churned_ties, who_left, churn_risk
// pii: name, who_left
// example: crm-graph query find_churned_neighbours --param since=2025-10-01
MATCH (x:Customer {status: 'churned'})
WHERE x.churned_on >= $since
MATCH (x)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
WITH c, count(DISTINCT x) AS churned_ties,
     collect(DISTINCT type(r) + ' ' + coalesce(x.name, x.customer_id) + ' (' + x.churned_on + ')')[0..5]
       AS who_left
RETURN c.customer_id AS customer_id, c.name AS name, c.tier AS tier, churned_ties, who_left,
       c.churn_risk AS churn_risk
ORDER BY churned_ties DESC, churn_risk DESC, customer_id
LIMIT $limit
