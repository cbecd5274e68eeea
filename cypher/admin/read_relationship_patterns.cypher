// Which labels each relationship type connects, and how many (docs/design.md).
// Parameters: none. Columns: start (list of labels), type, end (list of labels), count.
MATCH (a)-[r]->(b)
RETURN labels(a) AS start, type(r) AS type, labels(b) AS end, count(*) AS count
