// Total numbers of nodes and relationships (from the count store, constant time).
// Parameters: none. Columns: nodes (integer), relationships (integer).
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
