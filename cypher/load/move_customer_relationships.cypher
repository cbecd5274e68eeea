// Move every relationship of a merged-away customer onto the survivor before it is
// deleted, so that nothing outside the current extract is lost. Moved relationships
// carry merged_from = the old customer id (an undo moves them back). A tie between the
// two merged customers is dropped (kept in the event's snapshot); when the survivor
// already has the same relationship, TRANSFERS add up and others keep the survivor's.
// The survivor's existing relationship is found by expanding from it (a pattern
// comprehension), never by a relationship scan, whatever the graph's statistics.
// Parameters: rows [{from_id, into_id}]. Columns: moved (integer).
UNWIND $rows AS row
MATCH (gone:Customer {customer_id: row.from_id})
MATCH (keep:Customer {customer_id: row.into_id})
CALL (gone, keep, row) {
  MATCH (gone)-[r]->(x)
  WITH gone, keep, row, r, x, type(r) AS t, properties(r) AS p
  WITH gone, keep, row, r, x, t, p,
       head([(keep)-[m]->(y) WHERE y = x AND type(m) = t | m]) AS same
  CALL (gone, keep, row, x, t, p, same) {
    WITH gone, keep, row, x, t, p, same WHERE x <> keep AND x <> gone
    CALL (keep, row, x, t, p, same) {
      WITH keep, row, x, t, p, same WHERE same IS NULL
      CREATE (keep)-[n:$(t)]->(x)
      SET n = p, n.merged_from = row.from_id
    }
    CALL (p, t, same) {
      WITH p, t, same WHERE same IS NOT NULL AND t = 'TRANSFERS'
      SET same.count = same.count + p.count, same.amount = same.amount + p.amount,
          same.first_on = CASE WHEN p.first_on < same.first_on THEN p.first_on
                               ELSE same.first_on END,
          same.last_on = CASE WHEN p.last_on > same.last_on THEN p.last_on
                              ELSE same.last_on END
    }
  }
  DELETE r
  RETURN count(*) AS outgoing
}
CALL (gone, keep, row) {
  MATCH (gone)<-[r]-(x)
  WITH gone, keep, row, r, x, type(r) AS t, properties(r) AS p
  WITH gone, keep, row, r, x, t, p,
       head([(keep)<-[m]-(y) WHERE y = x AND type(m) = t | m]) AS same
  CALL (gone, keep, row, x, t, p, same) {
    WITH gone, keep, row, x, t, p, same WHERE x <> keep AND x <> gone
    CALL (keep, row, x, t, p, same) {
      WITH keep, row, x, t, p, same WHERE same IS NULL
      CREATE (keep)<-[n:$(t)]-(x)
      SET n = p, n.merged_from = row.from_id
    }
    CALL (p, t, same) {
      WITH p, t, same WHERE same IS NOT NULL AND t = 'TRANSFERS'
      SET same.count = same.count + p.count, same.amount = same.amount + p.amount,
          same.first_on = CASE WHEN p.first_on < same.first_on THEN p.first_on
                               ELSE same.first_on END,
          same.last_on = CASE WHEN p.last_on > same.last_on THEN p.last_on
                              ELSE same.last_on END
    }
  }
  DELETE r
  RETURN count(*) AS incoming
}
RETURN sum(outgoing + incoming) AS moved
