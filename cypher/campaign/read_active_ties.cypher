// Ties between customers who have not churned, for word-of-mouth simulation.
// Parameters: none. Columns: a, b (customer ids), type, amount, count.
MATCH (x:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(y:Customer)
WHERE coalesce(x.status, 'active') <> 'churned' AND coalesce(y.status, 'active') <> 'churned'
RETURN x.customer_id AS a, y.customer_id AS b, type(r) AS type, r.amount AS amount,
       r.count AS count
