// Upsert credit applications with applicant, product and handling officer.
// New nodes get their relationships by CREATE, existing ones by MERGE (see
// upsert_accounts.cypher for why that is safe and faster).
// Parameters: rows [{application_id, customer_id, product_id, employee_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (a:Application {application_id: row.application_id})
SET a += row.props, a.application_id = row.application_id
WITH a, row
MATCH (c:Customer {customer_id: row.customer_id})
WITH a, row, c, COUNT { (a)--() } = 0 AS fresh
OPTIONAL MATCH (p:Product {product_id: row.product_id})
OPTIONAL MATCH (e:Employee {employee_id: row.employee_id})
CALL (a, c, p, e, fresh) {
  WITH a, c, p, e, fresh WHERE fresh
  CREATE (c)-[:APPLIED]->(a)
  FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (a)-[:FOR_PRODUCT]->(x))
  FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END | CREATE (a)-[:HANDLED_BY]->(x))
}
CALL (a, c, p, e, fresh) {
  WITH a, c, p, e, fresh WHERE NOT fresh
  CALL (a, c) {
    MATCH (other)-[stale:APPLIED]->(a) WHERE other <> c
    DELETE stale
  }
  MERGE (c)-[:APPLIED]->(a)
  FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | MERGE (a)-[:FOR_PRODUCT]->(x))
  FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END | MERGE (a)-[:HANDLED_BY]->(x))
}
