// Product offers made to customers since a date (for suppression of repeated offers).
// Parameters: since (string). Columns: customer_id, product_id, at.
MATCH (c:Customer)-[:HAD_CONTACT]->(k:Contact {kind: 'offer'})-[:ABOUT]->(p:Product)
WHERE k.at >= $since
RETURN c.customer_id AS customer_id, p.product_id AS product_id, k.at AS at
