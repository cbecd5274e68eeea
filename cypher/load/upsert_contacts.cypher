// Upsert contacts with customer, channel, product and handling employee.
// New nodes get their relationships by CREATE, existing ones by MERGE (see
// upsert_accounts.cypher for why that is safe and faster).
// Parameters: rows [{contact_id, customer_id, channel_id, product_id, employee_id, props}].
// Columns: none.
UNWIND $rows AS row
MERGE (k:Contact {contact_id: row.contact_id})
SET k += row.props, k.contact_id = row.contact_id
WITH k, row
MATCH (c:Customer {customer_id: row.customer_id})
WITH k, row, c, COUNT { (k)--() } = 0 AS fresh
CALL (row) {
  WITH row WHERE row.channel_id IS NOT NULL
  MERGE (ch:Channel {channel_id: row.channel_id})
  RETURN collect(ch) AS channels
}
OPTIONAL MATCH (p:Product {product_id: row.product_id})
OPTIONAL MATCH (e:Employee {employee_id: row.employee_id})
CALL (k, c, channels, p, e, fresh) {
  WITH k, c, channels, p, e, fresh WHERE fresh
  CREATE (c)-[:HAD_CONTACT]->(k)
  FOREACH (x IN channels | CREATE (k)-[:VIA]->(x))
  FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (k)-[:ABOUT]->(x))
  FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END | CREATE (k)-[:HANDLED_BY]->(x))
}
CALL (k, c, channels, p, e, fresh) {
  WITH k, c, channels, p, e, fresh WHERE NOT fresh
  CALL (k, c) {
    MATCH (other)-[stale:HAD_CONTACT]->(k) WHERE other <> c
    DELETE stale
  }
  MERGE (c)-[:HAD_CONTACT]->(k)
  FOREACH (x IN channels | MERGE (k)-[:VIA]->(x))
  FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END | MERGE (k)-[:ABOUT]->(x))
  FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END | MERGE (k)-[:HANDLED_BY]->(x))
}
