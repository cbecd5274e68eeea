// How many CO_HOLDS ties the graph has. Parameters: none. Columns: ties (integer).
MATCH ()-[t:CO_HOLDS]->()
RETURN count(t) AS ties
