// Delete up to $limit relationships; call until it returns 0 (before deleting nodes, so
// that hub nodes with many relationships never load into one transaction).
// Parameters: limit (integer). Columns: deleted (integer).
MATCH ()-[r]->()
WITH r LIMIT $limit
DELETE r
RETURN count(*) AS deleted
