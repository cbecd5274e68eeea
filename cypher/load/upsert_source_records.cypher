// Upsert source records and (re)link each to its golden customer with the matching rule.
// Parameters: rows [{system, record_id, customer_id, confidence, rule, props}]
// (props hold masked or hashed PII only). Columns: none.
UNWIND $rows AS row
MERGE (s:SourceRecord {system: row.system, record_id: row.record_id})
SET s += row.props
WITH s, row
MATCH (c:Customer {customer_id: row.customer_id})
OPTIONAL MATCH (s)-[old:RESOLVES_TO]->(other:Customer)
WHERE other.customer_id <> row.customer_id
DELETE old
MERGE (s)-[r:RESOLVES_TO]->(c)
SET r.confidence = row.confidence, r.rule = row.rule
