// Remove all RECOMMENDED relationships, 10,000 per transaction (run in an implicit transaction).
// Parameters: none. Columns: none.
MATCH (:Customer)-[r:RECOMMENDED]->(:Product)
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS
