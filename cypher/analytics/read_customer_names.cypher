// Names of the given customers as one list in the order of $ids ('' where a customer is
// unknown or has no name): one record instead of one per customer, for the explanations
// of a slice of cross-sell (a record costs the driver more than its values).
// Parameters: ids (list of strings). Columns: names (list of strings).
UNWIND range(0, size($ids) - 1) AS i
OPTIONAL MATCH (c:Customer {customer_id: $ids[i]})
WITH i, coalesce(c.name, '') AS name
ORDER BY i
RETURN collect(name) AS names
