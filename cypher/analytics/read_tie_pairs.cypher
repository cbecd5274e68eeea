// Every tie between two customers as a pair of ids (any tie type). Parameters: none.
// Columns: a, b.
MATCH (x:Customer)-[:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(y:Customer)
RETURN x.customer_id AS a, y.customer_id AS b
