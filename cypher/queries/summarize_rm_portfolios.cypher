// title: Relationship managers' portfolios
// question: How many customers does each relationship manager serve, how much do they hold,
//   how many are in the high-value tiers, and how many of them are at high risk of leaving?
// param: limit integer 50 Managers to list.
// columns: employee_id, manager, branch, customers, aum, high_value, at_risk
// example: crm-graph query summarize_rm_portfolios
OPTIONAL MATCH (m:ScoringModel {name: 'segments'})
// the high-value tiers: every tier above the base but the lowest (or the only one)
WITH CASE WHEN size(m.tiers) >= 3 THEN m.tiers[0..size(m.tiers) - 2]
          WHEN size(m.tiers) = 2 THEN m.tiers[0..1] ELSE [] END AS high
MATCH (e:Employee)<-[:SERVED_BY]-(c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
OPTIONAL MATCH (e)-[:WORKS_AT]->(b:Branch)
RETURN e.employee_id AS employee_id, e.name AS manager, b.name AS branch,
       count(c) AS customers, sum(coalesce(c.aum, 0.0)) AS aum,
       count(CASE WHEN c.tier IN high THEN 1 END) AS high_value,
       count(CASE WHEN c.high_value_at_risk THEN 1 END) AS at_risk
ORDER BY aum DESC, employee_id
LIMIT $limit
