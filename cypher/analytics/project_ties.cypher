// Project customers and their ties into an undirected, weighted in-memory GDS graph.
// Parameters: graph_name (string), weights (map: tie type -> weight). Every customer is a
// node, with or without ties. TRANSFERS weigh more with the money moved (log scale).
// Columns: graph (string), nodes (integer), relationships (integer).
MATCH (a:Customer)
OPTIONAL MATCH (a)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]->(b:Customer)
WITH a, b, sum(
  coalesce($weights[type(r)], 0.0) *
  CASE type(r) WHEN 'TRANSFERS' THEN 1.0 + log10(1.0 + coalesce(r.amount, 0.0)) / 6.0 ELSE 1.0 END
) AS weight
WITH gds.graph.project($graph_name, a, b,
       {relationshipProperties: CASE WHEN b IS NULL THEN null ELSE {weight: weight} END},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
