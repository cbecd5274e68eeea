// Count nodes per label (a node with several labels counts once per label).
// Parameters: none. Columns: label (string), count (integer).
MATCH (n)
UNWIND labels(n) AS label
RETURN label, count(*) AS count
ORDER BY label
