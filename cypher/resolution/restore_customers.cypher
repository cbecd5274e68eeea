// Re-create golden customers that a merge emptied, with the properties they had then.
// Parameters: rows [{customer_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (c:Customer {customer_id: row.customer_id})
SET c += row.props
