// Active customers by retention priority (risk x value x influence), highest first, with the
// relationship manager to act. Keyset pagination: pass the last row's priority and id.
// Parameters: tier (string or null: all tiers), min_value (float: minimum value_score),
// after_priority (float or null), after_id (string or null), limit (integer).
// Columns: customer_id, name, kind, tier, value_score, aum, churn_risk, churn_exposure, influence,
// retention_priority, high_value_at_risk, drivers, rm_id, rm_name.
MATCH (c:Customer)
WHERE c.retention_priority IS NOT NULL
  AND ($tier IS NULL OR c.tier = $tier)
  AND coalesce(c.value_score, 0.0) >= $min_value
  AND ($after_priority IS NULL OR c.retention_priority < $after_priority
       OR (c.retention_priority = $after_priority AND c.customer_id > $after_id))
WITH c ORDER BY c.retention_priority DESC, c.customer_id LIMIT $limit
OPTIONAL MATCH (c)-[:SERVED_BY]->(e:Employee)
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, c.tier AS tier,
       c.value_score AS value_score, c.aum AS aum, c.churn_risk AS churn_risk,
       c.churn_exposure AS churn_exposure, c.influence AS influence,
       c.retention_priority AS retention_priority, c.high_value_at_risk AS high_value_at_risk,
       c.churn_drivers AS drivers, e.employee_id AS rm_id, e.name AS rm_name
ORDER BY retention_priority DESC, customer_id
