// title: Customers whose source records conflict
// question: Which golden customers gather source records that disagree on the name or the
//   birth date (hashed), so that a data steward should check the merge?
// param: limit integer 25 Customers to list.
// columns: customer_id, name, records, systems, name_variants, birth_date_variants
// pii: name
// example: crm-graph query find_conflicting_records --param limit=50
MATCH (s:SourceRecord)-[:RESOLVES_TO]->(c:Customer)
WITH c, count(s) AS records, collect(DISTINCT s.system) AS systems,
     collect(DISTINCT s.name_hash) AS names, collect(DISTINCT s.birth_hash) AS births
WHERE size(names) > 1 OR size(births) > 1
RETURN c.customer_id AS customer_id, c.name AS name, records, systems,
       size(names) AS name_variants, size(births) AS birth_date_variants
ORDER BY records DESC, customer_id
LIMIT $limit
