// When a stored scoring model was computed (to tell whether a cached copy is current).
// Parameters: model (string). Columns: computed_at.
MATCH (m:ScoringModel {name: $model})
RETURN m.computed_at AS computed_at
