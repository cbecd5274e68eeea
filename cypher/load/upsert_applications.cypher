// Upsert credit applications with applicant, product and handling officer.
// Parameters: rows [{application_id, customer_id, product_id, employee_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (a:Application {application_id: row.application_id})
SET a += row.props
WITH a, row
MATCH (c:Customer {customer_id: row.customer_id})
OPTIONAL MATCH (other:Customer)-[stale:APPLIED]->(a) WHERE other <> c
DELETE stale
MERGE (c)-[:APPLIED]->(a)
WITH a, row
CALL (a, row) {
  WITH a, row WHERE row.product_id IS NOT NULL
  MATCH (p:Product {product_id: row.product_id})
  MERGE (a)-[:FOR_PRODUCT]->(p)
}
CALL (a, row) {
  WITH a, row WHERE row.employee_id IS NOT NULL
  MATCH (e:Employee {employee_id: row.employee_id})
  MERGE (a)-[:HANDLED_BY]->(e)
}
