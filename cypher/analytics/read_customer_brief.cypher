// Name, AUM and status of given customers. Parameters: ids (list of strings).
// Columns: customer_id, name, aum, status.
UNWIND $ids AS id
MATCH (c:Customer {customer_id: id})
RETURN c.customer_id AS customer_id, c.name AS name, coalesce(c.aum, 0.0) AS aum,
       coalesce(c.status, 'active') AS status
