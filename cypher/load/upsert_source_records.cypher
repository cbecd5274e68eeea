// Upsert source records and (re)link each to its golden customer with the matching rule.
// A new record gets its RESOLVES_TO by CREATE, an existing one by MERGE (see
// upsert_accounts.cypher for why that is safe and faster).
// Parameters: rows [{system, record_id, customer_id, confidence, rule, props}]
// (props hold masked or hashed PII only). Columns: none.
UNWIND $rows AS row
MERGE (s:SourceRecord {system: row.system, record_id: row.record_id})
SET s += row.props, s.record_id = row.record_id
WITH s, row
MATCH (c:Customer {customer_id: row.customer_id})
WITH s, row, c, COUNT { (s)--() } = 0 AS fresh
CALL (s, row, c, fresh) {
  WITH s, row, c, fresh WHERE fresh
  CREATE (s)-[:RESOLVES_TO {confidence: row.confidence, rule: row.rule}]->(c)
}
CALL (s, row, c, fresh) {
  WITH s, row, c, fresh WHERE NOT fresh
  CALL (s, c) {
    MATCH (s)-[old:RESOLVES_TO]->(other)
    WHERE other <> c
    DELETE old
  }
  MERGE (s)-[r:RESOLVES_TO]->(c)
  SET r.confidence = row.confidence, r.rule = row.rule
}
