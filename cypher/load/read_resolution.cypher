// The current resolution: every source record's golden customer, match keys (hashes)
// and keep-apart pins from undone merges. Parameters: none. Columns: system, record_id,
// customer_id, id_hash, phone_hash, name_hash, birth_hash, email_hash, kind, keep_apart,
// same_as (must-link tags of accepted review decisions).
MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c:Customer)
RETURN s.system AS system, s.record_id AS record_id, c.customer_id AS customer_id,
       s.id_hash AS id_hash, s.phone_hash AS phone_hash, s.name_hash AS name_hash,
       s.birth_hash AS birth_hash, s.email_hash AS email_hash, s.kind AS kind,
       s.keep_apart AS keep_apart, s.same_as AS same_as
