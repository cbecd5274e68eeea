// Stamp when and how clusters were computed on every customer, 10,000 customers per
// transaction (one transaction for a million customers exceeds the memory limit).
// Run in an implicit transaction (Database.write_in_batches).
// Parameters: computed_at (string), backend (string). Columns: none.
MATCH (c:Customer)
CALL (c) {
  SET c.clusters_computed_at = $computed_at, c.clusters_backend = $backend
} IN TRANSACTIONS OF 10000 ROWS
