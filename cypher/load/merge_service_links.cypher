// Link customers to their home branch and relationship manager (replacing older links).
// Parameters: rows [{customer_id, branch_id, employee_id}]. Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
CALL (c, row) {
  WITH c, row WHERE row.branch_id IS NOT NULL
  MATCH (b:Branch {branch_id: row.branch_id})
  CALL (c, b) {
    MATCH (c)-[old:HOME_BRANCH]->(x) WHERE x <> b
    DELETE old
  }
  MERGE (c)-[:HOME_BRANCH]->(b)
}
CALL (c, row) {
  WITH c, row WHERE row.employee_id IS NOT NULL
  MATCH (e:Employee {employee_id: row.employee_id})
  CALL (c, e) {
    MATCH (c)-[old:SERVED_BY]->(x) WHERE x <> e
    DELETE old
  }
  MERGE (c)-[:SERVED_BY]->(e)
}
