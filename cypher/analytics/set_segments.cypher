// Write value scores and tiers. Parameters: rows [{customer_id, value_score, tier}],
// computed_at (string). Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.value_score = row.value_score, c.tier = row.tier, c.segments_computed_at = $computed_at
