// Load campaign outcomes back onto TARGETED.
// Expands from the campaign (found by its key) to its targets, so that no plan can
// scan customers, whatever the statistics (a plan that looked each customer up by
// id scanned the customer index on a clean-clone CI run); a campaign has at most its
// budget of targets.
// Parameters: campaign_id (string), rows [{customer_id, responded, converted}], at (string).
// Columns: customer_id (one row per outcome that matched a targeted customer).
MATCH (campaign:Campaign {campaign_id: $campaign_id})
UNWIND $rows AS row
CALL (campaign, row) {
  MATCH (campaign)-[t:TARGETED]->(customer)
  WHERE customer.customer_id = row.customer_id
  SET t.responded = row.responded, t.converted = row.converted, t.outcome_loaded_at = $at
  RETURN customer.customer_id AS customer_id
}
RETURN customer_id
