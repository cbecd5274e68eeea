// Ties inside clusters: per cluster, tie type and source customer, how many ties.
// Parameters: none. Columns: community, type, source_id, source_name, ties.
MATCH (a:Customer)-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(b:Customer)
WHERE a.community IS NOT NULL AND a.community = b.community
RETURN a.community AS community, type(r) AS type, a.customer_id AS source_id,
       a.name AS source_name, count(*) AS ties
