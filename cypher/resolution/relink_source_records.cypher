// Point source records back at the customer they had before a merge and pin them, so
// that later loads keep the merge's sides apart. Parameters: rows [{system, record_id,
// customer_id, pin}]. Columns: relinked (integer).
UNWIND $rows AS row
MATCH (s:SourceRecord {system: row.system, record_id: row.record_id})
MATCH (c:Customer {customer_id: row.customer_id})
OPTIONAL MATCH (s)-[old:RESOLVES_TO]->(other)
WHERE other <> c
WITH s, c, row, collect(old) AS olds
WITH s, c, row, olds, head(olds) AS was
WITH s, c, row, olds, was.rule AS was_rule, was.confidence AS was_confidence
FOREACH (r IN olds | DELETE r)
MERGE (s)-[r:RESOLVES_TO]->(c)
SET r.rule = coalesce(was_rule, r.rule), r.confidence = coalesce(was_confidence, r.confidence)
REMOVE r.merged_from
SET s.keep_apart = [p IN coalesce(s.keep_apart, []) WHERE p <> row.pin] + row.pin
RETURN count(*) AS relinked
