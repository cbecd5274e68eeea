// A stored scoring model; no row when it was never computed.
// Parameters: model (string). Columns: computed_at, as_of, payload (bytes).
MATCH (m:ScoringModel {name: $model})
RETURN m.computed_at AS computed_at, m.as_of AS as_of, m.payload AS payload
