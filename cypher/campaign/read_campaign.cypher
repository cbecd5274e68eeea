// A recorded campaign with its product; no row when unknown.
// Parameters: campaign_id (string). Columns: campaign (map), product_id, product.
MATCH (k:Campaign {campaign_id: $campaign_id})
OPTIONAL MATCH (k)-[:PROMOTES]->(p:Product)
RETURN properties(k) AS campaign, p.product_id AS product_id, p.name AS product
