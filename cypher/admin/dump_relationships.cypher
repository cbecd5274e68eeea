// Every relationship with its type, ends and properties (for canonical fingerprints).
// Parameters: none. Columns: start (element id), end (element id), type, props (map).
MATCH (a)-[r]->(b)
RETURN elementId(a) AS start, elementId(b) AS end, type(r) AS type, properties(r) AS props
