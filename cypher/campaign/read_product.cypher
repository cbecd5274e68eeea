// One product by id; no row when it does not exist.
// Parameters: product_id (string). Columns: product_id, name, category, eligible.
MATCH (p:Product {product_id: $product_id})
RETURN p.product_id AS product_id, p.name AS name, p.category AS category,
       p.eligible AS eligible
