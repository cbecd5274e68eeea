// The product ids already in the graph (references to them are valid).
// Parameters: none. Columns: product_id.
MATCH (p:Product)
RETURN p.product_id AS product_id
