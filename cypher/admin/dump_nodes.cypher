// Every node with its labels and properties (crm_graph.fingerprint, db fingerprint).
// Parameters: none. Columns: id (element id), labels (list), props (map).
MATCH (n)
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props
