// Active customers a campaign may contact (never one who refused marketing), with what
// planning needs.
// Parameters: product_id (string), tiers (list of strings or null), branch_id (string or
// null), community (integer or null), channel (string or null: only customers enrolled in
// it), contacted_since (string date or null: leave out customers contacted on or after it).
// Columns: customer_id, name, kind, tier, influence, community, branch_id,
// score, rank, reasons (null/empty when the product is not among the customer's stored
// recommendations), holds (an open account of the product), rm_id, rm_name,
// channels (the channel ids the customer is enrolled in).
MATCH (c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
  AND coalesce(c.marketing_consent, true)
  AND ($tiers IS NULL OR c.tier IN $tiers)
  AND ($branch_id IS NULL OR c.branch_id = $branch_id)
  AND ($community IS NULL OR c.community = $community)
  AND ($channel IS NULL OR EXISTS { (c)-[:ENROLLED_IN]->(:Channel {channel_id: $channel}) })
  AND ($contacted_since IS NULL
       OR NOT EXISTS { (c)-[:HAD_CONTACT]->(k:Contact) WHERE k.at >= $contacted_since })
OPTIONAL MATCH (c)-[r:RECOMMENDED]->(:Product {product_id: $product_id})
OPTIONAL MATCH (c)-[:SERVED_BY]->(rm:Employee)
WITH c, r, rm ORDER BY rm.employee_id
WITH c, head(collect(r)) AS r, head(collect(rm)) AS rm
RETURN c.customer_id AS customer_id, c.name AS name, c.kind AS kind, c.tier AS tier,
       coalesce(c.influence, 0.0) AS influence, c.community AS community,
       c.branch_id AS branch_id, r.score AS score, r.rank AS rank,
       coalesce(r.reasons, []) AS reasons,
       EXISTS { (c)-[:OWNS]->(a:Account)-[:OF_PRODUCT]->(:Product {product_id: $product_id})
                WHERE a.closed_on IS NULL } AS holds,
       rm.employee_id AS rm_id, rm.name AS rm_name,
       [(c)-[:ENROLLED_IN]->(ch:Channel) | ch.channel_id] AS channels
ORDER BY customer_id
