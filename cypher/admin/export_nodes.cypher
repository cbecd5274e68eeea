// Every node with its labels and properties, for the neo4j-admin import benchmark.
// Parameters: none. Columns: id (element id), labels (list), props (map).
MATCH (n)
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
