// Store the tiers of a segments run with the configuration that made them.
// Parameters: tiers (list of names, highest first, the base tier last), computed_at,
// as_of (strings), payload (bytes: the configuration as JSON). Columns: none.
MERGE (m:ScoringModel {name: 'segments'})
SET m.tiers = $tiers, m.computed_at = $computed_at, m.as_of = $as_of, m.payload = $payload
