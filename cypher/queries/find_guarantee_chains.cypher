// title: Guarantee chains with total exposure
// question: Which chains of guarantees (A guarantees B, B guarantees C, up to four links)
//   concentrate credit risk, and how much is guaranteed along each chain?
// param: min_links integer 2 Shortest chain to list.
// param: limit integer 20 Chains to list.
// columns: start_id, start, chain, links, total_guaranteed
// pii: start
// example: crm-graph query find_guarantee_chains --param min_links=3
MATCH path = (a:Customer)-[:GUARANTEES*1..4]->(z:Customer)
WHERE NOT EXISTS { (:Customer)-[:GUARANTEES]->(a) }
  AND NOT EXISTS { (z)-[:GUARANTEES]->(:Customer) }
  AND length(path) >= $min_links
RETURN a.customer_id AS start_id, a.name AS start,
       [n IN nodes(path) | n.customer_id] AS chain, length(path) AS links,
       reduce(s = 0.0, r IN relationships(path) | s + coalesce(r.amount, 0.0))
         AS total_guaranteed
ORDER BY total_guaranteed DESC, start_id
LIMIT $limit
