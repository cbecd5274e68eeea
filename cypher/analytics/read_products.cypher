// The product catalogue. Parameters: none. Columns: product_id, name, category, eligible.
MATCH (p:Product)
RETURN p.product_id AS product_id, p.name AS name, p.category AS category,
       coalesce(p.eligible, 'both') AS eligible
ORDER BY product_id
