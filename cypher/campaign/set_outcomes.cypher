// Load campaign outcomes back onto TARGETED.
// The campaign and each customer are found by their keys first and the TARGETED
// relationship between the two bound nodes after (Expand(Into)): a plan made while
// few campaigns exist must not scan customers per row.
// Parameters: campaign_id (string), rows [{customer_id, responded, converted}], at (string).
// Columns: customer_id (one row per outcome that matched a targeted customer).
MATCH (campaign:Campaign {campaign_id: $campaign_id})
UNWIND $rows AS row
MATCH (customer:Customer {customer_id: row.customer_id})
MATCH (campaign)-[t:TARGETED]->(customer)
SET t.responded = row.responded, t.converted = row.converted, t.outcome_loaded_at = $at
RETURN row.customer_id AS customer_id
