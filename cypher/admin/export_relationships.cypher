// Every relationship with its end nodes, type and properties, for the neo4j-admin import
// benchmark. Parameters: none. Columns: source, target (element ids), type, props (map).
MATCH (a)-[r]->(b)
RETURN elementId(a) AS source, elementId(b) AS target, type(r) AS type, properties(r) AS props
