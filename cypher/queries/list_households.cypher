// title: Households and their combined AUM
// question: Which households (customers joined by family ties, up to three steps) hold the
//   most assets with us, and who is in them?
// param: min_members integer 2 Smallest household to list.
// param: limit integer 20 Households to list.
// columns: household, members, names, combined_aum
// pii: names
// example: crm-graph query list_households --param min_members=3 --param limit=10
MATCH (c:Customer)-[:FAMILY]-(:Customer)
WITH DISTINCT c
MATCH (c)-[:FAMILY*1..3]-(m:Customer)
WITH c, collect(DISTINCT m) AS others
WITH c, others + [c] AS members
WITH c, members,
     reduce(k = c.customer_id, x IN members |
       CASE WHEN x.customer_id < k THEN x.customer_id ELSE k END) AS household
WHERE c.customer_id = household AND size(members) >= $min_members
RETURN household, size(members) AS members, [x IN members | x.name] AS names,
       reduce(s = 0.0, x IN members | s + coalesce(x.aum, 0.0)) AS combined_aum
ORDER BY combined_aum DESC, household
LIMIT $limit
