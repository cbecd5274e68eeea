// Move every relationship of a merged-away customer onto the survivor before it is
// deleted, so that nothing outside the current extract is lost. Moved relationships
// carry merged_from = the old customer id (an undo moves them back). A tie between the
// two merged customers is dropped (kept in the event's snapshot); when the survivor
// already has the same relationship, TRANSFERS add up and others keep the survivor's.
// Parameters: rows [{from_id, into_id}]. Columns: moved (integer).
UNWIND $rows AS row
MATCH (gone:Customer {customer_id: row.from_id})
MATCH (keep:Customer {customer_id: row.into_id})
CALL (gone, keep, row) {
  MATCH (gone)-[r]->(x)
  WITH gone, keep, row, r, x, type(r) AS t, properties(r) AS p
  CALL (gone, keep, row, r, x, t, p) {
    WITH gone, keep, row, r, x, t, p WHERE x <> keep AND x <> gone
    MERGE (keep)-[n:$(t)]->(x)
    ON CREATE SET n = p, n.merged_from = row.from_id
    ON MATCH SET n.count = CASE t WHEN 'TRANSFERS' THEN n.count + p.count ELSE n.count END,
                 n.amount = CASE t WHEN 'TRANSFERS' THEN n.amount + p.amount ELSE n.amount END,
                 n.first_on = CASE WHEN t = 'TRANSFERS' AND p.first_on < n.first_on
                                   THEN p.first_on ELSE n.first_on END,
                 n.last_on = CASE WHEN t = 'TRANSFERS' AND p.last_on > n.last_on
                                  THEN p.last_on ELSE n.last_on END
  }
  DELETE r
  RETURN count(*) AS outgoing
}
CALL (gone, keep, row) {
  MATCH (gone)<-[r]-(x)
  WITH gone, keep, row, r, x, type(r) AS t, properties(r) AS p
  CALL (gone, keep, row, r, x, t, p) {
    WITH gone, keep, row, r, x, t, p WHERE x <> keep AND x <> gone
    MERGE (keep)<-[n:$(t)]-(x)
    ON CREATE SET n = p, n.merged_from = row.from_id
    ON MATCH SET n.count = CASE t WHEN 'TRANSFERS' THEN n.count + p.count ELSE n.count END,
                 n.amount = CASE t WHEN 'TRANSFERS' THEN n.amount + p.amount ELSE n.amount END,
                 n.first_on = CASE WHEN t = 'TRANSFERS' AND p.first_on < n.first_on
                                   THEN p.first_on ELSE n.first_on END,
                 n.last_on = CASE WHEN t = 'TRANSFERS' AND p.last_on > n.last_on
                                  THEN p.last_on ELSE n.last_on END
  }
  DELETE r
  RETURN count(*) AS incoming
}
RETURN sum(outgoing + incoming) AS moved
