// Record a planned campaign: the Campaign, what it PROMOTES, and one TARGETED per contact,
// seed and control customer. Fails (constraint) when the campaign id exists.
// Parameters: campaign (map of Campaign properties incl. campaign_id), product_id (string),
// rows [{customer_id, group, rank, score, channel, rm_id, reasons}], at (string).
// Columns: targeted (integer).
CREATE (k:Campaign)
SET k = $campaign
WITH k
MATCH (p:Product {product_id: $product_id})
CREATE (k)-[:PROMOTES]->(p)
WITH k
UNWIND $rows AS row
MATCH (c:Customer {customer_id: row.customer_id})
CREATE (k)-[t:TARGETED]->(c)
SET t.at = $at, t.group = row.group, t.rank = row.rank, t.score = row.score,
    t.channel = row.channel, t.rm_id = row.rm_id, t.reasons = row.reasons
RETURN count(t) AS targeted
