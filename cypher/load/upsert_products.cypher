// Upsert products. Parameters: rows [{product_id, props}]. Columns: none.
UNWIND $rows AS row
MERGE (p:Product {product_id: row.product_id})
SET p += row.props
