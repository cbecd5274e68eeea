// Upsert golden customers. Parameters: rows [{customer_id, props}] (props: survivorship result).
// Columns: none.
UNWIND $rows AS row
MERGE (c:Customer {customer_id: row.customer_id})
SET c += row.props
