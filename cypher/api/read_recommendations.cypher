// A customer's stored cross-sell recommendations, best first; no row when the customer is
// unknown. Parameters: customer_id (string), limit (integer).
// Columns: customer_id, items (list of {product_id, product, category, score, rank, reasons,
// computed_at}).
MATCH (c:Customer {customer_id: $customer_id})
OPTIONAL MATCH (c)-[r:RECOMMENDED]->(p:Product)
// newest run first: while a cross-sell run writes, older ones' may still be there
// (c is a grouping key, so that an unknown customer gives no row, not an empty list)
WITH c, r, p ORDER BY r.computed_at DESC, r.rank, p.product_id
RETURN c.customer_id AS customer_id, [x IN collect(CASE WHEN p IS NULL THEN null ELSE {
          product_id: p.product_id, product: p.name, category: p.category, score: r.score,
          rank: r.rank, reasons: coalesce(r.reasons, []), computed_at: r.computed_at} END)
        | x][0..$limit] AS items
