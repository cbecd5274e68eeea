// The customer each named source record resolves to now. Parameters: keys [string]
// ("system:record_id"). Columns: k, customer_id.
UNWIND $keys AS k
WITH k, split(k, ':') AS parts
MATCH (s:SourceRecord {system: parts[0], record_id: substring(k, size(parts[0]) + 1)})
      -[:RESOLVES_TO]->(c:Customer)
RETURN k, c.customer_id AS customer_id
