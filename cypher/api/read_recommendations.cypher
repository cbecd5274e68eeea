// A customer's stored cross-sell recommendations, best first.
// Parameters: customer_id (string), limit (integer).
// Columns: product_id, product, category, score, rank, reasons, computed_at.
MATCH (:Customer {customer_id: $customer_id})-[r:RECOMMENDED]->(p:Product)
RETURN p.product_id AS product_id, p.name AS product, p.category AS category, r.score AS score,
       r.rank AS rank, coalesce(r.reasons, []) AS reasons, r.computed_at AS computed_at
ORDER BY r.rank, p.product_id
LIMIT $limit
