// title: Cross-sell paths for a product
// question: Which customers do not hold a product yet but are tied (family, employer,
//   colleagues through the same employer, transfers, referrals) to customers who do, and
//   through which ties?
// param: product_id string - The product to sell (see Product.product_id).
// param: limit integer 25 Customers to list.
// columns: customer_id, name, tier, holders, paths
// pii: name, paths
// example: crm-graph query find_crosssell_paths --param product_id=WEALTH_MGMT
MATCH (p:Product {product_id: $product_id})<-[:OF_PRODUCT]-(:Account)<-[:OWNS]-(h:Customer)
WHERE coalesce(h.status, 'active') <> 'churned'
WITH p, collect(DISTINCT h) AS holders
UNWIND holders AS h
MATCH (h)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
  AND NOT EXISTS { (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(p) }
WITH c, count(DISTINCT h) AS n,
     collect(DISTINCT type(r) + ' ' + coalesce(h.name, h.customer_id))[0..3] AS paths
RETURN c.customer_id AS customer_id, c.name AS name, c.tier AS tier, n AS holders, paths
ORDER BY holders DESC, customer_id
LIMIT $limit
