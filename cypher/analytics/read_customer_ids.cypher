// Every customer id. Parameters: none. Columns: customer_id.
MATCH (c:Customer)
RETURN c.customer_id AS customer_id
