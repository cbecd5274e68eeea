// Delete up to $limit nodes (and any relationships left); call until it returns 0.
// Parameters: limit (integer). Columns: deleted (integer).
MATCH (n)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
