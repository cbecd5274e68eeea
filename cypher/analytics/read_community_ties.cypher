// Ties inside one cluster (index on Customer.community): tie type and source customer.
// Parameters: community (integer). Columns: community, type, source_id, source_name, ties.
MATCH (a:Customer {community: $community})-[r:FAMILY|EMPLOYS|TRANSFERS|GUARANTEES|REFERRED|CO_HOLDS]->(b:Customer)
WHERE b.community = $community
RETURN a.community AS community, type(r) AS type, a.customer_id AS source_id,
       a.name AS source_name, count(*) AS ties
