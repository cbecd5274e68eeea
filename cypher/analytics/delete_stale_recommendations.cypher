// Remove the RECOMMENDED relationships that the run $run did not write, 10,000 per
// transaction (run in an implicit transaction). Parameters: run (string). Columns: none.
MATCH (:Customer)-[r:RECOMMENDED]->(:Product)
WHERE r.run IS NULL OR r.run <> $run
CALL (r) {
  DELETE r
} IN TRANSACTIONS OF 10000 ROWS
