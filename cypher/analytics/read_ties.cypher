// Customer ties for the networkx backend: one row per tie.
// Parameters: none. Columns: a, b (customer ids), type, amount.
MATCH (x:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]->(y:Customer)
RETURN x.customer_id AS a, y.customer_id AS b, type(r) AS type, r.amount AS amount
