// Count relationships per type.
// Parameters: none. Columns: type (string), count (integer).
MATCH ()-[r]->()
RETURN type(r) AS type, count(*) AS count
ORDER BY type
