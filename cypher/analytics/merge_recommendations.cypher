// Write cross-sell recommendations; one the previous run made too is updated in place (no
// delete and create of a relationship on a dense product node). Parameters: rows
// [{customer_id, product_id, score, rank, reasons}], computed_at (string), run (string:
// this run's id, which delete_stale_recommendations keeps). Columns: none.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
MATCH (p:Product {product_id: row.product_id})
MERGE (c)-[r:RECOMMENDED]->(p)
SET r.score = row.score, r.rank = row.rank, r.reasons = row.reasons, r.reason = head(row.reasons),
    r.computed_at = $computed_at, r.run = $run
