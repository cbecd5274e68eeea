// title: Products often held together
// question: Which pairs of products do customers hold together more often than chance would
//   have it (lift = observed share / product of the two shares)?
// param: min_customers integer 20 Smallest number of joint holders to list.
// param: limit integer 20 Pairs to list.
// columns: product_a, product_b, customers, support, lift
// example: crm-graph query find_product_pairs --param min_customers=50
MATCH (c:Customer)
WITH count(c) AS total
MATCH (p:Product)<-[:OF_PRODUCT]-(:Account)<-[:OWNS]-(c:Customer)
WITH total, p, count(DISTINCT c) AS holders
WITH total, collect({id: p.product_id, n: holders}) AS counts
MATCH (c:Customer)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(a:Product)
MATCH (c)-[:OWNS]->(:Account)-[:OF_PRODUCT]->(b:Product)
WHERE a.product_id < b.product_id
WITH total, counts, a, b, count(DISTINCT c) AS customers
WHERE customers >= $min_customers
WITH total, a, b, customers,
     [x IN counts WHERE x.id = a.product_id][0].n AS na,
     [x IN counts WHERE x.id = b.product_id][0].n AS nb
RETURN a.product_id AS product_a, b.product_id AS product_b, customers,
       round(toFloat(customers) / total, 4) AS support,
       round(toFloat(customers) * total / (toFloat(na) * nb), 3) AS lift
ORDER BY lift DESC, customers DESC, product_a, product_b
LIMIT $limit
