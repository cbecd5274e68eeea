// Load campaign outcomes back onto TARGETED.
// Parameters: campaign_id (string), rows [{customer_id, responded, converted}], at (string).
// Columns: customer_id (one row per outcome that matched a targeted customer).
UNWIND $rows AS row
MATCH (:Campaign {campaign_id: $campaign_id})-[t:TARGETED]->(:Customer {customer_id: row.customer_id})
SET t.responded = row.responded, t.converted = row.converted, t.outcome_loaded_at = $at
RETURN row.customer_id AS customer_id
