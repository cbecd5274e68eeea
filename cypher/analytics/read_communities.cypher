// The community and influence of every customer, with the source records behind it.
// Parameters: none. Columns: system, record_id, customer_id, community, influence.
MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c:Customer)
RETURN s.system AS system, s.record_id AS record_id, c.customer_id AS customer_id,
       c.community AS community, c.influence AS influence
