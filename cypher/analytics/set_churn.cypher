// Write churn scores. Parameters: rows [{customer_id, churn_exposure, churn_risk, churn_drivers,
// retention_priority, high_value_at_risk}], computed_at (string). Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
SET c.churn_exposure = row.churn_exposure, c.churn_risk = row.churn_risk,
    c.churn_drivers = row.churn_drivers, c.retention_priority = row.retention_priority,
    c.high_value_at_risk = row.high_value_at_risk, c.churn_computed_at = $computed_at
