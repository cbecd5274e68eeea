// Weighted PageRank written to Customer.influence, L1-normalised (the scores sum to 1).
// Parameters: graph_name, damping (float). Columns: iterations (integer), converged (boolean).
CALL gds.pageRank.write($graph_name, {
  writeProperty: 'influence', relationshipWeightProperty: 'weight',
  dampingFactor: $damping, scaler: 'L1Norm', maxIterations: 50, tolerance: 1.0E-7
})
YIELD ranIterations, didConverge
RETURN ranIterations AS iterations, didConverge AS converged
