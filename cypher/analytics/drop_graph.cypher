// Drop an in-memory GDS graph if it exists.
// Parameters: graph_name (string). Columns: graphName.
CALL gds.graph.drop($graph_name, false) YIELD graphName
RETURN graphName
