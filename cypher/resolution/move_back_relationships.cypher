// Undo a merge's move of relationships: every relationship the merge moved from a
// customer onto the survivor (merged_from = that customer) goes back to it.
// Relationships are found by expanding from the survivor, never by a scan.
// Parameters: rows [{from_id, into_id}] (from_id: the restored customer).
// Columns: moved (integer).
UNWIND $rows AS row
MATCH (keep:Customer {customer_id: row.into_id})
MATCH (back:Customer {customer_id: row.from_id})
CALL (keep, back, row) {
  MATCH (keep)-[r]->(x) WHERE r.merged_from = row.from_id
  WITH back, r, x, type(r) AS t, properties(r) AS p
  WITH back, r, x, t, p, head([(back)-[m]->(y) WHERE y = x AND type(m) = t | m]) AS same
  CALL (back, x, t, p, same) {
    WITH back, x, t, p, same WHERE same IS NULL
    CREATE (back)-[n:$(t)]->(x)
    SET n = p
    REMOVE n.merged_from
  }
  DELETE r
  RETURN count(*) AS outgoing
}
CALL (keep, back, row) {
  MATCH (keep)<-[r]-(x) WHERE r.merged_from = row.from_id
  WITH back, r, x, type(r) AS t, properties(r) AS p
  WITH back, r, x, t, p, head([(back)<-[m]-(y) WHERE y = x AND type(m) = t | m]) AS same
  CALL (back, x, t, p, same) {
    WITH back, x, t, p, same WHERE same IS NULL
    CREATE (back)<-[n:$(t)]-(x)
    SET n = p
    REMOVE n.merged_from
  }
  DELETE r
  RETURN count(*) AS incoming
}
RETURN sum(outgoing + incoming) AS moved
