// Customer ties for the in-process analytics (networkx, churn, cross-sell): one row per tie.
// Parameters: none. Columns: a, b (customer ids), type, amount, count (TRANSFERS only).
MATCH (x:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED]->(y:Customer)
RETURN x.customer_id AS a, y.customer_id AS b, type(r) AS type, r.amount AS amount,
       r.count AS count
