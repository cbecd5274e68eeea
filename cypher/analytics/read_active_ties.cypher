// Ties from given customers to neighbours who are still customers (either direction).
// Parameters: ids (list of strings). Columns: a, b (customer ids), type.
UNWIND $ids AS id
MATCH (x:Customer {customer_id: id})-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]-(y:Customer)
WHERE coalesce(y.status, 'active') <> 'churned'
RETURN x.customer_id AS a, y.customer_id AS b, type(r) AS type
