// Louvain communities written to Customer.community (deterministic with one thread and a seed).
// Parameters: graph_name, seed (integer). Columns: communities, modularity.
CALL gds.louvain.write($graph_name, {
  writeProperty: 'community', relationshipWeightProperty: 'weight', concurrency: 1
})
YIELD communityCount, modularity
RETURN communityCount AS communities, modularity
