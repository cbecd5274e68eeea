// Upsert employees and the branch they work at. Parameters: rows [{employee_id, branch_id, props}].
// Columns: none.
UNWIND $rows AS row
MERGE (e:Employee {employee_id: row.employee_id})
SET e += row.props
WITH e, row
WHERE row.branch_id IS NOT NULL
MATCH (b:Branch {branch_id: row.branch_id})
MERGE (e)-[:WORKS_AT]->(b)
