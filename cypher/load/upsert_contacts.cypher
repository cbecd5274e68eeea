// Upsert contacts with customer, channel, product and handling employee.
// Parameters: rows [{contact_id, customer_id, channel_id, product_id, employee_id, props}].
// Columns: none.
UNWIND $rows AS row
MERGE (k:Contact {contact_id: row.contact_id})
SET k += row.props
WITH k, row
MATCH (c:Customer {customer_id: row.customer_id})
OPTIONAL MATCH (other:Customer)-[stale:HAD_CONTACT]->(k) WHERE other <> c
DELETE stale
MERGE (c)-[:HAD_CONTACT]->(k)
WITH k, row
CALL (k, row) {
  WITH k, row WHERE row.channel_id IS NOT NULL
  MERGE (ch:Channel {channel_id: row.channel_id})
  MERGE (k)-[:VIA]->(ch)
}
CALL (k, row) {
  WITH k, row WHERE row.product_id IS NOT NULL
  MATCH (p:Product {product_id: row.product_id})
  MERGE (k)-[:ABOUT]->(p)
}
CALL (k, row) {
  WITH k, row WHERE row.employee_id IS NOT NULL
  MATCH (e:Employee {employee_id: row.employee_id})
  MERGE (k)-[:HANDLED_BY]->(e)
}
