// Drop CO_HOLDS ties that no shared account supports any more (a holder left the account).
// Parameters: none. Columns: deleted (integer).
MATCH (x:Customer)-[t:CO_HOLDS]->(y:Customer)
WHERE NOT EXISTS { (x)-[:OWNS]->(:Account)<-[:OWNS]-(y) }
DELETE t
RETURN count(*) AS deleted
