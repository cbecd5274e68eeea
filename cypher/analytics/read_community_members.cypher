// Members of one cluster (index on Customer.community) with what its profile needs.
// Parameters: community (integer). Columns: as analytics/read_cluster_members.
MATCH (c:Customer {community: $community})
OPTIONAL MATCH (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(p:Product)
WHERE coalesce(a.status, 'open') <> 'closed'
WITH c, collect(DISTINCT p.category) AS categories, sum(coalesce(a.fee_income, 0.0)) AS fee_income
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, c.community AS community,
       c.tier AS tier, coalesce(c.status, 'active') AS status, coalesce(c.aum, 0.0) AS aum,
       fee_income, coalesce(c.influence, 0.0) AS influence, categories
