// When each analysis last ran, and how many customers the graph holds (for /ready).
// Parameters: none. Columns: customers, segments_at, clusters_at, churn_at, crosssell_at.
CALL () {
  MATCH (c:Customer) RETURN count(c) AS customers
}
CALL () {
  OPTIONAL MATCH (c:Customer) WHERE c.segments_computed_at IS NOT NULL
  WITH c LIMIT 1
  RETURN c.segments_computed_at AS segments_at
}
CALL () {
  OPTIONAL MATCH (c:Customer) WHERE c.clusters_computed_at IS NOT NULL
  WITH c LIMIT 1
  RETURN c.clusters_computed_at AS clusters_at
}
CALL () {
  OPTIONAL MATCH (c:Customer) WHERE c.churn_computed_at IS NOT NULL
  WITH c LIMIT 1
  RETURN c.churn_computed_at AS churn_at
}
CALL () {
  OPTIONAL MATCH ()-[r:RECOMMENDED]->()
  WITH r LIMIT 1
  RETURN r.computed_at AS crosssell_at
}
RETURN customers, segments_at, clusters_at, churn_at, crosssell_at
