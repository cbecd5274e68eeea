// The tiers of the last segments run (crm_graph.analytics.segments.read_tiers).
// Parameters: none. Columns: tiers (list of names, highest first, the base tier last),
// computed_at (string). No row when segments never ran.
MATCH (m:ScoringModel {name: 'segments'})
RETURN m.tiers AS tiers, m.computed_at AS computed_at
