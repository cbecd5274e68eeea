// Every customer's properties, for the snapshot churn model. Parameters: none.
// Columns: customer_id, props (map).
MATCH (c:Customer)
RETURN c.customer_id AS customer_id, properties(c) AS props
