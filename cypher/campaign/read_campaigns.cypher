// Recorded campaigns, newest first, keyset-paginated on (planned_at, campaign_id).
// Parameters: after_at (string or null), after_id (string or null), limit (integer).
// Columns: campaign (map), product_id, product, targeted (integer).
MATCH (k:Campaign)
WHERE $after_at IS NULL OR k.planned_at < $after_at
   OR (k.planned_at = $after_at AND k.campaign_id > $after_id)
OPTIONAL MATCH (k)-[:PROMOTES]->(p:Product)
WITH k, p ORDER BY coalesce(k.planned_at, '') DESC, k.campaign_id LIMIT $limit
RETURN properties(k) AS campaign, p.product_id AS product_id, p.name AS product,
       COUNT { (k)-[:TARGETED]->() } AS targeted
