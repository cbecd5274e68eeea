// Store what scoring one customer on demand needs from a batch run (population
// statistics and fitted coefficients, see crosssell.ScoringContext), one node per model.
// Parameters: model (string), computed_at, as_of (strings), payload (bytes).
// Columns: none.
MERGE (m:ScoringModel {name: $model})
SET m.computed_at = $computed_at, m.as_of = $as_of, m.payload = $payload
