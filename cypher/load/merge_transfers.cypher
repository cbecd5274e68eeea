// Merge TRANSFERS ties between customers (one per ordered pair), setting its properties.
// Parameters: rows [{from_id, to_id, props}]. Columns: none.
UNWIND $rows AS row
MATCH (a:Customer {customer_id: row.from_id})
MATCH (b:Customer {customer_id: row.to_id})
MERGE (a)-[t:TRANSFERS]->(b)
SET t += row.props
