// The product catalogue with how many customers have each among their recommendations.
// Parameters: none. Columns: product_id, name, category, eligible, recommended.
MATCH (p:Product)
RETURN p.product_id AS product_id, p.name AS name, p.category AS category,
       p.eligible AS eligible, COUNT { ()-[:RECOMMENDED]->(p) } AS recommended
ORDER BY product_id
