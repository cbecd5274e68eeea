// Leiden communities written to Customer.community (deterministic with one thread and a seed).
// Parameters: graph_name, seed (integer), gamma (float). Columns: communities, modularity.
CALL gds.leiden.write($graph_name, {
  writeProperty: 'community', relationshipWeightProperty: 'weight',
  randomSeed: $seed, concurrency: 1, gamma: $gamma
})
YIELD communityCount, modularity
RETURN communityCount AS communities, modularity
