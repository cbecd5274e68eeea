// title: Influencers in a cluster
// question: Who are the most influential customers of one influence cluster, and how many
//   ties do they have inside it?
// param: community integer - The cluster (Customer.community, see `crm-graph clusters`).
// param: limit integer 10 Customers to list.
// columns: customer_id, name, kind, tier, influence, ties_inside, aum
// pii: name
// example: crm-graph query list_cluster_influencers --param community=3
MATCH (c:Customer {community: $community})
WITH c ORDER BY c.influence DESC, c.customer_id LIMIT $limit
OPTIONAL MATCH (c)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(m:Customer {community: $community})
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, c.tier AS tier,
       c.influence AS influence, count(DISTINCT m) AS ties_inside, c.aum AS aum
ORDER BY influence DESC, customer_id
