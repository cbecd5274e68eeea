// Active customers a campaign may contact (never one who refused marketing), with what
// choosing seeds, targets and control needs, packed as text for Database.read_lines
// (lines grouped by the first four characters of the customer id). Names, reasons,
// holdings and channels of the few customers chosen come from read_audience_details.
// Parameters: product_id (string), tiers (list of strings or null), branch_id (string or
// null), community (integer or null), channel (string or null: only customers enrolled in
// it), contacted_since (string date or null: leave out customers contacted on or after it).
// Columns: lines (list of "customer_id,kind,tier,influence,community,branch_id,score,rank,
// rm_id": score and rank empty when the product is not among the customer's stored
// recommendations; rm_id the first relationship manager by id, empty when none).
MATCH (c:Customer)
WHERE coalesce(c.status, 'active') <> 'churned'
  AND coalesce(c.marketing_consent, true)
  AND ($tiers IS NULL OR c.tier IN $tiers)
  AND ($branch_id IS NULL OR c.branch_id = $branch_id)
  AND ($community IS NULL OR c.community = $community)
  AND ($channel IS NULL OR EXISTS { (c)-[:ENROLLED_IN]->(:Channel {channel_id: $channel}) })
  AND ($contacted_since IS NULL
       OR NOT EXISTS { (c)-[:HAD_CONTACT]->(k:Contact) WHERE k.at >= $contacted_since })
CALL (c) {
  OPTIONAL MATCH (c)-[r:RECOMMENDED]->(:Product {product_id: $product_id})
  RETURN r LIMIT 1
}
CALL (c) {
  OPTIONAL MATCH (c)-[:SERVED_BY]->(rm:Employee)
  RETURN rm.employee_id AS rm_id ORDER BY rm_id LIMIT 1
}
WITH left(c.customer_id, 4) AS bucket,
     c.customer_id + ',' + coalesce('"' + replace(toString(c.kind), '"', '""') + '"', '') + ',' +
     coalesce('"' + replace(toString(c.tier), '"', '""') + '"', '') + ',' +
     toString(coalesce(c.influence, 0.0)) + ',' + coalesce(toString(c.community), '') + ',' +
     coalesce('"' + replace(toString(c.branch_id), '"', '""') + '"', '') + ',' +
     coalesce(toString(r.score), '') + ',' + coalesce(toString(r.rank), '') + ',' +
     coalesce('"' + replace(toString(rm_id), '"', '""') + '"', '') AS line
WITH bucket, collect(line) AS lines
RETURN lines
