// Write the snapshot churn model's out-of-fold risk. Parameters: rows [{customer_id,
// churn_risk}], computed_at (string). Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.churn_risk = row.churn_risk, c.churn_computed_at = $computed_at,
    c.churn_model = 'snapshot'
