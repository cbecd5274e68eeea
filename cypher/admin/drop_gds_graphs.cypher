// Drop every in-memory GDS graph of the current database.
// Parameters: none. Columns: graphName (string).
CALL gds.graph.list() YIELD graphName
CALL gds.graph.drop(graphName, false) YIELD graphName AS dropped
RETURN dropped AS graphName
