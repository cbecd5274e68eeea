// Upsert branches. Parameters: rows [{branch_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (b:Branch {branch_id: row.branch_id})
SET b += row.props
