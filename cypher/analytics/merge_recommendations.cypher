// Write cross-sell recommendations, one row per customer; one the previous run made too
// is updated in place (no delete and create on a dense product node). Parameters: rows
// [{customer_id, recs: [{product_id, score, rank, reasons}]}], computed_at (string), run
// (string: this run's id, which delete_stale_recommendations keeps). Columns: none.
// Not MERGE: MERGE locks both nodes before it creates, so concurrent batches would queue
// on the few product nodes. Each customer's rows are in one batch (the caller partitions
// by customer), so the OPTIONAL MATCH cannot race with another batch's CREATE.
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
UNWIND row.recs AS rec
MATCH (p:Product {product_id: rec.product_id})
OPTIONAL MATCH (c)-[old:RECOMMENDED]->(p)
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (c)-[:RECOMMENDED {score: rec.score, rank: rec.rank, reasons: rec.reasons,
                            reason: head(rec.reasons), computed_at: $computed_at, run: $run}]->(p))
SET old.score = rec.score, old.rank = rec.rank, old.reasons = rec.reasons,
    old.reason = head(rec.reasons), old.computed_at = $computed_at, old.run = $run
