// Cross-sell opportunity per product among a branch's (or the bank's) customers: how
// many have it recommended, as their first choice, and the expected adoptions (the sum
// of the scores). Parameters: branch_id (string or null).
// Columns: product_id, product, recommended, first_choice, expected.
MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product)
WHERE $branch_id IS NULL OR c.branch_id = $branch_id
RETURN p.product_id AS product_id, coalesce(p.name, p.product_id) AS product,
       count(r) AS recommended, count(CASE WHEN r.rank = 1 THEN 1 END) AS first_choice,
       sum(r.score) AS expected
ORDER BY expected DESC, product_id
