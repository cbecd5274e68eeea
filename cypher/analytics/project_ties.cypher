// Project customers and their ties into an undirected, weighted in-memory GDS graph.
// Parameters: graph_name (string), weights (map: tie type -> normalized weight),
// amount_full (float: the amount at which a transfer's amount strength is full),
// count_full (integer: the transfer count at which its count strength is full).
// Every customer is a node, with or without ties. A TRANSFERS tie weighs its type weight
// times 1 + intensity, intensity the mean of its amount and count strengths, each capped
// at 1 (same formula as crm_graph.analytics.clusters.tie_weights). Parallel ties add up.
// Columns: graph (string), nodes (integer), relationships (integer).
MATCH (a:Customer)
OPTIONAL MATCH (a)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(b:Customer)
WHERE b <> a
WITH a, b, r,
     log10(1.0 + CASE WHEN coalesce(r.amount, 0.0) > 0.0 THEN r.amount ELSE 0.0 END)
       / log10(1.0 + $amount_full) AS by_amount,
     log(1.0 + CASE WHEN coalesce(r.count, 0) > 0 THEN r.count ELSE 0 END)
       / log(1.0 + $count_full) AS by_count
WITH a, b, sum(
  coalesce($weights[type(r)], 0.0) *
  CASE type(r)
    WHEN 'TRANSFERS' THEN
      1.0 + ((CASE WHEN by_amount > 1.0 THEN 1.0 ELSE by_amount END)
             + (CASE WHEN by_count > 1.0 THEN 1.0 ELSE by_count END)) / 2.0
    ELSE 1.0
  END
) AS weight
WITH gds.graph.project($graph_name, a, b,
       {relationshipProperties: CASE WHEN b IS NULL THEN null ELSE {weight: weight} END},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
